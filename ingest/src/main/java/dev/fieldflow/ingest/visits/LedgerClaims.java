package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.FileVersion;
import java.io.Serializable;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Who claims files in the ledger and how, as one value for every source of files (the watch's
 * {@link ClaimVisitFiles}, the ledger's {@link ReclaimVisitFiles}, the notification and backfill
 * sources): run {@code runId} on {@code db}, retrying through outages of up to {@code
 * outageTolerance}, a claim holding a file for {@code lease} without a commit before the next
 * sighting takes it over ({@code --claimLeaseSeconds}), and a load of the run that nobody has
 * held for {@code abandonedAfter} taken over by the ledger's check ({@code
 * --abandonedLoadSeconds}, {@link AbandonedLoads}).
 */
public record LedgerClaims(UUID runId, DatabaseConfig db, Duration outageTolerance, Duration lease,
    Duration abandonedAfter) implements Serializable {
  /** How long a load of a live run may go unheld before it is taken over, when none is given. */
  public static final Duration DEFAULT_ABANDONED_AFTER = Duration.ofSeconds(30);

  public LedgerClaims {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("a claim lease must be > 0, but was " + lease);
    }
    if (abandonedAfter.isNegative() || abandonedAfter.isZero()) {
      throw new IllegalArgumentException("an unheld load's grace must be > 0, but was " + abandonedAfter);
    }
    if (outageTolerance.isNegative()) {
      throw new IllegalArgumentException("an outage tolerance must be >= 0, but was " + outageTolerance);
    }
  }

  /**
   * Claims of run {@code runId} with the default lease ({@link VisitLedger#DEFAULT_LEASE}) and
   * grace of an unheld load ({@link #DEFAULT_ABANDONED_AFTER}).
   */
  public static LedgerClaims forRun(UUID runId, DatabaseConfig db, Duration outageTolerance) {
    return new LedgerClaims(runId, db, outageTolerance, VisitLedger.DEFAULT_LEASE,
        DEFAULT_ABANDONED_AFTER);
  }

  /**
   * What the ledger records of a file a notification announced or a backfill listed: its
   * version as size and modification time, the form both of those sources can always give.
   */
  public static VisitLedger.Listed listedBySizeAndTime(MatchResult.Metadata m) {
    return new VisitLedger.Listed(
        FileVersion.path(m), FileVersion.sizeAndTime(m), m.sizeBytes(), m.lastModifiedMillis());
  }

  /** The claim of {@code file} by one sighting ({@code sighting}: a message id, a listing time). */
  public VisitLedger.Claim claim(String sighting, VisitLedger.Listed file) {
    return VisitLedger.Claim.bySighting(runId, sighting, file);
  }

  /**
   * Claims {@code claims} in chunks, each chunk committed before the next: when this returns,
   * every file is durably in the ledger (taken now, or there already). Returns those taken.
   */
  public List<VisitFile> take(RetryingDatabase database, List<VisitLedger.Claim> claims)
      throws SQLException {
    return take(database, claims, false, "notified or listed");
  }

  /** As {@link #take}, failed files taken whatever their retry time if {@code retryFailedNow}. */
  List<VisitFile> take(RetryingDatabase database, List<VisitLedger.Claim> claims,
      boolean retryFailedNow, String what) throws SQLException {
    return VisitLedger.claimAll(database, runId, claims, retryFailedNow, lease, what);
  }

  /** A session of this run on {@code db}, retrying through outages of {@code outageTolerance}. */
  public RetryingDatabase open() {
    return RetryingDatabase.forRun(db, outageTolerance, runId);
  }
}
