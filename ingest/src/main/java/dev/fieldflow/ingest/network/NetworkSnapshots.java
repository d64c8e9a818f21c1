package dev.fieldflow.ingest.network;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a staged network load as the current snapshot, in one transaction: analysts see the
 * previous network or the new one, never a mix, and a failure anywhere leaves the previous
 * snapshot as it was. Its rejected lines enter the quarantine in that transaction too, so a load
 * that does not commit leaves nothing but its ledger rows ({@link #recordFailure}), as a visit
 * file that is refused leaves nothing but its ledger row. A load much smaller than the current snapshot is refused there too (see
 * {@link ShrinkLimit}), under the same lock, so two loads cannot race past the check.
 */
public final class NetworkSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkSnapshots.class);

  private NetworkSnapshots() {}

  /**
   * Makes load {@code loadId} the current network. Idempotent: committing a load that is
   * already committed returns its summary and changes nothing (a retried commit must not
   * replace the network with an empty staging area).
   *
   * @throws NetworkShrinkRefusedException if the load has fewer nodes or edges than the current
   *     snapshot by more than {@code limit} allows; nothing changes
   */
  public static NetworkSnapshotSummary commit(
      DataSource dataSource, NetworkLoad load, ShrinkLimit limit) throws SQLException {
    String loadId = load.loadId();
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        // Serializes concurrent network loads; readers (ACCESS SHARE) are not blocked.
        exec(c, "LOCK TABLE fieldflow.network_edges IN EXCLUSIVE MODE");
        Optional<NetworkSnapshotSummary> done = find(c, loadId);
        if (done.isPresent()) {
          c.rollback();
          return done.get();
        }
        stageFiles(c, load);
        NetworkSnapshotSummary summary = swapIn(c, loadId, limit);
        c.commit();
        LOG.info("network snapshot {} committed: {}", loadId, summary.describe());
        return summary;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** The summary of a committed load, if it committed. */
  public static Optional<NetworkSnapshotSummary> find(DataSource dataSource, String loadId)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return find(c, loadId);
    }
  }

  /**
   * Removes what a load that will never commit left in staging. Best effort: stale staging
   * rows are also removed by every later commit.
   */
  public static void discard(DataSource dataSource, String loadId) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      deleteStaging(c, loadId);
      c.commit();
    }
  }

  /**
   * Records in the ledger that load {@code load} did not commit: each of its files {@code failed}
   * with {@code error}, as a visit file that is refused or fails is, so the console, {@code
   * status} and the failed-files alert show it, and no later snapshot marks it otherwise. Its
   * counts are what the load read of it: the lines staged or rejected ({@code lines_read}) and
   * the neighbours written on them ({@code records_read}); nothing of a load that does not commit
   * is loaded or quarantined, so the other counts are 0. Call it before {@link #discard}, whose
   * staging rows it counts. A file version the ledger has {@code done} stays so: a snapshot
   * committed it.
   */
  public static void recordFailure(DataSource dataSource, NetworkLoad load, String error)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("""
            INSERT INTO fieldflow.ingest_files AS f
              (pipeline, path, version, size_bytes, last_modified, status, error, lines_read,
               records_read, discovered_at, started_at, finished_at)
            SELECT 'network', u.path, u.version, u.size_bytes, to_timestamp(u.modified / 1000.0),
                   'failed', ?, coalesce(st.lines, 0) + coalesce(rj.lines, 0),
                   coalesce(st.neighbours, 0), to_timestamp(? / 1000.0),
                   to_timestamp(? / 1000.0), now()
            FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[])
                   AS u(path, version, size_bytes, modified)
            LEFT JOIN (SELECT file, count(*) AS lines, sum(cardinality(neighbours)) AS neighbours
                       FROM fieldflow.network_staging WHERE load_id = ?::uuid GROUP BY file) st
                   ON st.file = u.path
            LEFT JOIN (SELECT file, count(*) AS lines FROM fieldflow.network_staging_rejects
                       WHERE load_id = ?::uuid GROUP BY file) rj
                   ON rj.file = u.path
            ON CONFLICT (pipeline, path, version) DO UPDATE SET
              status = 'failed', attempts = f.attempts + 1, error = EXCLUDED.error,
              lines_read = EXCLUDED.lines_read, records_read = EXCLUDED.records_read,
              rows_loaded = 0, updates = 0, duplicates = 0, rejected = 0, warning = NULL,
              started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at
            WHERE f.status <> 'done'
            """)) {
      List<NetworkLoad.StagedFile> files = load.files();
      ps.setString(1, "network load " + load.loadId() + " of " + files.size() + " file(s) failed: "
          + error);
      ps.setLong(2, load.startedAtMillis());
      ps.setLong(3, load.startedAtMillis());
      ps.setArray(4, c.createArrayOf("text",
          files.stream().map(NetworkLoad.StagedFile::path).toArray()));
      ps.setArray(5, c.createArrayOf("text",
          files.stream().map(NetworkLoad.StagedFile::version).toArray()));
      ps.setArray(6, c.createArrayOf("bigint",
          files.stream().map(NetworkLoad.StagedFile::sizeBytes).toArray()));
      ps.setArray(7, c.createArrayOf("bigint",
          files.stream().map(NetworkLoad.StagedFile::lastModifiedMillis).toArray()));
      ps.setString(8, load.loadId());
      ps.setString(9, load.loadId());
      ps.executeUpdate();
    }
  }

  private static void stageFiles(Connection c, NetworkLoad load) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO fieldflow.network_staging_files
          (load_id, path, version, size_bytes, last_modified, staged_at)
        VALUES (?::uuid, ?, ?, ?, to_timestamp(? / 1000.0), to_timestamp(? / 1000.0))
        ON CONFLICT (load_id, path) DO NOTHING
        """)) {
      for (NetworkLoad.StagedFile f : load.files()) {
        ps.setString(1, load.loadId());
        ps.setString(2, f.path());
        ps.setString(3, f.version());
        ps.setLong(4, f.sizeBytes());
        ps.setLong(5, f.lastModifiedMillis());
        ps.setLong(6, load.startedAtMillis());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static NetworkSnapshotSummary swapIn(Connection c, String loadId, ShrinkLimit limit)
      throws SQLException {
    // Every neighbour written on a line is one mention. The first mention of an undirected
    // edge (in file, line, position order) loads it; later ones and self-loops are dropped.
    // Temp tables are created first and filled by parameterized INSERTs: PostgreSQL does
    // not accept bind parameters in CREATE TABLE AS.
    exec(c, "CREATE TEMP TABLE network_mentions (file text, lo int, hi int, kind text)"
        + " ON COMMIT DROP");
    exec(c, "CREATE TEMP TABLE network_nodes (node_id int PRIMARY KEY) ON COMMIT DROP");
    // Every neighbour written on a line is one mention. The first mention of an undirected
    // edge (in file, line, position order) loads it; later ones and self-loops are dropped.
    update(c, """
        INSERT INTO network_mentions (file, lo, hi, kind)
        SELECT m.file, least(m.a, m.b), greatest(m.a, m.b),
               CASE WHEN m.a = m.b THEN 'self_loop'
                    WHEN row_number() OVER (PARTITION BY least(m.a, m.b), greatest(m.a, m.b)
                                            ORDER BY m.file, m.line_number, m.pos) = 1 THEN 'loaded'
                    ELSE 'duplicate' END
        FROM (SELECT s.file, s.line_number, u.pos, s.node_id AS a, u.b
              FROM fieldflow.network_staging s
              CROSS JOIN LATERAL unnest(s.neighbours) WITH ORDINALITY AS u(b, pos)
              WHERE s.load_id = ?::uuid) m
        """, loadId);
    update(c, """
        INSERT INTO network_nodes (node_id)
        SELECT node_id FROM fieldflow.network_staging WHERE load_id = ?::uuid
        UNION
        SELECT unnest(neighbours) FROM fieldflow.network_staging WHERE load_id = ?::uuid
        """, loadId, loadId);
    checkShrink(c, limit);
    update(c, """
        INSERT INTO fieldflow.nodes (node_id) SELECT node_id FROM network_nodes
        ON CONFLICT (node_id) DO NOTHING
        """);
    exec(c, "DELETE FROM fieldflow.network_edges");
    int directed = update(c, """
        INSERT INTO fieldflow.network_edges (node_id, adj_node_id)
        SELECT lo, hi FROM network_mentions WHERE kind = 'loaded'
        UNION ALL
        SELECT hi, lo FROM network_mentions WHERE kind = 'loaded'
        """);
    // A line of this file version that an earlier load quarantined and this one accepted (read
    // with other limits, say) is no longer rejected: its quarantine row would be counted against
    // this load and shown as still rejected.
    update(c, """
        DELETE FROM fieldflow.rejected_records r
        USING fieldflow.network_staging s
        JOIN fieldflow.network_staging_files sf ON sf.load_id = s.load_id AND sf.path = s.file
        WHERE s.load_id = ?::uuid AND r.pipeline = 'network' AND r.file = s.file
          AND r.file_version = sf.version AND r.line_number = s.line_number
        """, loadId);
    quarantineStagedRejects(c, loadId);
    update(c, """
        INSERT INTO fieldflow.ingest_files AS f
          (pipeline, path, version, size_bytes, last_modified, status, lines_read, records_read,
           rows_loaded, duplicates, rejected, discovered_at, started_at, finished_at)
        SELECT 'network', sf.path, sf.version, sf.size_bytes, sf.last_modified, 'done',
               coalesce(st.lines, 0) + coalesce(rj.rejected, 0),
               coalesce(mn.mentions, 0), coalesce(mn.loaded, 0), coalesce(mn.dropped, 0),
               coalesce(rj.rejected, 0), sf.staged_at, sf.staged_at, now()
        FROM fieldflow.network_staging_files sf
        LEFT JOIN (SELECT file, count(*) AS lines FROM fieldflow.network_staging
                   WHERE load_id = ?::uuid GROUP BY file) st ON st.file = sf.path
        LEFT JOIN (SELECT file, count(*) AS mentions,
                          count(*) FILTER (WHERE kind = 'loaded') AS loaded,
                          count(*) FILTER (WHERE kind <> 'loaded') AS dropped
                   FROM network_mentions GROUP BY file) mn ON mn.file = sf.path
        LEFT JOIN (SELECT file, file_version, count(*) AS rejected FROM fieldflow.rejected_records
                   WHERE pipeline = 'network' GROUP BY file, file_version) rj
               ON rj.file = sf.path AND rj.file_version = sf.version
        WHERE sf.load_id = ?::uuid
        ON CONFLICT (pipeline, path, version) DO UPDATE SET
          status = 'done', attempts = f.attempts + 1, error = NULL, warning = NULL,
          lines_read = EXCLUDED.lines_read, records_read = EXCLUDED.records_read,
          rows_loaded = EXCLUDED.rows_loaded, duplicates = EXCLUDED.duplicates,
          updates = 0, rejected = EXCLUDED.rejected,
          started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at
        """, loadId, loadId);
    update(c, """
        INSERT INTO fieldflow.network_snapshots
          (snapshot_id, committed_at, files, nodes, edges, rejected_lines, dropped_self_loops,
           dropped_duplicates)
        -- The clock, not the transaction's start: loads commit in lock order, and the newest
        -- committed_at must be the snapshot network_edges holds.
        SELECT ?::uuid, clock_timestamp(),
               (SELECT count(*) FROM fieldflow.network_staging_files WHERE load_id = ?::uuid),
               (SELECT count(*) FROM network_nodes),
               ?,
               (SELECT coalesce(sum(i.rejected), 0) FROM fieldflow.ingest_files i
                  JOIN fieldflow.network_staging_files sf
                    ON sf.load_id = ?::uuid AND i.pipeline = 'network'
                   AND i.path = sf.path AND i.version = sf.version),
               (SELECT count(*) FROM network_mentions WHERE kind = 'self_loop'),
               (SELECT count(*) FROM network_mentions WHERE kind = 'duplicate')
        """, loadId, loadId, directed / 2, loadId);
    deleteStaging(c, loadId);
    return find(c, loadId).orElseThrow();
  }

  /**
   * Moves the load's staged rejects into the quarantine, as {@link
   * dev.fieldflow.ingest.write.RejectedLineStatement} stores a line: once per file version and
   * line, quarantined again if a repair had re-admitted it. Only a load that commits gets here,
   * so a refused one quarantines nothing (V35).
   */
  private static void quarantineStagedRejects(Connection c, String loadId) throws SQLException {
    update(c, """
        INSERT INTO fieldflow.rejected_records AS r
          (pipeline, file, file_version, line_number, raw_text, original_length, reason_code,
           message)
        SELECT 'network', file, file_version, line_number, raw_text, original_length,
               reason_code, message
        FROM fieldflow.network_staging_rejects WHERE load_id = ?::uuid
        ON CONFLICT (pipeline, file, file_version, line_number) DO UPDATE SET
          readmitted_at = NULL, readmitted_by = NULL, readmitted_how = NULL,
          reason_code = EXCLUDED.reason_code, message = EXCLUDED.message
        WHERE r.readmitted_at IS NOT NULL
        """, loadId);
  }

  /** Refuses the load when it is much smaller than the snapshot network_edges holds now. */
  private static void checkShrink(Connection c, ShrinkLimit limit) throws SQLException {
    try (var s = c.createStatement();
        ResultSet rs = s.executeQuery("""
            SELECT current.nodes, current.edges,
                   (SELECT count(*) FROM network_nodes)::int,
                   (SELECT count(*) FROM network_mentions WHERE kind = 'loaded')::int
            FROM (SELECT nodes, edges FROM fieldflow.network_snapshots
                  ORDER BY committed_at DESC LIMIT 1) current
            """)) {
      if (!rs.next()) {
        return; // the first load: nothing to shrink from
      }
      String refusal = limit.refusal(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4));
      if (refusal != null) {
        throw new NetworkShrinkRefusedException(refusal);
      }
    }
  }

  /**
   * Deletes this load's staging rows and staged rejects, and those of loads abandoned more than
   * a day ago.
   */
  private static void deleteStaging(Connection c, String loadId) throws SQLException {
    update(c, """
        DELETE FROM fieldflow.network_staging
        WHERE load_id = ?::uuid OR staged_at < now() - interval '1 day'
        """, loadId);
    update(c, """
        DELETE FROM fieldflow.network_staging_files
        WHERE load_id = ?::uuid OR staged_at < now() - interval '1 day'
        """, loadId);
    update(c, """
        DELETE FROM fieldflow.network_staging_rejects
        WHERE load_id = ?::uuid OR staged_at < now() - interval '1 day'
        """, loadId);
  }

  private static Optional<NetworkSnapshotSummary> find(Connection c, String loadId)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT snapshot_id::text, files, nodes, edges, rejected_lines, dropped_self_loops,
               dropped_duplicates
        FROM fieldflow.network_snapshots WHERE snapshot_id = ?::uuid
        """)) {
      ps.setString(1, loadId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new NetworkSnapshotSummary(rs.getString(1), rs.getInt(2),
            rs.getInt(3), rs.getInt(4), rs.getLong(5), rs.getLong(6), rs.getLong(7)));
      }
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      return ps.executeUpdate();
    }
  }
}
