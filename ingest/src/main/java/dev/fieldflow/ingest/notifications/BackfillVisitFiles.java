package dev.fieldflow.ingest.notifications;

import dev.fieldflow.ingest.visits.LedgerClaims;
import dev.fieldflow.ingest.visits.RetryingDatabase;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.io.files.IngestibleFileNames;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of the input that the ledger lacks, taken at start and then every {@code interval}:
 * objects that landed before the queue existed, or whose notification was lost (S3 delivers
 * notifications at least once, not always). Out: the file versions taken, as {@link
 * ReadS3Notifications} gives them.
 *
 * <p>Each listing is claimed in bulk (1,000 files a statement; files done already are skipped by
 * the ledger's index), then recorded in {@code fieldflow.input_listings}: from then on every
 * object present when the listing began is in the ledger, which is what the completeness
 * analysts see is built on. Nothing about a file is kept in memory between two listings: the
 * ledger alone answers "seen already?".
 */
public final class BackfillVisitFiles extends PTransform<PBegin, PCollection<VisitFile>> {
  private final InputPattern input;
  private final LedgerClaims claims;
  private final Duration interval;

  private BackfillVisitFiles(InputPattern input, LedgerClaims claims, Duration interval) {
    this.input = input;
    this.claims = claims;
    this.interval = interval;
  }

  /** Lists {@code input} now and every {@code interval} (&gt; 0). */
  public static BackfillVisitFiles every(java.time.Duration interval, InputPattern input, LedgerClaims claims) {
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("a backfill interval must be > 0, but was " + interval);
    }
    return new BackfillVisitFiles(input, claims, Duration.millis(interval.toMillis()));
  }

  @Override
  public PCollection<VisitFile> expand(PBegin begin) {
    return begin
        .apply("AtStartAndEveryInterval", PeriodicImpulse.create().withInterval(interval))
        .apply("ListAndClaim", ParDo.of(new ListAndClaimFn(input, claims)));
  }

  /** Counter names, for the runner's metrics and the tests. */
  public static final class Counters {
    public static final String NAMESPACE = BackfillVisitFiles.class.getName();
    public static final String LISTINGS = "backfill_listings";
    public static final String LISTED = "backfill_files_listed";
    public static final String CLAIMED = "backfill_files_claimed";

    private Counters() {}
  }

  static final class ListAndClaimFn extends DoFn<Instant, VisitFile> {
    private static final Logger LOG = LoggerFactory.getLogger(BackfillVisitFiles.class);

    private final InputPattern input;
    private final LedgerClaims claims;
    private final Counter listings = Metrics.counter(Counters.NAMESPACE, Counters.LISTINGS);
    private final Counter listed = Metrics.counter(Counters.NAMESPACE, Counters.LISTED);
    private final Counter claimed = Metrics.counter(Counters.NAMESPACE, Counters.CLAIMED);
    private transient RetryingDatabase database;

    ListAndClaimFn(InputPattern input, LedgerClaims claims) {
      this.input = input;
      this.claims = claims;
    }

    @Setup
    public void setup() {
      database = claims.open();
    }

    @ProcessElement
    public void process(@Element Instant tick, OutputReceiver<VisitFile> out) throws Exception {
      java.time.Instant startedAt = java.time.Instant.now();
      List<MatchResult.Metadata> files;
      try {
        MatchResult result = FileSystems.match(input.glob(), EmptyMatchTreatment.ALLOW);
        files = result.status() == MatchResult.Status.NOT_FOUND ? List.of() : result.metadata();
      } catch (java.io.IOException | RuntimeException e) {
        // Notifications go on meanwhile; the next listing is the next chance.
        LOG.warn("backfill: cannot list {} ({}); trying again at the next interval", input.glob(),
            e.getMessage());
        return;
      }
      List<VisitLedger.Claim> toClaim = new ArrayList<>();
      // The listing's tick names the sighting: a Flink job restored from a checkpoint taken
      // before it lists again under the same tick, and gets back the files it had claimed.
      String sighting = "backfill@" + tick.getMillis();
      int unaddressable = 0;
      for (MatchResult.Metadata m : files) {
        String path = m.resourceId().toString();
        if (m.resourceId().isDirectory() || !input.ingests(path)) {
          continue;
        }
        if (IngestibleFileNames.isAddressable(path)) {
          toClaim.add(claims.claim(sighting, LedgerClaims.listedBySizeAndTime(m)));
        } else {
          unaddressable++;
          LOG.warn("backfill: {}", IngestibleFileNames.unaddressable(path));
        }
      }
      List<VisitFile> taken = claims.take(database, toClaim);
      if (unaddressable == 0) {
        database.inTransaction("recording the listing of " + input.glob(), c -> {
          InputListings.record(c, input.glob(), input.prefix(), startedAt, toClaim.size(), taken.size());
          return null;
        });
      } else {
        // An object that can never be loaded nor quarantined is a gap: the listing is not
        // complete, so completeness stays at the last listing without one (audit names it).
        LOG.warn("backfill: the listing of {} is not recorded as complete: {} object(s) under it"
            + " cannot be loaded (named above); complete_through stays where it was until they are"
            + " copied to names without a line break and removed", input.glob(), unaddressable);
      }
      listings.inc();
      listed.inc(toClaim.size());
      claimed.inc(taken.size());
      LOG.info("backfill: {} file(s) listed in {}, {} missing from the ledger taken", toClaim.size(),
          input.glob(), taken.size());
      for (VisitFile f : taken) {
        out.output(f);
      }
    }

    @Teardown
    public void teardown() {
      if (database != null) {
        database.close();
      }
    }
  }
}
