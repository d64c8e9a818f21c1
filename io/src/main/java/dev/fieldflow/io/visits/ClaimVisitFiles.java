package dev.fieldflow.io.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.FileVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovers visit files through the ledger. In: one tick per poll (a {@code PeriodicImpulse},
 * or a single element for {@code --once}). Each tick lists the input pattern and takes from the
 * ledger the listed file versions that need work (new, failed and due for a retry, or orphaned
 * by a run that died). Out: the files taken, each once per attempt.
 *
 * <p>Unlike {@code FileIO.match().continuously()}, this keeps no state in the pipeline: Beam's
 * {@code Watch} remembers every file it ever saw (in memory, copied on every poll, lost on
 * restart), while the ledger already has to answer "ingested already?" durably. A poll costs
 * one listing of the pattern and one query with the listed names. A listing that fails (the
 * bucket unreachable) is logged and counted, and the next tick tries again.
 */
public final class ClaimVisitFiles extends PTransform<PCollection<Instant>, PCollection<VisitFile>> {
  private final String pattern;
  private final UUID runId;
  private final DatabaseConfig db;
  private final Duration outageTolerance;
  private final boolean retryFailedNow;

  /**
   * @param runId this run of the pipeline: its files in the ledger are its own, a running file
   *     of any other run is an orphan to take over
   * @param retryFailedNow take failed files without waiting for their retry time ({@code --once})
   */
  public ClaimVisitFiles(
      String pattern, UUID runId, DatabaseConfig db, Duration outageTolerance, boolean retryFailedNow) {
    this.pattern = pattern;
    this.runId = runId;
    this.db = db;
    this.outageTolerance = outageTolerance;
    this.retryFailedNow = retryFailedNow;
  }

  @Override
  public PCollection<VisitFile> expand(PCollection<Instant> ticks) {
    return ticks.apply("ListAndClaim",
        ParDo.of(new ClaimFn(pattern, runId, db, outageTolerance, retryFailedNow)));
  }

  /** Lists the pattern now: every file (not directory), with the version the ledger records. */
  public static List<VisitLedger.Listed> list(String pattern) throws IOException {
    MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
    List<VisitLedger.Listed> listed = new ArrayList<>();
    if (result.status() == MatchResult.Status.NOT_FOUND) {
      return listed;
    }
    if (result.status() != MatchResult.Status.OK) {
      throw new IOException("cannot list " + pattern + ": " + result.status());
    }
    for (MatchResult.Metadata m : result.metadata()) {
      if (!m.resourceId().isDirectory()) {
        listed.add(new VisitLedger.Listed(
            FileVersion.path(m), FileVersion.of(m), m.sizeBytes(), m.lastModifiedMillis()));
      }
    }
    return listed;
  }

  private static final class ClaimFn extends DoFn<Instant, VisitFile> {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimVisitFiles.class);

    private final String pattern;
    private final UUID runId;
    private final DatabaseConfig db;
    private final Duration outageTolerance;
    private final boolean retryFailedNow;
    private final Counter polls = Metrics.counter(IngestVisitFiles.class, "polls");
    private final Counter listFailures = Metrics.counter(IngestVisitFiles.class, "list_failures");
    private final Counter filesClaimed = Metrics.counter(IngestVisitFiles.class, "files_claimed");
    private transient RetryingDatabase database;
    private transient String lastListError;

    ClaimFn(String pattern, UUID runId, DatabaseConfig db, Duration outageTolerance, boolean retryFailedNow) {
      this.pattern = pattern;
      this.runId = runId;
      this.db = db;
      this.outageTolerance = outageTolerance;
      this.retryFailedNow = retryFailedNow;
    }

    @Setup
    public void setup() {
      database = new RetryingDatabase(db, outageTolerance);
    }

    @ProcessElement
    public void process(@Element Instant tick, OutputReceiver<VisitFile> out) throws Exception {
      polls.inc();
      List<VisitLedger.Listed> listed;
      try {
        listed = list(pattern);
        lastListError = null;
      } catch (IOException | RuntimeException e) {
        listFailures.inc();
        String error = e.getMessage();
        if (!String.valueOf(error).equals(lastListError)) {
          LOG.warn("cannot list {}: {}; trying again at the next poll", pattern, error);
          lastListError = String.valueOf(error);
        }
        return;
      }
      // The same tick gets the same claim id, so a retried bundle gets back what it took.
      UUID claimId = UUID.nameUUIDFromBytes(
          (runId + "/" + tick.getMillis()).getBytes(StandardCharsets.UTF_8));
      List<VisitFile> claimed = database.inTransaction("claiming files of " + pattern,
          c -> VisitLedger.claim(c, runId, claimId, listed, retryFailedNow));
      if (!claimed.isEmpty()) {
        LOG.info("{} new or unfinished file(s) of {} listed to ingest", claimed.size(), pattern);
      }
      filesClaimed.inc(claimed.size());
      claimed.forEach(out::output);
    }

    @Teardown
    public void teardown() {
      if (database != null) {
        database.close();
      }
    }
  }
}
