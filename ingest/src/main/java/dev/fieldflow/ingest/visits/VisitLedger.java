package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.db.LedgerRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

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

  /**
   * A request to take {@code file} under {@code claimId}. The claim id names the sighting of the
   * file (the run, the watch generation or check that saw it): a repeat of the same claim before
   * its load began (a retried bundle, a statement repeated after a lost connection, a sighting
   * replayed by a Flink job restored from a checkpoint) gets the file back with its attempt
   * unchanged; a repeat after its load began is a reader death and a new attempt; another
   * sighting of a file this run is already ingesting gets nothing.
   */
  public record Claim(Listed file, UUID claimId) {
    /**
     * The claim of {@code file} by one sighting of it by run {@code runId} ({@code sighting}: a
     * watch generation's tick, a message id, a listing's tick): the same id for a repeat of that
     * sighting.
     */
    public static Claim bySighting(UUID runId, String sighting, Listed file) {
      return new Claim(file, UUID.nameUUIDFromBytes((runId + "/" + sighting + "/" + file.path()
          + "/" + file.version()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  /** Most files one claim statement takes: thousands of files are a few indexed statements. */
  public static final int MAX_CLAIM = 1_000;

  /**
   * Claims {@code claims} through {@code database} in statements of up to {@value #MAX_CLAIM}
   * files, each committed before the next: when this returns, every file is durably in the
   * ledger (taken now, or there already). Returns the files taken ({@code what} names the
   * files in the retry log, e.g. "matched").
   */
  public static List<VisitFile> claimAll(RetryingDatabase database, UUID runId, List<Claim> claims,
      boolean retryFailedNow, java.time.Duration lease, String what) throws SQLException {
    List<VisitFile> taken = new ArrayList<>();
    for (int from = 0; from < claims.size(); from += MAX_CLAIM) {
      List<Claim> chunk = claims.subList(from, Math.min(claims.size(), from + MAX_CLAIM));
      taken.addAll(database.inTransaction("claiming " + chunk.size() + " " + what + " file(s)",
          c -> claim(c, runId, chunk, retryFailedNow, lease)));
    }
    return taken;
  }

  /**
   * Row {@code t}'s current attempt has begun its load ({@link #markLoadStarted}, V10): it was
   * not only claimed and queued.
   */
  private static String loadBegun(String t) {
    return "coalesce(" + t + ".load_started_attempt = " + t + ".attempts, false)";
  }

  /** A ledger row's modification time in epoch milliseconds, 0 when unknown (as listed). */
  private static final String LAST_MODIFIED_MILLIS =
      "coalesce((extract(epoch FROM last_modified) * 1000)::bigint, 0)";

  /** Lease of a claim when none is given: far above a normal file's ingest time. */
  public static final java.time.Duration DEFAULT_LEASE = java.time.Duration.ofMinutes(10);

  /**
   * Row {@code f}, claimed again, was still running an attempt whose load had begun (V10): that
   * attempt's reader died (killed, out of memory) mid-file. So it is when another claim takes
   * the row over, and so it is when the same claim comes again: a claim is given again only
   * after the load it fed was lost (a Flink job restored from a checkpoint taken before the
   * claim replays its sighting; a live load holds the row until its commit, so the repeat waits
   * for it and then finds the file done). An attempt of a run that was stopped on purpose
   * ({@link #recordStop}, V14) did not die of its file.
   */
  private static final String READER_DIED = "f.status = 'running' AND " + loadBegun("f")
      // A run stopped on purpose (a signal, ./manage.sh stop) left its load unfinished: no death.
      + " AND NOT EXISTS (SELECT 1 FROM fieldflow.stopped_runs s WHERE s.run_id = f.run_id)";

  /**
   * Row {@code f} is running under the same claim, and its load has not begun: a retried bundle
   * or statement, or a replayed sighting of a file that was still queued. It gets the file back
   * at the same attempt.
   */
  private static final String REPEATED_CLAIM = "(f.status = 'running'"
      + " AND f.claim_id = EXCLUDED.claim_id"
      + " AND NOT " + loadBegun("f") + ")";

  /** A second reader death: the file is failed instead of read again. */
  private static final String KILLED_TWICE = "(" + READER_DIED + " AND f.reader_deaths + 1 >= 2)";

  private static final String KILLED_TWICE_ERROR = "reader_died: the process loading this file ended"
      + " mid-file %s times (last on attempt %s: killed, out of memory, or stopped); it is not"
      + " retried by time. Look at the file (a huge line, a bomb?), then run ./manage.sh visit"
      + " --once, which tries failed files again";

  private static final String CLAIM =
      "INSERT INTO fieldflow.ingest_files AS f"
          + " (pipeline, path, version, size_bytes, last_modified, status, attempts, started_at,"
          + "  run_id, claim_id)"
          + " SELECT '" + PIPELINE + "', u.path, u.version, u.size_bytes,"
          + "  CASE WHEN u.mtime > 0 THEN to_timestamp(u.mtime / 1000.0) END,"
          + "  'running', 1, now(), ?::uuid, u.claim_id::uuid"
          + " FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[])"
          + "  AS u(path, version, size_bytes, mtime, claim_id)"
          // Most files seen again are done: skip them through the (pipeline, path, version)
          // index without touching (or locking) their rows.
          + " WHERE NOT EXISTS (SELECT 1 FROM fieldflow.ingest_files d"
          + "  WHERE d.pipeline = '" + PIPELINE + "' AND d.path = u.path AND d.version = u.version"
          + "  AND NOT (" + claimable("d", "u.claim_id::uuid", "?::uuid") + "))"
          + " ON CONFLICT (pipeline, path, version) DO UPDATE SET"
          + "  reader_deaths = f.reader_deaths + (" + READER_DIED + ")::int,"
          + "  status = CASE WHEN " + KILLED_TWICE + " THEN 'failed' ELSE 'running' END,"
          + "  attempts = CASE WHEN " + REPEATED_CLAIM + " THEN f.attempts ELSE f.attempts + 1 END,"
          + "  started_at = now(),"
          + "  finished_at = CASE WHEN " + KILLED_TWICE + " THEN now() END,"
          + "  error = CASE WHEN " + KILLED_TWICE + " THEN format('" + KILLED_TWICE_ERROR + "',"
          + "   f.reader_deaths + 1, f.attempts) END,"
          + "  retry_after = CASE WHEN " + KILLED_TWICE + " THEN 'infinity'::timestamptz END,"
          + "  run_id = EXCLUDED.run_id, claim_id = EXCLUDED.claim_id"
          + " WHERE " + claimable("f", "EXCLUDED.claim_id", "EXCLUDED.run_id")
          + " RETURNING f.file_id, f.attempts, f.path, f.version, f.status";

  /**
   * Whether ledger row {@code t} may be taken by claim {@code claim} of run {@code run}: it is
   * this claim's already, or failed and due for a retry (the retry-now flag is a parameter), or
   * running for another (dead) run, or running for this run with an expired lease (the lease in
   * seconds is a parameter, after the retry-now flag). A file running for another run that is
   * alive is never taken, however long it has waited: a backfill and a continuous run leave each
   * other's queued files alone.
   */
  private static String claimable(String t, String claim, String run) {
    return "((" + t + ".status = 'running' AND " + t + ".claim_id IS NOT DISTINCT FROM " + claim + ")"
        + " OR (" + t + ".status = 'failed' AND (? OR " + t + ".retry_after IS NULL"
        + "      OR " + t + ".retry_after <= now()))"
        + " OR (" + t + ".status = 'running' AND " + t + ".run_id IS DISTINCT FROM " + run
        + "     AND NOT fieldflow.run_is_alive(" + t + ".run_id))"
        + " OR " + leaseExpired(t, run) + ")";
  }

  /**
   * Row {@code t} is running for run {@code run} and its claim is older than the lease (seconds,
   * a parameter): an attempt lost inside a run that goes on (on Flink, claimed after the
   * checkpoint the job was restored from).
   */
  private static String leaseExpired(String t, String run) {
    return "(" + t + ".status = 'running' AND " + t + ".run_id IS NOT DISTINCT FROM " + run
        + " AND " + t + ".started_at < now() - make_interval(secs => ?::double precision))";
  }

  private static double seconds(java.time.Duration lease) {
    return Math.max(0.001, lease.toMillis() / 1000.0);
  }

  /**
   * Takes those of {@code claims} that need work for run {@code runId}, in one statement.
   * A file version asked for twice is asked for once (the first claim).
   *
   * @param retryFailedNow take failed files whatever their retry time ({@code --once})
   * @return the files taken, each with its attempt number (a running file whose reader died a
   *     second time is failed instead, and not returned)
   */
  public static List<VisitFile> claim(
      Connection c, UUID runId, List<Claim> claims, boolean retryFailedNow) throws SQLException {
    return claim(c, runId, claims, retryFailedNow, DEFAULT_LEASE);
  }

  /**
   * As {@link #claim(Connection, UUID, List, boolean)}, with {@code lease}: a file {@code
   * running} for longer than that without a commit is taken over (attempt + 1) by any claim.
   */
  public static List<VisitFile> claim(Connection c, UUID runId, List<Claim> claims,
      boolean retryFailedNow, java.time.Duration lease) throws SQLException {
    Map<List<String>, Claim> unique = new LinkedHashMap<>();
    for (Claim claim : claims) {
      unique.putIfAbsent(List.of(claim.file().path(), claim.file().version()), claim);
    }
    if (unique.isEmpty()) {
      return List.of();
    }
    int n = unique.size();
    String[] paths = new String[n];
    String[] versions = new String[n];
    Long[] sizes = new Long[n];
    Long[] mtimes = new Long[n];
    String[] claimIds = new String[n];
    int i = 0;
    for (Claim claim : unique.values()) {
      Listed l = claim.file();
      paths[i] = l.path();
      versions[i] = l.version();
      sizes[i] = l.sizeBytes();
      mtimes[i] = l.lastModifiedMillis();
      claimIds[i] = claim.claimId().toString();
      i++;
    }
    List<VisitFile> claimed = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
      int p = 1;
      ps.setString(p++, runId.toString());
      ps.setArray(p++, c.createArrayOf("text", paths));
      ps.setArray(p++, c.createArrayOf("text", versions));
      ps.setArray(p++, c.createArrayOf("bigint", sizes));
      ps.setArray(p++, c.createArrayOf("bigint", mtimes));
      ps.setArray(p++, c.createArrayOf("text", claimIds));
      // claimable("d") in NOT EXISTS: retry-now flag, run id (dead run, lease), lease.
      ps.setBoolean(p++, retryFailedNow);
      ps.setString(p++, runId.toString());
      ps.setString(p++, runId.toString());
      ps.setDouble(p++, seconds(lease));
      // claimable("f") in the update: the retry-now flag, lease.
      ps.setBoolean(p++, retryFailedNow);
      ps.setDouble(p++, seconds(lease));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (rs.getString(5).equals("running")) {
            claimed.add(new VisitFile(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4)));
          }
        }
      }
    }
    return claimed;
  }

  /**
   * The files of run {@code runId} that sighting {@code sighting} claimed at or after {@code
   * since} and that are still queued (claimed, their load not begun), each with its claim: what
   * a repeat of that sighting had taken before it was lost (a Flink job restored from a
   * checkpoint taken before the sighting repeats it, and the ledger, asked afresh, now has these
   * files claimed by this run). The claim id is computed here as {@link Claim#bySighting}
   * computes it, Java's name-based UUID: the MD5 of the name with the version bits set to 3 and
   * the variant bits to 2. {@code since} only bounds the rows looked at.
   */
  public static List<Claim> queuedUnder(Connection c, UUID runId, String sighting,
      java.time.Instant since) throws SQLException {
    List<Claim> found = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT path, version, size_bytes, " + LAST_MODIFIED_MILLIS + ", claim_id"
                + " FROM fieldflow.ingest_files"
                + " WHERE pipeline = '" + PIPELINE + "' AND status = 'running' AND run_id = ?::uuid"
                + " AND NOT " + loadBegun("ingest_files") + " AND started_at >= ?"
                + " AND claim_id = (SELECT encode(set_byte(set_byte(n.b, 6, (get_byte(n.b, 6) & 15) | 48),"
                + "   8, (get_byte(n.b, 8) & 63) | 128), 'hex')::uuid"
                + "   FROM (SELECT decode(md5(convert_to(? || path || '/' || version, 'UTF8')), 'hex') AS b) n)"
                + " ORDER BY file_id")) {
      ps.setString(1, runId.toString());
      ps.setObject(2, java.time.OffsetDateTime.ofInstant(since, java.time.ZoneOffset.UTC));
      ps.setString(3, runId + "/" + sighting + "/");
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new Claim(new Listed(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)),
              rs.getObject(5, UUID.class)));
        }
      }
    }
    return found;
  }

  /** A ledger row that needs work without any listing having seen its file again. */
  public record Unfinished(long fileId, String path, String version) {}

  /**
   * Up to {@code limit} file versions that need work for run {@code runId} whatever a listing
   * says: failed ones whose retry time has come (unless a later version of the file is done:
   * {@link LedgerRows#superseded}), running ones of another (dead) run, and running ones of this
   * run whose lease has expired. Served by the partial index of unfinished files, so it costs
   * little when there are none.
   */
  public static List<Unfinished> unfinished(Connection c, UUID runId, int limit) throws SQLException {
    return unfinished(c, runId, limit, DEFAULT_LEASE);
  }

  /** As {@link #unfinished(Connection, UUID, int)} with the claims' {@code lease}. */
  public static List<Unfinished> unfinished(
      Connection c, UUID runId, int limit, java.time.Duration lease) throws SQLException {
    List<Unfinished> found = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT file_id, path, version FROM fieldflow.ingest_files"
                + " WHERE pipeline = '" + PIPELINE + "' AND status <> 'done'"
                + " AND ((status = 'failed' AND (retry_after IS NULL OR retry_after <= now())"
                + "     AND NOT " + LedgerRows.superseded("ingest_files") + ")"
                + "   OR (status = 'running' AND run_id IS DISTINCT FROM ?::uuid"
                + "       AND NOT fieldflow.run_is_alive(run_id))"
                + "   OR " + leaseExpired("ingest_files", "?::uuid") + ")"
                + " ORDER BY file_id LIMIT ?")) {
      ps.setString(1, runId.toString());
      ps.setString(2, runId.toString());
      ps.setDouble(3, seconds(lease));
      ps.setInt(4, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(new Unfinished(rs.getLong(1), rs.getString(2), rs.getString(3)));
        }
      }
    }
    return found;
  }

  /**
   * A load of this run's that nobody holds now: its file is {@code running} at {@code attempt},
   * the load of that attempt began at {@code startedAt} ({@link #markLoadStarted}), and no
   * transaction holds its ledger row, which a load does from its start to its commit.
   */
  public record UnheldLoad(long fileId, int attempt, java.time.Instant startedAt) {}

  /** Row of {@code ingest_files} is a started load of run {@code ?} (a parameter), still running. */
  private static final String STARTED_LOAD_OF_RUN = "pipeline = '" + PIPELINE + "'"
      + " AND status = 'running' AND run_id = ?::uuid AND " + loadBegun("ingest_files");

  /**
   * Up to {@code limit} loads of run {@code runId} that nobody holds at this moment ({@link
   * UnheldLoad}): either between two transactions of a live load (a retry after a lost
   * connection, the careful load after the fast one; each begins by marking the load started
   * again) or abandoned by a worker that is gone (a Flink TaskManager lost, a load undone by a
   * crash of PostgreSQL). One look cannot tell them apart; {@link AbandonedLoads} looks twice.
   * A file claimed but not started yet (queued behind other files) is not one.
   */
  public static List<UnheldLoad> unheldLoads(Connection c, UUID runId, int limit) throws SQLException {
    List<UnheldLoad> found = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT file_id, attempts, started_at FROM fieldflow.ingest_files"
                + " WHERE " + STARTED_LOAD_OF_RUN
                + " ORDER BY file_id LIMIT ? FOR UPDATE SKIP LOCKED")) {
      ps.setString(1, runId.toString());
      ps.setInt(2, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(unheldLoad(rs));
        }
      }
    }
    return found;
  }

  /** The load of the current row, whose first columns are file_id, attempts, started_at. */
  private static UnheldLoad unheldLoad(ResultSet rs) throws SQLException {
    return new UnheldLoad(rs.getLong(1), rs.getInt(2),
        rs.getObject(3, java.time.OffsetDateTime.class).toInstant());
  }

  /**
   * Takes over, for run {@code runId}, those of {@code abandoned} that are still as they were
   * seen (running at the same attempt, started at the same time) and that no transaction holds:
   * attempt + 1, as a claim after the lease would, and counted as a reader death (a loader that
   * died of its file twice stops it, as {@link #claim} says). Returns the files taken.
   */
  public static List<VisitFile> takeOver(Connection c, UUID runId, List<UnheldLoad> abandoned)
      throws SQLException {
    if (abandoned.isEmpty()) {
      return List.of();
    }
    Map<Long, UnheldLoad> seen = new LinkedHashMap<>();
    abandoned.forEach(a -> seen.put(a.fileId(), a));
    List<Claim> claims = new ArrayList<>();
    // Locked until this transaction ends: a load of the same attempt cannot start meanwhile.
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT file_id, attempts, started_at, path, version, size_bytes,"
                + " " + LAST_MODIFIED_MILLIS
                + " FROM fieldflow.ingest_files WHERE " + STARTED_LOAD_OF_RUN + " AND file_id = ANY (?)"
                + " ORDER BY file_id FOR UPDATE SKIP LOCKED")) {
      ps.setString(1, runId.toString());
      ps.setArray(2, c.createArrayOf("bigint", seen.keySet().toArray(new Long[0])));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          UnheldLoad before = seen.get(rs.getLong(1));
          UnheldLoad now = unheldLoad(rs);
          if (now.equals(before)) {
            Listed listed = new Listed(rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7));
            claims.add(new Claim(listed, UUID.nameUUIDFromBytes((runId + "/abandoned/" + now.fileId()
                + "/" + now.attempt()).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
          }
        }
      }
    }
    // Checked above, under the row locks: a lease of a millisecond takes exactly those rows.
    return claim(c, runId, claims, false, java.time.Duration.ofMillis(1));
  }

  /**
   * Records that unfinished file versions can no longer be read as the version the ledger has
   * (deleted, or replaced by a new version, which is a file of its own): failed with {@code
   * error}, not tried again for a day. Rows another claim has taken meanwhile are left alone.
   */
  public static int markGone(Connection c, UUID runId, List<Long> fileIds, String error)
      throws SQLException {
    return markGone(c, runId, fileIds, error, DEFAULT_LEASE);
  }

  /**
   * As {@link #markGone(Connection, UUID, List, String)}; running rows of this run past {@code
   * lease} too.
   */
  public static int markGone(Connection c, UUID runId, List<Long> fileIds, String error,
      java.time.Duration lease) throws SQLException {
    if (fileIds.isEmpty()) {
      return 0;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE fieldflow.ingest_files SET status = 'failed', error = ?, finished_at = now(),"
                + " retry_after = now() + interval '1 day'"
                + " WHERE file_id = ANY (?) AND (status = 'failed'"
                + "   OR (status = 'running' AND run_id IS DISTINCT FROM ?::uuid"
                + "       AND NOT fieldflow.run_is_alive(run_id))"
                + "   OR " + leaseExpired("ingest_files", "?::uuid") + ")")) {
      ps.setString(1, truncate(error, 4000));
      ps.setArray(2, c.createArrayOf("bigint", fileIds.toArray(new Long[0])));
      ps.setString(3, runId.toString());
      ps.setString(4, runId.toString());
      ps.setDouble(5, seconds(lease));
      return ps.executeUpdate();
    }
  }

  /**
   * Records that run {@code runId} was stopped on purpose (a signal while it ran, not a
   * failure): the loads it leaves unfinished are not counted as reader deaths when another claim
   * takes their files. The caller commits.
   */
  public static void recordStop(Connection c, UUID runId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO fieldflow.stopped_runs (run_id) VALUES (?::uuid) ON CONFLICT DO NOTHING")) {
      ps.setString(1, runId.toString());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(
        "DELETE FROM fieldflow.stopped_runs s WHERE s.stopped_at < now() - interval '1 day'"
            + " AND NOT EXISTS (SELECT 1 FROM fieldflow.ingest_files f"
            + "  WHERE f.run_id = s.run_id AND f.status = 'running')")) {
      ps.executeUpdate();
    }
  }

  /**
   * Records, in a transaction of its own and before the load locks the file, that a load of
   * {@code file}'s attempt begins: if the file is still running for this attempt when another
   * claim takes it, this reader died (see {@link #claim}). It also renews the claim's lease: the
   * time a file waited in a queue after its claim does not shorten the time its load has (and
   * while the load runs, its row lock keeps every other claim off the file).
   */
  public static void markLoadStarted(Connection c, VisitFile file) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE fieldflow.ingest_files SET load_started_attempt = attempts, started_at = now()"
            + " WHERE file_id = ? AND attempts = ? AND status = 'running'")) {
      ps.setLong(1, file.fileId());
      ps.setInt(2, file.attempt());
      ps.executeUpdate();
    }
  }

  /**
   * Records that {@code file}'s attempt failed, unless a later attempt has taken it over or it is
   * done. The next try waits {@code firstRetryDelaySeconds}, doubling with each attempt up to
   * an hour.
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
    return changed > 0;
  }

  /**
   * Records that {@code file}'s attempt found the file refused as a whole (a gzip bomb, not JSON
   * lines): failed with {@code error}, and never retried by time, since the same bytes give the
   * same answer; a new version of the path is a new ledger row and is read. {@code --once}, which
   * retries failed files at once, reads it again and refuses it again.
   *
   * @return whether the ledger row was changed (not if a later attempt took it over)
   */
  public static boolean markRefused(Connection c, VisitFile file, String error) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE fieldflow.ingest_files SET status = 'failed', error = ?, finished_at = now(),"
                + " retry_after = 'infinity'"
                + " WHERE file_id = ? AND attempts = ? AND status = 'running'")) {
      ps.setString(1, truncate(error, 4000));
      ps.setLong(2, file.fileId());
      ps.setInt(3, file.attempt());
      return ps.executeUpdate() > 0;
    }
  }

  /**
   * What one run did, from the ledger: the files it finished, the ones it left failed, the ones
   * it left {@code running} (it stopped before their commit: PostgreSQL went away for longer than
   * the tolerance, or the run was stopped), and the files of its input that another live run is
   * loading now (its claims left them to that run).
   */
  public record RunSummary(
      long filesDone,
      long filesFailed,
      long filesUnfinished,
      long lines,
      long loaded,
      long updates,
      long duplicates,
      long rejected,
      List<String> failures,
      List<HeldFile> heldElsewhere) {

    /**
     * {@code 3 file(s) ingested, 0 failed; 120 lines: 100 loaded, ...}, then the files not
     * finished and those left to another run, when there are any.
     */
    public String describe() {
      StringBuilder text = new StringBuilder()
          .append(filesDone).append(" file(s) ingested, ").append(filesFailed).append(" failed; ")
          .append(lines).append(" lines: ").append(loaded).append(" loaded, ").append(updates)
          .append(" updated, ").append(duplicates).append(" duplicates, ").append(rejected)
          .append(" rejected");
      if (filesUnfinished > 0) {
        text.append("; ").append(filesUnfinished).append(" file(s) not finished (this run stopped"
            + " before their commit; the next run reads them again)");
      }
      if (!heldElsewhere.isEmpty()) {
        List<String> runs = heldElsewhere.stream().map(h -> h.runId().toString()).distinct().toList();
        text.append("; ").append(heldElsewhere.size()).append(" file(s) left to ")
            .append(runs.size() == 1 ? "run " + runs.get(0) : runs.size() + " other runs")
            .append(", which ").append(runs.size() == 1 ? "is" : "are")
            .append(" loading them now (./manage.sh status shows their progress)");
      }
      return text.toString();
    }

    /** Files this run did not ingest: failed, or left running. */
    public long filesNotIngested() {
      return filesFailed + filesUnfinished;
    }
  }

  /** A file {@code running} for run {@code runId}, which is alive. */
  public record HeldFile(String path, UUID runId) {}

  /** The files runs {@code runIds} took (one --once run and its restarts), as the ledger has them now. */
  public static RunSummary summarizeRuns(Connection c, List<UUID> runIds) throws SQLException {
    return summarizeRuns(c, runIds, path -> false);
  }

  /**
   * As {@link #summarizeRuns(Connection, List)}, adding the files under the input ({@code
   * underInput}) that another live run is loading now.
   */
  public static RunSummary summarizeRuns(Connection c, List<UUID> runIds, Predicate<String> underInput)
      throws SQLException {
    String[] ids = runIds.stream().map(UUID::toString).toArray(String[]::new);
    List<String> failures = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT path, status, error FROM fieldflow.ingest_files WHERE pipeline = '" + PIPELINE + "'"
                + " AND run_id = ANY (?::uuid[]) AND status <> 'done' ORDER BY path")) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          failures.add(rs.getString(1) + ": " + (rs.getString(2).equals("running")
              ? "not finished (the run stopped before its commit; the next run reads it again)"
              : rs.getString(3)));
        }
      }
    }
    List<HeldFile> held = heldByOtherRuns(c, runIds, underInput);
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed'),"
                + " count(*) FILTER (WHERE status = 'running'),"
                + " coalesce(sum(lines_read) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(rows_loaded) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(updates) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(duplicates) FILTER (WHERE status = 'done'), 0),"
                + " coalesce(sum(rejected) FILTER (WHERE status = 'done'), 0)"
                + " FROM fieldflow.ingest_files WHERE pipeline = '" + PIPELINE + "' AND run_id = ANY (?::uuid[])")) {
      ps.setArray(1, c.createArrayOf("text", ids));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new RunSummary(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
            rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), List.copyOf(failures),
            held);
      }
    }
  }

  /**
   * The files under the input ({@code underInput}) that are {@code running} for a live run other
   * than {@code runIds}: a claim leaves such a file to its run, so the summary says where it went.
   * The ledger's index of unfinished files answers; the input's filter runs here, since a glob
   * is not a SQL pattern.
   */
  static List<HeldFile> heldByOtherRuns(Connection c, List<UUID> runIds, Predicate<String> underInput)
      throws SQLException {
    List<HeldFile> held = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT path, run_id FROM fieldflow.ingest_files WHERE pipeline = '" + PIPELINE + "'"
                + " AND status = 'running' AND run_id <> ALL (?::uuid[])"
                + " AND fieldflow.run_is_alive(run_id) ORDER BY path")) {
      ps.setArray(1, c.createArrayOf("text", runIds.stream().map(UUID::toString).toArray(String[]::new)));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (underInput.test(rs.getString(1))) {
            held.add(new HeldFile(rs.getString(1), rs.getObject(2, UUID.class)));
          }
        }
      }
    }
    return List.copyOf(held);
  }

  static String truncate(String s, int max) {
    if (s == null) {
      return "unknown error";
    }
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
