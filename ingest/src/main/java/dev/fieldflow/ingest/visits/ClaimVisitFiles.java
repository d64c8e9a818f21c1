package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.io.files.IngestibleFileNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes matched files from the ledger. In: files as Beam's {@code FileIO.match()} or its
 * {@code Watch} report them (a file seen again by a new watch, or by a restarted pipeline,
 * comes again). Out: the file versions that need work — new, failed and due for a retry, left
 * {@code running} by a run that died, or {@code running} past the claim lease — each marked {@code running} for this run; a file
 * that is {@code done}, or that this run is ingesting already, is dropped.
 *
 * <p>The files of a bundle are claimed together ({@link VisitLedger#claimAll}), so a watch's
 * first poll over thousands of files already done costs a few indexed look-ups, not one round
 * trip per file. Each sighting of a file gets its own claim id (run, the sighting's timestamp,
 * path, version; {@link WatchVisitFiles} stamps a file with its watch generation's tick): a
 * retried bundle, or a Flink job restored from a checkpoint that finds the file again in the
 * same watch, gets back what it took; another watch's sighting of a file in flight gets
 * nothing.
 *
 * <p>Files whose names are not ingested ({@link IngestibleFileNames}: by default hidden and
 * temporary names such as {@code .x}, {@code _SUCCESS}, {@code x.tmp}) are skipped and counted
 * as {@code files_ignored}, never entered in the ledger. So are files whose path Beam cannot
 * address ({@link IngestibleFileNames#isAddressable}: a line break in the name), counted as
 * {@code files_unaddressable} and warned about.
 */
public final class ClaimVisitFiles
    extends PTransform<PCollection<MatchResult.Metadata>, PCollection<VisitFile>> {
  private final LedgerClaims claims;
  private final boolean retryFailedNow;
  private final IngestibleFileNames fileNames;

  private ClaimVisitFiles(LedgerClaims claims, boolean retryFailedNow, IngestibleFileNames fileNames) {
    this.claims = claims;
    this.retryFailedNow = retryFailedNow;
    this.fileNames = fileNames;
  }

  /**
   * Claims for the run of {@code claims}: its files in the ledger are its own, a running file of
   * a dead run is an orphan to take over, and a failed file waits for its retry time.
   */
  public static ClaimVisitFiles forRun(LedgerClaims claims) {
    return new ClaimVisitFiles(claims, false, IngestibleFileNames.defaults());
  }

  /** The same claims, taking failed files without waiting for their retry time ({@code --once}). */
  public ClaimVisitFiles retryingFailedNow() {
    return new ClaimVisitFiles(claims, true, fileNames);
  }

  /** The same claims, of the files whose names {@code names} ingests only. */
  public ClaimVisitFiles withFileNames(IngestibleFileNames names) {
    return new ClaimVisitFiles(claims, retryFailedNow, names);
  }

  @Override
  public PCollection<VisitFile> expand(PCollection<MatchResult.Metadata> matched) {
    return matched.apply("ClaimInLedger", ParDo.of(new ClaimFn(claims, retryFailedNow, fileNames)));
  }

  /** What the ledger records of a matched file. */
  public static VisitLedger.Listed listed(MatchResult.Metadata m) {
    return new VisitLedger.Listed(
        FileVersion.path(m), FileVersion.of(m), m.sizeBytes(), m.lastModifiedMillis());
  }

  private static final class ClaimFn extends DoFn<MatchResult.Metadata, VisitFile> {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimVisitFiles.class);

    /** A matched file waiting for the end of its bundle, with where its claims go. */
    private record Sighting(VisitLedger.Claim claim, Instant timestamp, BoundedWindow window) {}

    private final LedgerClaims claims;
    private final boolean retryFailedNow;
    private final IngestibleFileNames fileNames;
    private final Counter filesIgnored = Metrics.counter(IngestVisitFiles.class, "files_ignored");
    private final Counter filesUnaddressable =
        Metrics.counter(IngestVisitFiles.class, "files_unaddressable");
    private final Counter filesMatched = Metrics.counter(IngestVisitFiles.class, "files_matched");
    private final Counter filesClaimed = Metrics.counter(IngestVisitFiles.class, "files_claimed");
    private transient RetryingDatabase database;
    private transient List<Sighting> pending;

    ClaimFn(LedgerClaims claims, boolean retryFailedNow, IngestibleFileNames fileNames) {
      this.claims = claims;
      this.retryFailedNow = retryFailedNow;
      this.fileNames = fileNames;
    }

    @Setup
    public void setup() {
      database = claims.open();
    }

    @StartBundle
    public void startBundle() {
      pending = new ArrayList<>();
    }

    @ProcessElement
    public void process(
        @Element MatchResult.Metadata file, @Timestamp Instant timestamp, BoundedWindow window) {
      if (file.resourceId().isDirectory()) {
        return;
      }
      String path = FileVersion.path(file);
      if (!fileNames.isIngested(path)) {
        filesIgnored.inc();
        return;
      }
      if (!IngestibleFileNames.isAddressable(path)) {
        filesUnaddressable.inc();
        LOG.warn("{}", IngestibleFileNames.unaddressable(path));
        return;
      }
      filesMatched.inc();
      VisitLedger.Listed listed = listed(file);
      // The watch generation's tick names the sighting: a retried bundle or a restored job's
      // watch repeats it, another generation's watch does not.
      pending.add(new Sighting(claims.claim(Long.toString(timestamp.getMillis()), listed),
          timestamp, window));
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws Exception {
      List<VisitLedger.Claim> toClaim = new ArrayList<>(pending.size());
      pending.forEach(s -> toClaim.add(s.claim()));
      List<VisitFile> claimed = claims.take(database, toClaim, retryFailedNow, "matched");
      if (!claimed.isEmpty()) {
        LOG.info("{} new or unfinished file(s) of {} matched to ingest", claimed.size(), toClaim.size());
      }
      filesClaimed.inc(claimed.size());
      // Each file goes out where its sighting was: same timestamp, same window.
      Map<String, Sighting> byFile = new HashMap<>();
      pending.forEach(s -> byFile.putIfAbsent(s.claim().file().path() + "\n" + s.claim().file().version(), s));
      for (VisitFile f : claimed) {
        Sighting s = byFile.get(f.path() + "\n" + f.version());
        context.output(f, s.timestamp(), s.window());
      }
      pending = null;
    }

    @Teardown
    public void teardown() {
      if (database != null) {
        database.close();
      }
    }
  }
}
