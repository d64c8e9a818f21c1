package dev.fieldflow.analytics.console;

import dev.fieldflow.io.db.LedgerRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pipelines have ingested, read from the ledger ({@code ingest_files}) and the
 * quarantine ({@code rejected_records}): the numbers of the console's Ingestion page and of
 * {@code /metrics}. Read on the operator's login, the monitor role (it reads these and nothing
 * else, and writes nothing): the analyst role may not read the ledger or the quarantine's raw
 * lines (docs/CONSOLE.md says why).
 */
public final class Ingestion {
  /** The pipelines of the ledger, in the order they are shown. */
  public static final List<String> PIPELINES = List.of("visit", "network");

  /** Sample lines shown per reject reason. */
  static final int SAMPLES_PER_REASON = 3;
  /** A sample line is cut to this many characters on the page. */
  static final int SAMPLE_CHARS = 300;
  /** Failed files listed per pipeline, those due for a retry first. */
  static final int FAILED_FILES = 50;
  /** The hourly chart covers this many hours up to the last commit. */
  static final int CHART_HOURS = 48;

  private Ingestion() {}

  /** The ledger's numbers for one pipeline. */
  public record Pipeline(
      String pipeline,
      long filesDone,
      long filesFailed,
      long filesRunning,
      long filesSuperseded,
      long rowsLoaded,
      long rowsUpdated,
      long duplicates,
      long rejected,
      long quarantined,
      Instant lastCommit,
      String lastFile,
      Double lastFileLagSeconds,
      long backlog) {
    // backlog: files a pipeline still has to finish by itself: running, or failed and tried
    // again when their retry time comes. A visit file refused for good (retry_after infinity)
    // and a failed network load (nothing retries it) wait for a person, not for the pipeline:
    // they are counted failed, and the failed-files alert is theirs.
    // filesSuperseded: failed versions of a path whose later version is done
    // (LedgerRows.superseded); not counted failed, nor in the backlog.

    /** Seconds from the last commit to {@code now}, or null before the first commit. */
    public Double freshnessSeconds(Instant now) {
      return lastCommit == null ? null : (now.toEpochMilli() - lastCommit.toEpochMilli()) / 1000.0;
    }
  }

  /** A reject reason with its count and a few of its most recent lines. */
  public record RejectReason(String pipeline, String reason, long count, List<Sample> samples) {}

  /** One quarantined line: where it was and what was wrong with it. */
  public record Sample(String file, long line, String rawText, int originalLength, String message) {}

  /**
   * A file whose last attempt failed, and when the next poll may try it again: {@code
   * retryAfter} null means the next poll, unless {@code neverRetried} (the ledger's {@code
   * retry_after = 'infinity'}: only a new version of the file is read; and every failed network
   * file: nothing retries a network load by itself).
   */
  public record FailedFile(
      String pipeline, String path, int attempts, String error, Instant lastTried,
      Instant retryAfter, boolean neverRetried) {}

  /** Rows and files committed in one hour (UTC) by one pipeline. */
  public record Hour(String pipeline, Instant hour, long files, long rows) {}

  /**
   * Completeness of an input read with S3 event notifications ({@code
   * fieldflow.input_completeness}, V11): every object listed up to {@code completeThrough} is
   * loaded or quarantined (null before the first such backfill listing).
   */
  public record Completeness(
      String input,
      Instant completeThrough,
      Instant lastListedAt,
      long filesWaiting,
      Double ingestLagSeconds,
      Double ingestLagMaxSeconds) {}

  /** Everything the Ingestion page shows. */
  public record Report(
      Instant readAt,
      List<Pipeline> pipelines,
      List<RejectReason> rejects,
      List<FailedFile> failedFiles,
      List<Hour> hours,
      List<Completeness> completeness) {}

  /** Per input read with notifications, its completeness; empty when none is. */
  public static List<Completeness> completeness(Connection c) throws SQLException {
    List<Completeness> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT input, complete_through, last_listed_at, files_waiting, ingest_lag_seconds,"
                + " ingest_lag_max_seconds FROM fieldflow.input_completeness ORDER BY input");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        double lag = rs.getDouble(5);
        boolean noLag = rs.wasNull();
        double lagMax = rs.getDouble(6);
        boolean noLagMax = rs.wasNull();
        out.add(new Completeness(rs.getString(1), instant(rs.getTimestamp(2)),
            instant(rs.getTimestamp(3)), rs.getLong(4), noLag ? null : lag,
            noLagMax ? null : lagMax));
      }
    }
    return out;
  }

  /** The per-pipeline numbers only: what {@code /metrics} needs, in one query. */
  public static List<Pipeline> pipelines(Connection c) throws SQLException {
    List<Pipeline> out = new ArrayList<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT p.pipeline,"
                    + " count(f.file_id) FILTER (WHERE f.status = 'done'),"
                    + " count(f.file_id) FILTER (WHERE f.status = 'failed' AND NOT f.superseded),"
                    + " count(f.file_id) FILTER (WHERE f.status = 'running'),"
                    + " count(f.file_id) FILTER (WHERE f.superseded),"
                    + " coalesce(sum(f.rows_loaded) FILTER (WHERE f.status = 'done'), 0),"
                    + " coalesce(sum(f.updates) FILTER (WHERE f.status = 'done'), 0),"
                    + " coalesce(sum(f.duplicates) FILTER (WHERE f.status = 'done'), 0),"
                    + " coalesce(sum(f.rejected) FILTER (WHERE f.status = 'done'), 0),"
                    + " (SELECT count(*) FROM fieldflow.rejected_records r"
                    + "  WHERE r.pipeline = p.pipeline AND r.readmitted_at IS NULL),"
                    + " last.finished_at, last.path, last.lag,"
                    + " count(f.file_id) FILTER (WHERE f.status = 'running' OR (f.status = 'failed'"
                    + "  AND NOT f.superseded AND " + retriedByItsPipeline("f") + "))"
                    + " FROM unnest(?::text[]) WITH ORDINALITY AS p (pipeline, position)"
                    + " LEFT JOIN (SELECT f.*, " + LedgerRows.superseded("f") + " AS superseded"
                    + "  FROM fieldflow.ingest_files f) f ON f.pipeline = p.pipeline"
                    + " LEFT JOIN LATERAL ("
                    // The lag of a file: from its arrival (last-modified time, or when the
                    // ledger first saw it if earlier: a clock ahead gives no negative lag) to
                    // its rows committed, as manage.sh status.
                    + "  SELECT d.finished_at, d.path, extract(epoch FROM d.finished_at"
                    + "   - least(d.last_modified, d.discovered_at))::float8 AS lag"
                    + "  FROM fieldflow.ingest_files d"
                    + "  WHERE d.pipeline = p.pipeline AND d.status = 'done'"
                    + "  ORDER BY d.finished_at DESC NULLS LAST, d.file_id DESC LIMIT 1) last"
                    + " ON true"
                    + " GROUP BY p.pipeline, p.position, last.finished_at, last.path, last.lag"
                    + " ORDER BY p.position")) {
      ps.setArray(1, c.createArrayOf("text", PIPELINES.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          double lag = rs.getDouble(13);
          boolean noLag = rs.wasNull();
          out.add(
              new Pipeline(
                  rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                  rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10),
                  instant(rs.getTimestamp(11)), rs.getString(12), noLag ? null : lag,
                  rs.getLong(14)));
        }
      }
    }
    return out;
  }

  /** The whole report, read in one snapshot so that its numbers agree with each other. */
  public static Report read(Connection c, Instant now) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        // Hours are cut in UTC, whatever the server's zone.
        s.execute("SET LOCAL TIME ZONE 'UTC'");
      }
      Report report =
          new Report(now, pipelines(c), rejects(c), failedFiles(c), hours(c), completeness(c));
      c.commit();
      return report;
    } finally {
      if (c.getAutoCommit() != autoCommit) {
        c.rollback();
        c.setAutoCommit(autoCommit);
      }
    }
  }

  private static List<RejectReason> rejects(Connection c) throws SQLException {
    Map<List<String>, RejectReason> reasons = new LinkedHashMap<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT pipeline, reason_code, count(*) FROM fieldflow.rejected_records"
                    + " WHERE readmitted_at IS NULL GROUP BY pipeline, reason_code"
                    + " ORDER BY array_position(?::text[], pipeline), count(*) DESC, reason_code")) {
      ps.setArray(1, c.createArrayOf("text", PIPELINES.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          reasons.put(
              List.of(rs.getString(1), rs.getString(2)),
              new RejectReason(rs.getString(1), rs.getString(2), rs.getLong(3), new ArrayList<>()));
        }
      }
    }
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT pipeline, reason_code, file, line_number, left(raw_text, ?),"
                    + " original_length, message FROM ("
                    + "  SELECT r.*, row_number() OVER (PARTITION BY pipeline, reason_code"
                    + "   ORDER BY reject_id DESC) AS recent FROM fieldflow.rejected_records r"
                    + "  WHERE r.readmitted_at IS NULL) s"
                    + " WHERE recent <= ? ORDER BY pipeline, reason_code, recent")) {
      ps.setInt(1, SAMPLE_CHARS);
      ps.setInt(2, SAMPLES_PER_REASON);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          reasons
              .get(List.of(rs.getString(1), rs.getString(2)))
              .samples()
              .add(
                  new Sample(
                      rs.getString(3), rs.getLong(4), rs.getString(5), rs.getInt(6),
                      rs.getString(7)));
        }
      }
    }
    return reasons.values().stream()
        .map(r -> new RejectReason(r.pipeline(), r.reason(), r.count(), List.copyOf(r.samples())))
        .toList();
  }

  /**
   * Whether a failed ledger row of {@code table} is tried again by its pipeline when its retry
   * time comes: a visit file not refused for good ({@code retry_after = 'infinity'}). Nothing
   * retries a network load; its failed files wait for the next load someone runs.
   */
  private static String retriedByItsPipeline(String table) {
    return "(" + table + ".pipeline = 'visit' AND " + table + ".retry_after IS DISTINCT FROM"
        + " 'infinity')";
  }

  private static List<FailedFile> failedFiles(Connection c) throws SQLException {
    List<FailedFile> out = new ArrayList<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                // 'infinity' is no time to show (it read as the year 292278994); -infinity is
                // due now, as NULL is.
                "SELECT pipeline, path, attempts, error, coalesce(finished_at, started_at),"
                    + " CASE WHEN isfinite(retry_after) AND " + retriedByItsPipeline("f")
                    + "  THEN retry_after END,"
                    + " NOT " + retriedByItsPipeline("f")
                    + " FROM fieldflow.ingest_files f WHERE status = 'failed'"
                    + " AND NOT " + LedgerRows.superseded("f")
                    + " ORDER BY array_position(?::text[], pipeline), retry_after NULLS FIRST,"
                    + " path LIMIT ?")) {
      ps.setArray(1, c.createArrayOf("text", PIPELINES.toArray()));
      ps.setInt(2, FAILED_FILES);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new FailedFile(
                  rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                  instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)), rs.getBoolean(7)));
        }
      }
    }
    return out;
  }

  private static List<Hour> hours(Connection c) throws SQLException {
    List<Hour> out = new ArrayList<>();
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT pipeline, date_trunc('hour', finished_at) AS hour, count(*),"
                    + " sum(rows_loaded + updates)"
                    + " FROM fieldflow.ingest_files"
                    + " WHERE status = 'done' AND finished_at > (SELECT max(finished_at)"
                    + "  FROM fieldflow.ingest_files WHERE status = 'done')"
                    + "  - make_interval(hours => ?)"
                    + " GROUP BY pipeline, hour ORDER BY hour, array_position(?::text[], pipeline)")) {
      ps.setInt(1, CHART_HOURS);
      ps.setArray(2, c.createArrayOf("text", PIPELINES.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Hour(
                  rs.getString(1), instant(rs.getTimestamp(2)), rs.getLong(3), rs.getLong(4)));
        }
      }
    }
    return out;
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
