package dev.fieldflow.pipelines.status;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.LedgerRows;
import dev.fieldflow.pipelines.CommandLine;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * {@code fieldflow status}: what the pipelines have ingested, from the ledger and the tables.
 * Per pipeline: files done, failed and running, rows stored, lines rejected, duplicates and
 * updates, the last file committed and the ingest lag (a file's arrival, its last-modified
 * time, to its rows committed); then the failed files with their reasons.
 */
public final class Status {
  /** Failed files printed per pipeline, in path order; the rest are counted. */
  static final int FAILED_SHOWN = 20;

  /**
   * A failed version of a file whose later version is done: not counted or listed as failed,
   * the console's rule ({@link LedgerRows#superseded}).
   */
  private static final String SUPERSEDED = LedgerRows.superseded("f");

  private Status() {}

  /** Where PostgreSQL is: the same options and environment as the pipelines. */
  public interface StatusOptions extends PipelineOptions {
    @Description("JDBC URL of PostgreSQL. Default: FIELDFLOW_JDBC_URL, else the local database.")
    String getJdbcUrl();

    void setJdbcUrl(String value);

    @Description("Database user. Default: FIELDFLOW_DB_USER, else the local database's writer.")
    String getDbUser();

    void setDbUser(String value);
  }

  public static void main(String[] args) throws SQLException {
    StatusOptions options = CommandLine.parse(args, StatusOptions.class);
    DatabaseConfig db = DatabaseConfig.resolve(options.getJdbcUrl(), options.getDbUser(), null);
    db.checkReachable(Duration.ofSeconds(10));
    print(db, System.out);
  }

  /** Prints the status of every pipeline to {@code out}. */
  public static void print(DatabaseConfig db, PrintStream out) throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      out.println("database: " + db.describe());
      for (String pipeline : new String[] {"visit", "network"}) {
        printPipeline(c, pipeline, out);
        if (pipeline.equals("visit")) {
          printInputs(c, out);
        }
      }
    }
  }

  /**
   * The snapshot the network holds now: the ledger's counts above sum every file version any
   * load committed, which says little about the current network once it has been replaced.
   */
  private static void printSnapshot(Connection c, PrintStream out) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT snapshot_id, committed_at, files, nodes, edges, rejected_lines,"
            + " dropped_self_loops + dropped_duplicates FROM fieldflow.network_snapshots"
            + " ORDER BY committed_at DESC LIMIT 1");
        ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        out.printf(Locale.ROOT, "  current snapshot %s, committed %s: %d file(s), %d nodes,"
                + " %d edges, %d rejected lines, %d dropped (the file counts above are of every"
                + " load)%n",
            rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getInt(3), rs.getInt(4),
            rs.getInt(5), rs.getLong(6), rs.getLong(7));
      } else {
        out.println("  current snapshot: none yet (./manage.sh network loads one)");
      }
    }
  }

  private static void printPipeline(Connection c, String pipeline, PrintStream out) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FILTER (WHERE status = 'done'),"
            + " count(*) FILTER (WHERE status = 'failed' AND NOT " + SUPERSEDED + "),"
            + " count(*) FILTER (WHERE status = 'running'),"
            + " coalesce(sum(lines_read) FILTER (WHERE status = 'done'), 0),"
            + " coalesce(sum(rows_loaded) FILTER (WHERE status = 'done'), 0),"
            + " coalesce(sum(rejected) FILTER (WHERE status = 'done'), 0),"
            + " coalesce(sum(duplicates) FILTER (WHERE status = 'done'), 0),"
            + " coalesce(sum(updates) FILTER (WHERE status = 'done'), 0),"
            + " count(*) FILTER (WHERE " + SUPERSEDED + ")"
            + " FROM fieldflow.ingest_files f WHERE pipeline = ?")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        String counts = pipeline.equals("visit")
            ? visitCounts(rs.getLong(4), rs.getLong(5), rs.getLong(8), rs.getLong(7), rs.getLong(6))
            : networkCounts(rs.getLong(4), rs.getLong(5), rs.getLong(7), rs.getLong(6));
        out.printf(Locale.ROOT, "%s: %d file(s) done, %d failed, %d running; %s%n",
            pipeline, rs.getLong(1), rs.getLong(2), rs.getLong(3), counts);
        if (rs.getLong(9) > 0) {
          out.printf(Locale.ROOT, "  %d failed version(s) superseded: a later version of the"
              + " same file is loaded (not counted as failed; the ledger keeps them)%n",
              rs.getLong(9));
        }
      }
    }
    if (pipeline.equals("visit")) {
      out.printf(Locale.ROOT, "  %d distinct visits stored, %d tasks, %d nodes; %d rejected lines in quarantine%n",
          count(c, "SELECT count(*) FROM fieldflow.visits"),
          count(c, "SELECT count(*) FROM fieldflow.tasks"),
          count(c, "SELECT count(*) FROM fieldflow.nodes"),
          count(c, "SELECT count(*) FROM fieldflow.rejected_records WHERE pipeline = 'visit'"
              + " AND readmitted_at IS NULL"));
    } else {
      out.printf(Locale.ROOT, "  %d undirected edges in the current snapshot%n",
          count(c, "SELECT count(*) / 2 FROM fieldflow.network_edges"));
      printSnapshot(c, out);
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT path, finished_at,"
            + " extract(epoch FROM finished_at - least(last_modified, discovered_at))"
            + " FROM fieldflow.ingest_files WHERE pipeline = ? AND status = 'done'"
            + " ORDER BY finished_at DESC LIMIT 1")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          out.printf(Locale.ROOT, "  last file: %s, committed %s, ingest lag %s%n",
              rs.getString(1), rs.getTimestamp(2).toInstant(), seconds(rs.getDouble(3)));
        } else {
          out.println("  last file: none yet");
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), max(lag), count(*) FROM ("
            + " SELECT extract(epoch FROM finished_at - least(last_modified, discovered_at)) AS lag"
            + " FROM fieldflow.ingest_files WHERE pipeline = ? AND status = 'done'"
            + " ORDER BY finished_at DESC LIMIT 100) recent")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next() && rs.getLong(3) > 1) {
          out.printf(Locale.ROOT, "  ingest lag of the last %d files: median %s, max %s%n",
              rs.getLong(3), seconds(rs.getDouble(1)), seconds(rs.getDouble(2)));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT path, attempts, error, retry_after, retry_after = 'infinity',"
            + " count(*) OVER (), lines_read FROM fieldflow.ingest_files f"
            + " WHERE pipeline = ? AND status = 'failed' AND NOT " + SUPERSEDED
            + " ORDER BY path LIMIT " + FAILED_SHOWN)) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        long failed = 0;
        while (rs.next()) {
          failed = rs.getLong(6);
          String retry = rs.getTimestamp(4) == null ? ""
              : rs.getBoolean(5)
                  ? "; not retried by time (a new version of the file is read; a --once run tries"
                      + " it again)"
              : "; retried after " + rs.getTimestamp(4).toInstant();
          // What the failed read got through (a refused network load reads its files whole).
          String read = rs.getLong(7) > 0
              ? String.format(Locale.ROOT, ", %d lines read", rs.getLong(7)) : "";
          out.printf(Locale.ROOT, "  failed: %s (attempt %d%s): %s%s%n", rs.getString(1),
              rs.getInt(2), read, rs.getString(3), retry);
        }
        if (failed > FAILED_SHOWN) {
          out.printf(Locale.ROOT, "  ... and %d more failed file(s), not shown; %s%n",
              failed - FAILED_SHOWN, pipeline.equals("visit")
                  ? "./manage.sh audit prints each with its error"
                  : "SELECT path, error FROM fieldflow.ingest_files WHERE status = 'failed'"
                      + " (./manage.sh db psql) lists them all");
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT path, warning FROM fieldflow.ingest_files"
            + " WHERE pipeline = ? AND status = 'done' AND warning IS NOT NULL"
            + " ORDER BY finished_at DESC LIMIT 20")) {
      ps.setString(1, pipeline);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.printf(Locale.ROOT, "  flagged: %s: %s%n", rs.getString(1), rs.getString(2));
        }
      }
    }
  }

  /** A visit line is one record: each is loaded, an update, a duplicate or rejected. */
  private static String visitCounts(
      long lines, long loaded, long updated, long duplicates, long rejected) {
    return String.format(Locale.ROOT, "%d lines: %d loaded, %d updated, %d duplicates,"
        + " %d rejected", lines, loaded, updated, duplicates, rejected);
  }

  /**
   * A network line names a node and its neighbours, so its counts are not of one kind: lines
   * read and rejected, then undirected edges loaded (each stored in both directions) and
   * neighbours dropped as repeated edges or self-loops. "82 lines: 163 loaded" read as if lines
   * were loaded, and more of them than were read.
   */
  private static String networkCounts(long lines, long edges, long dropped, long rejected) {
    return String.format(Locale.ROOT, "%d lines read, %d of them rejected; %d undirected edges"
        + " loaded, %d repeated edges or self-loops dropped", lines, rejected, edges, dropped);
  }

  /**
   * Per input read with notifications ({@code fieldflow.input_completeness}, V11; analysts read
   * it as {@code analytics.input_completeness}): the time up
   * to which every object of it is loaded or quarantined (the last complete backfill listing),
   * files waiting, and the ingest lag of its recent files.
   */
  private static void printInputs(Connection c, PrintStream out) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT input, complete_through, last_listed_at, last_listing_files, files_waiting,"
            + " oldest_waiting_since, ingest_lag_seconds, ingest_lag_max_seconds, ingest_lag_files"
            + " FROM fieldflow.input_completeness ORDER BY input");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String complete = rs.getTimestamp(2) == null
            ? "not yet complete (no listing with all its files finished)"
            : "complete through " + rs.getTimestamp(2).toInstant();
        out.printf(Locale.ROOT, "  input %s: %s; last listing %s (%d file(s)); %d file(s) waiting%s%n",
            rs.getString(1), complete, rs.getTimestamp(3).toInstant(), rs.getLong(4), rs.getLong(5),
            rs.getTimestamp(6) == null ? "" : " since " + rs.getTimestamp(6).toInstant());
        if (rs.getLong(9) > 0) {
          out.printf(Locale.ROOT, "    ingestion lag of its last %d files: median %s, max %s%n",
              rs.getLong(9), seconds(rs.getDouble(7)), seconds(rs.getDouble(8)));
        }
      }
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String seconds(double s) {
    return s < 120 ? String.format(Locale.ROOT, "%.1f s", s)
        : s < 7200 ? String.format(Locale.ROOT, "%.1f min", s / 60)
        : String.format(Locale.ROOT, "%.1f h", s / 3600);
  }
}
