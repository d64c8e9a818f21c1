package dev.fieldflow.io.visits;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The visit pipeline's use of the ledger ({@code fieldflow.ingest_files}): which listed file
 * versions still need work and taking them, and recording a file as failed. Committing a file
 * is {@link VisitMerge}.
 *
 * <p>A file version is taken ("claimed") when it is new, when it failed and its retry time has
 * come, or when it is still {@code running} for another run (an orphan of a run that stopped
 * or was killed mid-file). Claiming sets it {@code running} for this run and counts the
 * attempt, so a file that is done is never read again and a half-ingested one is read again.
 */
public final class VisitLedger {
  static final String PIPELINE = "visit";

  private VisitLedger() {}

  /** A file version as listed: what the ledger records about it before reading it. */
  public record Listed(String path, String version, long sizeBytes, long lastModifiedMillis) {}

  private static final String CLAIM =
      "INSERT INTO fieldflow.ingest_files AS f"
          + " (pipeline, path, version, size_bytes, last_modified, status, attempts, started_at,"
          + "  run_id, claim_id)"
          + " SELECT '" + PIPELINE + "', u.path, u.version, u.size_bytes,"
          + "  CASE WHEN u.mtime > 0 THEN to_timestamp(u.mtime / 1000.0) END,"
          + "  'running', 1, now(), ?::uuid, ?::uuid"
          + " FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[])"
          + "  AS u(path, version, size_bytes, mtime)"
          // Most listed files are done: skip them without touching (or locking) their rows.
          + " WHERE NOT EXISTS (SELECT 1 FROM fieldflow.ingest_files d"
          + "  WHERE d.pipeline = '" + PIPELINE + "' AND d.path = u.path AND d.version = u.version"
          + "  AND NOT (" + claimable("d") + "))"
          + " ON CONFLICT (pipeline, path, version) DO UPDATE SET"
          + "  status = 'running',"
          + "  attempts = CASE WHEN f.claim_id = EXCLUDED.claim_id THEN f.attempts ELSE f.attempts + 1 END,"
          + "  started_at = now(), finished_at = NULL, error = NULL, retry_after = NULL,"
          + "  run_id = EXCLUDED.run_id, claim_id = EXCLUDED.claim_id"
          + " WHERE " + claimable("f")
          + " RETURNING f.file_id, f.attempts, f.path, f.version";

  /**
   * Whether ledger row {@code t} may be taken by the claim whose run and claim ids are the
   * statement's first two parameters ({@code EXCLUDED} in the update, so also spelled out).
   */
  private static String claimable(String t) {
    String run = t.equals("f") ? "EXCLUDED.run_id" : "?::uuid";
    String claim = t.equals("f") ? "EXCLUDED.claim_id" : "?::uuid";
    return "((" + t + ".status = 'running' AND " + t + ".claim_id IS NOT DISTINCT FROM " + claim + ")"
        + " OR (" + t + ".status = 'failed' AND (? OR " + t + ".retry_after IS NULL"
        + "      OR " + t + ".retry_after <= now()))"
        + " OR (" + t + ".status = 'running' AND " + t + ".run_id IS DISTINCT FROM " + run + "))";
  }

  /**
   * Takes those of {@code listed} that need work for run {@code runId}.
   *
   * @param claimId the same for a repeat of the same claim (after a lost connection, or a
   *     retried bundle): a repeat returns the files it took the first time, attempt unchanged
   * @param retryFailedNow take failed files whatever their retry time ({@code --once})
   * @return the files taken, each with its attempt number
   */
  public static List<VisitFile> claim(
      Connection c, UUID runId, UUID claimId, List<Listed> listed, boolean retryFailedNow)
      throws SQLException {
    if (listed.isEmpty()) {
      return List.of();
    }
    int n = listed.size();
    String[] paths = new String[n];
    String[] versions = new String[n];
    Long[] sizes = new Long[n];
    Long[] mtimes = new Long[n];
    for (int i = 0; i < n; i++) {
      Listed l = listed.get(i);
      paths[i] = l.path();
      versions[i] = l.version();
      sizes[i] = l.sizeBytes();
      mtimes[i] = l.lastModifiedMillis();
    }
    List<VisitFile> claimed = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
      int p = 1;
      ps.setString(p++, runId.toString());
      ps.setString(p++, claimId.toString());
      ps.setArray(p++, c.createArrayOf("text", paths));
      ps.setArray(p++, c.createArrayOf("text", versions));
      ps.setArray(p++, c.createArrayOf("bigint", sizes));
      ps.setArray(p++, c.createArrayOf("bigint", mtimes));
      // claimable("d") in NOT EXISTS: claim id, retry-now flag, run id.
      ps.setString(p++, claimId.toString());
      ps.setBoolean(p++, retryFailedNow);
      ps.setString(p++, runId.toString());
      // claimable("f") in the update: only the retry-now flag is a parameter.
      ps.setBoolean(p++, retryFailedNow);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          claimed.add(new VisitFile(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4)));
        }
      }
    }
    return claimed;
  }

  /**
   * Records that {@code file}'s attempt failed, unless a later attempt has taken it over or it is
   * done. The next try waits {@code firstRetryDelaySeconds}, doubling with each attempt up to
   * an hour. Staged rows of the attempt are deleted: the next attempt stages the file again.
   *
   * @return whether the ledger row was changed
   */
  public static boolean markFailed(
      Connection c, VisitFile file, String error, long firstRetryDelaySeconds) throws SQLException {
    int changed;
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE fieldflow.ingest_files SET status = 'failed', error = ?, finished_at = now(),"
                + " retry_after = now() + least(interval '1 hour',"
                + "   make_interval(secs => ? * power(2, least(attempts - 1, 20))))"
                + " WHERE file_id = ? AND attempts = ? AND status = 'running'")) {
      ps.setString(1, truncate(error, 4000));
      ps.setLong(2, Math.max(1, firstRetryDelaySeconds));
      ps.setLong(3, file.fileId());
      ps.setInt(4, file.attempt());
      changed = ps.executeUpdate();
    }
    if (changed > 0) {
      try (PreparedStatement ps =
          c.prepareStatement("DELETE FROM fieldflow.visit_staging WHERE file_id = ?")) {
        ps.setLong(1, file.fileId());
        ps.executeUpdate();
      }
    }
    return changed > 0;
  }

  /** What one run did, from the ledger: the files it finished and the ones it left failed. */
  public record RunSummary(
      long filesDone,
      long filesFailed,
      long lines,
      long loaded,
      long updates,
      long duplicates,
      long rejected,
      List<String> failures) {

    /** {@code 3 file(s) ingested, 0 failed; 120 lines: 100 loaded, ...}. */
    public String describe() {
      return filesDone + " file(s) ingested, " + filesFailed + " failed; " + lines + " lines: "
          + loaded + " loaded, " + updates + " updated, " + duplicates + " duplicates, "
          + rejected + " rejected";
    }
  }

  /** The files run {@code runId} took, as the ledger has them now. */
  public static RunSummary summarizeRun(Connection c, UUID runId) throws SQLException {
    List<String> failures = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT path, error FROM fieldflow.ingest_files WHERE pipeline = '" + PIPELINE + "'"
                + " AND run_id = ?::uuid AND status <> 'done' ORDER BY path")) {
      ps.setString(1, runId.toString());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          failures.add(rs.getString(1) + ": " + (rs.getString(2) == null ? "not finished" : rs.getString(2)));
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status <> 'done'),"
                + " coalesce(sum(lines_read) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(rows_loaded) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(updates) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(duplicates) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(rejected) FILTER (WHERE status = 'done'), 0)"
                + " FROM fieldflow.ingest_files WHERE pipeline = '" + PIPELINE + "' AND run_id = ?::uuid")) {
      ps.setString(1, runId.toString());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new RunSummary(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
            rs.getLong(5), rs.getLong(6), rs.getLong(7), List.copyOf(failures));
      }
    }
  }

  static String truncate(String s, int max) {
    if (s == null) {
      return "unknown error";
    }
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
