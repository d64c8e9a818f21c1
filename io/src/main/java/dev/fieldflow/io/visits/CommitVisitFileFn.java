package dev.fieldflow.io.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import java.sql.SQLException;
import java.time.Duration;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes an attempt at a file: a complete one is merged and recorded done ({@link
 * VisitMerge}); a failed one, or one whose merge fails for a reason a retry cannot fix now (a
 * constraint violation, lost staging rows), is recorded failed with the reason and tried again
 * by a later poll. Out: the summary of each committed file.
 */
final class CommitVisitFileFn extends DoFn<FileOutcome, VisitMerge.Summary> {
  private static final Logger LOG = LoggerFactory.getLogger(CommitVisitFileFn.class);

  private final DatabaseConfig db;
  private final Duration outageTolerance;
  private final long retryDelaySeconds;
  private final Counter filesDone = Metrics.counter(IngestVisitFiles.class, "files_done");
  private final Counter filesFailed = Metrics.counter(IngestVisitFiles.class, "files_failed");
  private final Counter rowsLoaded = Metrics.counter(IngestVisitFiles.class, "rows_loaded");
  private final Counter updates = Metrics.counter(IngestVisitFiles.class, "updates");
  private final Counter duplicates = Metrics.counter(IngestVisitFiles.class, "duplicates");
  private final Counter rejected = Metrics.counter(IngestVisitFiles.class, "rejected");
  private transient RetryingDatabase database;

  CommitVisitFileFn(DatabaseConfig db, Duration outageTolerance, Duration retryDelay) {
    this.db = db;
    this.outageTolerance = outageTolerance;
    this.retryDelaySeconds = Math.max(1, retryDelay.toSeconds());
  }

  @Setup
  public void setup() {
    database = new RetryingDatabase(db, outageTolerance);
  }

  @ProcessElement
  public void process(@Element FileOutcome outcome, OutputReceiver<VisitMerge.Summary> out)
      throws SQLException {
    VisitFile file = outcome.file();
    if (!outcome.isComplete()) {
      fail(file, outcome.error());
      return;
    }
    VisitMerge.Summary summary;
    try {
      summary = database.inTransaction("committing " + file.describe(),
          c -> VisitMerge.commit(c, file, outcome.visits()));
    } catch (IllegalStateException e) {
      fail(file, e.getMessage());
      return;
    } catch (SQLException e) {
      if (RetryingDatabase.isGivingUp(e)) {
        throw e;
      }
      fail(file, "cannot commit: " + e.getMessage());
      return;
    }
    if (!summary.alreadyDone()) {
      filesDone.inc();
      rowsLoaded.inc(summary.loaded());
      updates.inc(summary.updates());
      duplicates.inc(summary.duplicates());
      rejected.inc(summary.rejected());
      LOG.info("ingested {}", summary.describe());
    }
    out.output(summary);
  }

  private void fail(VisitFile file, String error) throws SQLException {
    boolean marked = database.inTransaction("marking " + file.describe() + " failed",
        c -> VisitLedger.markFailed(c, file, error, retryDelaySeconds));
    if (marked) {
      filesFailed.inc();
      LOG.warn("{}: failed: {}; it is tried again on a later poll", file.describe(), error);
    }
  }

  @Teardown
  public void teardown() {
    if (database != null) {
      database.close();
    }
  }
}
