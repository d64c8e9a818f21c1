package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.io.files.LocalPatterns;
import java.util.ArrayList;
import java.util.List;
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
 * Takes again, straight from the ledger, the files that need work although no watch reports
 * them: failed files whose retry time has come, files left {@code running} by a run that
 * died (their partition may no longer be watched), and files {@code running} past the claim
 * lease (an attempt lost inside this run, e.g. claimed after the checkpoint Flink restored), and,
 * sooner, loads of this run that nobody has held for the claims' {@code abandonedAfter} (a load
 * cut off by a lost TaskManager or undone by a crash of PostgreSQL: {@link AbandonedLoads}). In:
 * one tick per check; out: the files taken, as {@link ClaimVisitFiles} gives them.
 *
 * <p>No listing: the ledger's partial index of unfinished files answers, so a check costs one
 * small query when there is nothing to do. Each candidate is looked at (one metadata request
 * per file) before it is taken: a file that is gone, or whose path now holds another version
 * (a file of its own, which the watch reports), cannot be read as the version the ledger has;
 * it is marked failed with the reason and not tried again for a day. A local file that is gone
 * is known without asking Beam, which would search its directory's whole tree for it.
 *
 * <p>A check claims under its tick ({@link #sighting}). A Flink job restored from a checkpoint
 * taken before a check runs that check again; the files it had claimed and that are still
 * queued are then claimed by this run, so the ledger no longer offers them: the check asks for
 * them by their claims ({@link VisitLedger#queuedUnder}) and repeats those, which gives them
 * back at their attempt.
 */
public final class ReclaimVisitFiles extends PTransform<PCollection<Instant>, PCollection<VisitFile>> {
  /** Candidates per check; more wait for the next one. */
  static final int MAX_PER_CHECK = 500;

  private final LedgerClaims claims;

  private ReclaimVisitFiles(LedgerClaims claims) {
    this.claims = claims;
  }

  /** Takes again the files that need work for the run of {@code claims}, under its lease. */
  public static ReclaimVisitFiles forRun(LedgerClaims claims) {
    return new ReclaimVisitFiles(claims);
  }

  @Override
  public PCollection<VisitFile> expand(PCollection<Instant> ticks) {
    return ticks.apply("ReclaimFromLedger", ParDo.of(new ReclaimFn(claims)));
  }

  /** The sighting a check at {@code tick} claims under: a repeat of the check repeats it. */
  static String sighting(Instant tick) {
    return "reclaim/" + tick.getMillis();
  }

  /**
   * How much earlier than its tick a check's claim may be stamped: the claim's time is the
   * database's clock, the tick the pipeline's.
   */
  static final java.time.Duration CLOCK_SKEW = java.time.Duration.ofSeconds(30);

  /** What one look at the ledger found: this check's queued claims, and files to retry. */
  private record Found(List<VisitLedger.Claim> repeated, List<VisitLedger.Unfinished> candidates) {}

  private static final class ReclaimFn extends DoFn<Instant, VisitFile> {
    private static final Logger LOG = LoggerFactory.getLogger(ReclaimVisitFiles.class);

    private final LedgerClaims claims;
    private final Counter filesReclaimed = Metrics.counter(IngestVisitFiles.class, "files_reclaimed");
    private final Counter filesGone = Metrics.counter(IngestVisitFiles.class, "files_gone");
    private final Counter loadsAbandoned = Metrics.counter(IngestVisitFiles.class, "loads_abandoned");
    private transient RetryingDatabase database;
    private transient AbandonedLoads abandonedLoads;

    ReclaimFn(LedgerClaims claims) {
      this.claims = claims;
    }

    @Setup
    public void setup() {
      database = claims.open();
      abandonedLoads = new AbandonedLoads(claims.abandonedAfter());
    }

    @ProcessElement
    public void process(@Element Instant tick, OutputReceiver<VisitFile> out) throws Exception {
      takeOverAbandonedLoads(out);
      String sighting = sighting(tick);
      // A check repeated by a Flink job restored from an earlier checkpoint: the files it had
      // claimed and queued are claimed by this run now, so the ledger does not offer them
      // again; the same claims give them back (VisitLedger.Claim).
      java.time.Instant since = java.time.Instant.ofEpochMilli(tick.getMillis()).minus(CLOCK_SKEW);
      Found found = database.inTransaction("looking for files to retry",
          c -> new Found(VisitLedger.queuedUnder(c, claims.runId(), sighting, since),
              VisitLedger.unfinished(c, claims.runId(), MAX_PER_CHECK, claims.lease())));
      List<VisitLedger.Claim> toClaim = new ArrayList<>(found.repeated());
      if (!found.repeated().isEmpty()) {
        LOG.info("{} file(s) this ledger check had claimed before the job was restored taken back"
            + " under the same claims", found.repeated().size());
      }
      if (!found.candidates().isEmpty()) {
        toClaim.addAll(lookAt(found.candidates(), sighting));
      }
      if (toClaim.isEmpty()) {
        return;
      }
      List<VisitFile> claimed = database.inTransaction("retrying " + toClaim.size() + " file(s)",
          c -> VisitLedger.claim(c, claims.runId(), toClaim, false, claims.lease()));
      if (!claimed.isEmpty()) {
        LOG.info("{} failed, orphaned or lease-expired file(s) taken again from the ledger", claimed.size());
      }
      filesReclaimed.inc(claimed.size());
      claimed.forEach(out::output);
    }

    /**
     * Looks at each candidate: returns the claims of those that still hold their version, and
     * marks those that are gone or replaced failed.
     */
    private List<VisitLedger.Claim> lookAt(List<VisitLedger.Unfinished> candidates,
        String sighting) throws Exception {
      List<String> paths = new ArrayList<>(candidates.size());
      candidates.forEach(u -> paths.add(u.path()));
      List<MatchResult> now;
      try {
        now = LocalPatterns.matchEach(paths);
      } catch (Exception e) {
        LOG.warn("cannot look at {} file(s) to retry ({}); trying again at the next check",
            paths.size(), e.getMessage());
        return List.of();
      }
      List<VisitLedger.Claim> toClaim = new ArrayList<>();
      List<Long> gone = new ArrayList<>();
      String firstGone = null;
      for (int i = 0; i < candidates.size(); i++) {
        VisitLedger.Unfinished u = candidates.get(i);
        MatchResult result = now.get(i);
        if (result.status() == MatchResult.Status.OK) {
          MatchResult.Metadata m = result.metadata().get(0);
          if (FileVersion.matches(u.version(), m)) {
            VisitLedger.Listed listed =
                new VisitLedger.Listed(u.path(), u.version(), m.sizeBytes(), m.lastModifiedMillis());
            toClaim.add(claims.claim(sighting, listed));
          } else {
            gone.add(u.fileId());
            firstGone = firstGone != null ? firstGone
                : u.path() + " holds " + FileVersion.of(m) + " now, not " + u.version();
          }
        } else if (result.status() == MatchResult.Status.NOT_FOUND) {
          gone.add(u.fileId());
          firstGone = firstGone != null ? firstGone : u.path() + " is gone";
        }
        // Status ERROR (the store unreachable): leave it for the next check.
      }
      if (!gone.isEmpty()) {
        int marked = database.inTransaction("marking " + gone.size() + " vanished file(s)",
            c -> VisitLedger.markGone(c, claims.runId(), gone, "the file is gone or holds another"
                + " version now; this version cannot be read", claims.lease()));
        filesGone.inc(marked);
        LOG.warn("{} unfinished file(s) in the ledger are gone or replaced ({}); marked failed",
            marked, firstGone);
      }
      return toClaim;
    }

    /**
     * Takes over the loads of this run abandoned by a worker that is gone; no metadata request:
     * a file gone meanwhile fails its load with the reason, as any file that vanished does.
     */
    private void takeOverAbandonedLoads(OutputReceiver<VisitFile> out) throws Exception {
      List<VisitLedger.UnheldLoad> unheld = database.inTransaction("looking for abandoned loads",
          c -> VisitLedger.unheldLoads(c, claims.runId(), MAX_PER_CHECK));
      List<VisitLedger.UnheldLoad> abandoned = abandonedLoads.look(unheld, System.nanoTime());
      if (abandoned.isEmpty()) {
        return;
      }
      List<VisitFile> taken = database.inTransaction("taking over " + abandoned.size()
          + " abandoned load(s)", c -> VisitLedger.takeOver(c, claims.runId(), abandoned));
      abandonedLoads.forget(abandoned);
      if (!taken.isEmpty()) {
        LOG.warn("{} load(s) of this run were held by no session for {} s (their worker is gone:"
            + " a lost TaskManager, a crash of PostgreSQL); taken over: {}", taken.size(),
            claims.abandonedAfter().toSeconds(),
            taken.stream().map(VisitFile::describe).limit(5).toList());
      }
      filesReclaimed.inc(taken.size());
      loadsAbandoned.inc(taken.size());
      taken.forEach(out::output);
    }

    @Teardown
    public void teardown() {
      if (database != null) {
        database.close();
      }
    }
  }
}
