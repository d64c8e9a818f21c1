package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.FileRejectedException;
import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.io.files.LocalPatterns;
import dev.fieldflow.ingest.write.DatabaseErrors;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingests claimed visit files, each exactly once in effect.
 *
 * <p>In: files taken from the ledger ({@link ClaimVisitFiles}, {@link ReclaimVisitFiles}). Out:
 * one summary per file committed (or found committed before).
 *
 * <pre>
 * files ─► SpreadFiles ─► LoadVisitFiles: per file, one transaction
 *                          read ─► parse ─► chunk ─► merge (COPY) ─► quarantine ─► ledger done
 * </pre>
 *
 * <p>The file is the unit of atomicity, so the file is also the unit of work: files are spread
 * over the workers once, and each worker takes its file's rows from the reader to PostgreSQL in
 * chunks ({@link VisitFileLoad}); no row is shuffled. Two workers load two files at once, on
 * two database sessions.
 *
 * <p>Batching keeps three flush rules: a chunk is merged every {@code chunkRows} lines or 16 MiB (size),
 * at the end of each file, and so before every bundle ends (a checkpoint on Flink waits for the
 * bundle); a file never waits for others, so there is no buffering interval to wait out.
 *
 * <p>A file the reader refuses as a whole (a gzip bomb, a JSON array, CSV: see {@link
 * dev.fieldflow.io.files.ReadLines}) is recorded failed with its reason and not retried: only a
 * new version of it is read. Any other unreadable file is retried later with a growing delay.
 *
 * <p>Counters (namespace of this class): files_loaded, files_unreadable, files_done,
 * files_failed, files_careful (loaded again line by line after PostgreSQL refused a value),
 * rows_loaded, updates, duplicates, rejected; {@code db_retries} of {@link RetryingDatabase}.
 */
public final class IngestVisitFiles
    extends PTransform<PCollection<VisitFile>, PCollection<VisitMerge.Summary>> {
  /**
   * The keys files are spread on. A runner keeps state for every key a shuffle has seen (the
   * DirectRunner about 5 KB of holds, timers and tables; Flink a timer at the end of the global
   * window), so a random key per file made the pipeline's heap grow with every file it ever
   * loaded (31 MB after 1,000 files, 46 MB after 4,000, measured in the bench). A fixed set of
   * keys bounds that state; 128 hash evenly enough over the workers of any parallelism we run.
   */
  static final int SPREAD_KEYS = 128;

  private final DatabaseConfig db;
  private final UUID runId;
  private final LoadSettings settings;

  /** @param runId the run the files were claimed by: its sessions keep it alive (V8) */
  public IngestVisitFiles(DatabaseConfig db, UUID runId, LoadSettings settings) {
    this.db = db;
    this.runId = runId;
    this.settings = settings;
  }

  @Override
  public PCollection<VisitMerge.Summary> expand(PCollection<VisitFile> files) {
    return files
        // A poll or a listing takes many files at once: spread them over the workers.
        .apply("SpreadFiles", Reshuffle.<VisitFile>viaRandomKey().withNumBuckets(SPREAD_KEYS))
        .apply("LoadVisitFiles",
            ParDo.of(new LoadVisitFileFn(db, runId, settings)));
  }

  /**
   * Runs {@link VisitFileLoad} for each file in a transaction of its own and commits it; an
   * unreadable file, or one whose load fails for a reason a retry cannot fix now, is recorded
   * failed and tried again later; a file PostgreSQL refuses a value of is loaded again
   * carefully, quarantining the refused lines.
   */
  static final class LoadVisitFileFn extends DoFn<VisitFile, VisitMerge.Summary> {
    private static final Logger LOG = LoggerFactory.getLogger(IngestVisitFiles.class);

    private final DatabaseConfig db;
    private final UUID runId;
    private final LoadSettings settings;
    private final Counter filesLoaded = Metrics.counter(IngestVisitFiles.class, "files_loaded");
    private final Counter filesUnreadable = Metrics.counter(IngestVisitFiles.class, "files_unreadable");
    private final Counter filesCareful = Metrics.counter(IngestVisitFiles.class, "files_careful");
    private final Counter filesDone = Metrics.counter(IngestVisitFiles.class, "files_done");
    private final Counter filesFailed = Metrics.counter(IngestVisitFiles.class, "files_failed");
    private final Counter rowsLoaded = Metrics.counter(IngestVisitFiles.class, "rows_loaded");
    private final Counter updates = Metrics.counter(IngestVisitFiles.class, "updates");
    private final Counter duplicates = Metrics.counter(IngestVisitFiles.class, "duplicates");
    private final Counter rejected = Metrics.counter(IngestVisitFiles.class, "rejected");
    private transient RetryingDatabase database;
    /** The second session of each load: nodes and tasks in short transactions of their own. */
    private transient RetryingDatabase reference;

    LoadVisitFileFn(DatabaseConfig db, UUID runId, LoadSettings settings) {
      this.db = db;
      this.runId = runId;
      this.settings = settings;
    }

    @Setup
    public void setup() {
      database = RetryingDatabase.forRun(db, settings.outageTolerance(), runId);
      reference = RetryingDatabase.forRun(db, settings.outageTolerance(), runId);
      if (!settings.synchronousCommit()) {
        database = database.withAsynchronousCommit();
        reference = reference.withAsynchronousCommit();
      }
    }

    @ProcessElement
    public void process(@Element VisitFile file, OutputReceiver<VisitMerge.Summary> out)
        throws SQLException {
      if (Thread.currentThread().isInterrupted()) {
        // The runner is cancelling this worker (a stop, a Flink failover), which may still be
        // handed the next file: started now, it would load for a job that is going away. Left
        // claimed, it is taken again by the next run, as after a kill.
        throw new CancellationException("the worker is being cancelled: " + file.describe()
            + " is not started; it stays claimed and the next run reads it");
      }
      VisitMerge.Summary summary;
      LoadProfile profile = new LoadProfile();
      try {
        summary = load(file, VisitFileLoad.Mode.FAST, profile);
        if (summary == null) {
          return;
        }
      } catch (VisitFileLoad.UnreadableFileException e) {
        filesUnreadable.inc();
        if (e.getCause() instanceof FileRejectedException refused) {
          refuse(file, refused);
        } else {
          fail(file, vanishedOr(file, e.getMessage()));
        }
        return;
      } catch (SQLException e) {
        if (RetryingDatabase.isGivingUp(e)) {
          throw e;
        }
        if (!DatabaseErrors.isDataError(e)) {
          fail(file, "cannot load: " + DatabaseErrors.firstLine(e.getMessage()));
          return;
        }
        LOG.warn("{}: PostgreSQL refused a value ({}); loading it again in small chunks to"
            + " quarantine the refused lines", file.describe(), DatabaseErrors.firstLine(e.getMessage()));
        filesCareful.inc();
        try {
          profile = new LoadProfile();
          summary = load(file, VisitFileLoad.Mode.CAREFUL, profile);
          if (summary == null) {
            return;
          }
        } catch (VisitFileLoad.UnreadableFileException | SQLException again) {
          if (again instanceof SQLException sql && RetryingDatabase.isGivingUp(sql)) {
            throw sql;
          }
          // The fast load may have stopped at a refused value before the end of the file: the
          // careful one is then the first to reach a refusal there (a corrupt gzip's end).
          if (again.getCause() instanceof FileRejectedException refused) {
            filesUnreadable.inc();
            refuse(file, refused);
            return;
          }
          fail(file, "cannot load: " + DatabaseErrors.firstLine(again.getMessage()));
          return;
        }
      } catch (IllegalStateException e) {
        fail(file, e.getMessage());
        return;
      }
      if (!summary.alreadyDone()) {
        filesDone.inc();
        rowsLoaded.inc(summary.loaded());
        updates.inc(summary.updates());
        duplicates.inc(summary.duplicates());
        rejected.inc(summary.rejected());
        LOG.info("ingested {} in {}", summary.describe(), profile.describe());
        String warning = settings.rejectRatioWarning(summary.linesRead(), summary.rejected());
        if (warning != null) {
          LOG.warn("{}: {}", file.path(), warning);
        }
      }
      out.output(summary);
    }

    /**
     * One attempt in one transaction; {@code null} when another attempt has the file now. The
     * commit's time is added to the profile: from the end of the load to the transaction's end.
     */
    private VisitMerge.Summary load(VisitFile file, VisitFileLoad.Mode mode, LoadProfile profile)
        throws SQLException {
      filesLoaded.inc();
      long[] loadedAt = new long[1];
      VisitMerge.Summary summary = database.inTransaction("ingesting " + file.describe(), c -> {
        try {
          VisitMerge.Summary loaded = VisitFileLoad.run(c, reference.session(), file, settings, mode, profile);
          loadedAt[0] = System.nanoTime();
          return loaded;
        } catch (SQLException | RuntimeException e) {
          reference.reset();
          throw e;
        }
      });
      long commit = System.nanoTime() - loadedAt[0];
      profile.commitNanos += commit;
      profile.totalNanos += commit;
      if (summary == null) {
        LOG.info("{}: taken over by another attempt; left to it", file.describe());
      }
      return summary;
    }

    /**
     * {@code error}, unless the file is gone or holds another version now (deleted, moved or
     * overwritten between its listing and its read): then that, in words, instead of the
     * reader's exception. One metadata request, made only for a file that could not be read.
     */
    static String vanishedOr(VisitFile file, String error) {
      MatchResult now;
      try {
        now = LocalPatterns.matchEach(List.of(file.path())).get(0);
      } catch (IOException | RuntimeException e) {
        return error;
      }
      if (now.status() == MatchResult.Status.NOT_FOUND) {
        return file.path() + " is gone: it was listed, then deleted or moved before it was read,"
            + " so nothing was loaded from it; if that was a mistake, put it back and a later run"
            + " reads it";
      }
      try {
        if (now.status() == MatchResult.Status.OK
            && !FileVersion.matches(file.version(), now.metadata().get(0))) {
          return file.path() + " holds another version now (" + FileVersion.of(now.metadata().get(0))
              + ", not " + file.version() + "): it was replaced before this version was read, so"
              + " nothing was loaded from this version; the new version is loaded as a file of its"
              + " own";
        }
      } catch (IOException e) {
        return error;
      }
      return error;
    }

    private void fail(VisitFile file, String error) throws SQLException {
      boolean marked = database.inTransaction("marking " + file.describe() + " failed",
          c -> VisitLedger.markFailed(c, file, error, settings.retryDelay().toSeconds()));
      if (marked) {
        filesFailed.inc();
        LOG.warn("{}: failed: {}; it is tried again on a later poll", file.describe(), error);
      }
    }

    /** A file refused as a whole reads the same way every time: failed, not retried. */
    private void refuse(VisitFile file, FileRejectedException refused) throws SQLException {
      boolean marked = database.inTransaction("marking " + file.describe() + " refused",
          c -> VisitLedger.markRefused(c, file, refused.getMessage()));
      if (marked) {
        filesFailed.inc();
        LOG.warn("{}: refused: {}; not retried by time: a new version of the file is read, and a"
            + " --once run tries it again",
            file.describe(), refused.getMessage());
      }
    }

    @Teardown
    public void teardown() {
      if (database != null) {
        database.close();
      }
      if (reference != null) {
        reference.close();
      }
    }
  }
}
