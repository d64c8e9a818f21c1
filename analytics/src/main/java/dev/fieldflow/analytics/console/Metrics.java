package dev.fieldflow.analytics.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code GET /metrics}: the ledger's numbers in the Prometheus text exposition format (version
 * 0.0.4), one sample per pipeline. A pipeline that has committed nothing yet has no lag,
 * freshness or last-commit sample: an absent series, not a made-up zero. When the database
 * cannot be read, only {@code fieldflow_console_database_up 0} is exported, so an alert can say
 * so instead of a failed scrape.
 */
final class Metrics {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private Metrics() {}

  /**
   * A pipeline's rows and lines summed over every read of its files, as its counters export
   * them: the ledger's {@code counted_*} columns (V30), which every completed read adds to and
   * nothing lowers (a requeue adds what it moved to loaded and keeps what it took from
   * rejected). Unlike the finished files' current counts (the Ingestion page, {@code status}),
   * these never fall on a requeue or a replay, killed or not: only if ledger rows are deleted.
   */
  record Counted(long rowsLoaded, long rowsUpdated, long duplicates, long rejected) {
    static final Counted NONE = new Counted(0, 0, 0, 0);
  }

  /** {@link Counted} per pipeline. */
  static Map<String, Counted> counted(Connection c) throws SQLException {
    Map<String, Counted> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT pipeline, sum(counted_rows_loaded), sum(counted_updates),"
                + " sum(counted_duplicates), sum(counted_rejected)"
                + " FROM fieldflow.ingest_files GROUP BY pipeline");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1),
            new Counted(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
      }
    }
    return out;
  }

  /** The exposition of {@code pipelines} as read at {@code now}. */
  static String render(List<Ingestion.Pipeline> pipelines, Map<String, Counted> counted,
      Instant now) {
    return render(pipelines, counted, List.of(), now);
  }

  /**
   * The exposition of {@code pipelines}, their {@code counted} rows and lines and, per input
   * read with notifications, its completeness, as read at {@code now}.
   */
  static String render(List<Ingestion.Pipeline> pipelines, Map<String, Counted> counted,
      List<Ingestion.Completeness> inputs, Instant now) {
    return pipelines(pipelines, counted, now) + inputs(inputs);
  }

  private static String inputs(List<Ingestion.Completeness> inputs) {
    StringBuilder out = new StringBuilder();
    if (inputs.isEmpty()) {
      return "";
    }
    inputFamily(out, inputs, "fieldflow_input_complete_through_timestamp_seconds",
        "Time (Unix) up to which every listed object of the input is loaded or quarantined (the"
            + " last complete backfill listing).",
        i -> i.completeThrough() == null ? null : i.completeThrough().toEpochMilli() / 1000.0);
    inputFamily(out, inputs, "fieldflow_input_files_waiting",
        "Files of the input seen and not finished (running, or failed and due for a retry).",
        Ingestion.Completeness::filesWaiting);
    inputFamily(out, inputs, "fieldflow_input_ingest_lag_seconds",
        "Median, over the input's last 100 files, from arrival (last-modified) to rows committed.",
        Ingestion.Completeness::ingestLagSeconds);
    return out.toString();
  }

  private static void inputFamily(StringBuilder out, List<Ingestion.Completeness> inputs,
      String name, String help, Function<Ingestion.Completeness, Number> value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n");
    for (Ingestion.Completeness i : inputs) {
      Number v = value.apply(i);
      if (v != null) {
        out.append(name).append("{input=\"").append(escape(i.input())).append("\"} ")
            .append(format(v)).append('\n');
      }
    }
  }

  /** A label value as the exposition format wants it: backslash, quote and newline escaped. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String pipelines(List<Ingestion.Pipeline> pipelines,
      Map<String, Counted> counted, Instant now) {
    Function<Ingestion.Pipeline, Counted> of = p -> counted.getOrDefault(p.pipeline(), Counted.NONE);
    StringBuilder out = new StringBuilder();
    up(out, true);
    out.append("# HELP fieldflow_files Files of the ingestion ledger by status (superseded: failed"
            + " versions of a file whose later version is done, not counted as failed).\n")
        .append("# TYPE fieldflow_files gauge\n");
    for (Ingestion.Pipeline p : pipelines) {
      sample(out, "fieldflow_files", p.pipeline(), "status=\"done\"", p.filesDone());
      sample(out, "fieldflow_files", p.pipeline(), "status=\"failed\"", p.filesFailed());
      sample(out, "fieldflow_files", p.pipeline(), "status=\"running\"", p.filesRunning());
      sample(out, "fieldflow_files", p.pipeline(), "status=\"superseded\"", p.filesSuperseded());
    }
    family(out, pipelines, "fieldflow_backlog_files", "gauge",
        "Files a pipeline has still to finish: running, or failed and to be retried.",
        Ingestion.Pipeline::backlog);
    family(out, pipelines, "fieldflow_rows_loaded_total", "counter",
        "Rows inserted, over every read of the files (loads, replays, requeues).",
        p -> of.apply(p).rowsLoaded());
    family(out, pipelines, "fieldflow_rows_updated_total", "counter",
        "Rows replaced with a changed version, over every read of the files.",
        p -> of.apply(p).rowsUpdated());
    family(out, pipelines, "fieldflow_rows_duplicate_total", "counter",
        "Records identical to a stored row, over every read of the files.",
        p -> of.apply(p).duplicates());
    family(out, pipelines, "fieldflow_lines_rejected_total", "counter",
        "Lines that could not be loaded when read, over every read of the files (a line a"
            + " requeue admitted later stays counted).",
        p -> of.apply(p).rejected());
    family(out, pipelines, "fieldflow_ingest_lag_seconds", "gauge",
        "From the last committed file's arrival (last-modified time) to its rows committed.",
        Ingestion.Pipeline::lastFileLagSeconds);
    family(out, pipelines, "fieldflow_freshness_seconds", "gauge",
        "Seconds since the pipeline last committed a file.", p -> p.freshnessSeconds(now));
    family(out, pipelines, "fieldflow_last_commit_timestamp_seconds", "gauge",
        "When the pipeline last committed a file (Unix time).",
        p -> p.lastCommit() == null ? null : p.lastCommit().toEpochMilli() / 1000.0);
    return out.toString();
  }

  /** The exposition when the ledger could not be read. */
  static String databaseDown() {
    StringBuilder out = new StringBuilder();
    up(out, false);
    return out.toString();
  }

  private static void up(StringBuilder out, boolean up) {
    out.append("# HELP fieldflow_console_database_up Whether the console could read the ledger.\n")
        .append("# TYPE fieldflow_console_database_up gauge\n")
        .append("fieldflow_console_database_up ").append(up ? 1 : 0).append('\n');
  }

  private static void family(
      StringBuilder out, List<Ingestion.Pipeline> pipelines, String name, String type,
      String help, Function<Ingestion.Pipeline, Number> value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(' ').append(type).append('\n');
    for (Ingestion.Pipeline p : pipelines) {
      Number v = value.apply(p);
      if (v != null) {
        sample(out, name, p.pipeline(), null, v);
      }
    }
  }

  private static void sample(
      StringBuilder out, String name, String pipeline, String moreLabels, Number value) {
    out.append(name).append("{pipeline=\"").append(pipeline).append('"');
    if (moreLabels != null) {
      out.append(',').append(moreLabels);
    }
    out.append("} ").append(format(value)).append('\n');
  }

  /** Integers as integers; other numbers with at most three decimals (milliseconds). */
  static String format(Number value) {
    if (value instanceof Long || value instanceof Integer) {
      return value.toString();
    }
    double d = value.doubleValue();
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return String.format(Locale.ROOT, "%.3f", d).replaceAll("\\.?0+$", "");
  }
}
