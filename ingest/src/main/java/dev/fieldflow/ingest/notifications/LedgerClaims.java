package dev.fieldflow.ingest.notifications;

import dev.fieldflow.ingest.visits.RetryingDatabase;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.FileVersion;
import java.io.Serializable;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * Who claims files in the ledger and how, for the notification and backfill sources: run
 * {@code runId} on {@code db}, retrying through outages of up to {@code outageTolerance}, a claim
 * holding a file for {@code lease} (as {@link dev.fieldflow.ingest.visits.ClaimVisitFiles}).
 */
public record LedgerClaims(UUID runId, DatabaseConfig db, Duration outageTolerance, Duration lease)
    implements Serializable {
  public LedgerClaims {
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("a claim lease must be > 0, but was " + lease);
    }
  }

  /** What the ledger records of a file looked at or listed: the listing's version form. */
  static VisitLedger.Listed listed(MatchResult.Metadata m) {
    return new VisitLedger.Listed(
        FileVersion.path(m), FileVersion.sizeAndTime(m), m.sizeBytes(), m.lastModifiedMillis());
  }

  /** The claim of {@code file} by one sighting ({@code sighting}: a message id, a listing time). */
  VisitLedger.Claim claim(String sighting, VisitLedger.Listed file) {
    return VisitLedger.Claim.bySighting(runId, sighting, file);
  }

  /**
   * Claims {@code claims} in chunks, each chunk committed before the next: when this returns,
   * every file is durably in the ledger (taken now, or there already). Returns those taken.
   */
  List<VisitFile> take(RetryingDatabase database, List<VisitLedger.Claim> claims) throws SQLException {
    return VisitLedger.claimAll(database, runId, claims, false, lease, "notified or listed");
  }

  RetryingDatabase open() {
    return RetryingDatabase.forRun(db, outageTolerance, runId);
  }
}
