package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.DatabaseConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a visit run's workers fit in the server's connection slots. Each worker that loads
 * files holds two sessions (the file's transaction and its nodes' and tasks'), and the claim and
 * retry steps a few more. Past {@code max_connections} a worker holds one session while it waits
 * for its other, and the load crawls (measured: docs/OPERATIONS.md, "Database sessions and
 * parallelism"), so the run says so at start, in the log the operator reads. A warning, not a
 * refusal: the count is an upper bound, and a run with fewer files than workers needs less.
 */
final class SessionBudget {
  private static final Logger LOG = LoggerFactory.getLogger(SessionBudget.class);

  static final int SESSIONS_PER_WORKER = 2;
  /** Claims, retries, the run's own: a few sessions beside the loading workers. */
  static final int SESSIONS_BESIDES = 5;

  /** Connection slots an ordinary login can take: max_connections less the reserved ones. */
  private static final String SLOTS = "SELECT current_setting('max_connections')::int"
      + " - current_setting('superuser_reserved_connections')::int"
      + " - coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0),"
      + " current_setting('max_connections')::int";

  private SessionBudget() {}

  /** A runner's parallelism: which option sets it, and its value. */
  record Workers(String option, int count) {}

  /**
   * The workers that load files at once: the DirectRunner's {@code --targetParallelism}, Flink's
   * {@code --parallelism}; empty when the runner decides (Flink's -1) or is another. Read by
   * reflection: each jar holds one runner, and the options interface of the other is absent.
   */
  static Optional<Workers> workers(PipelineOptions options) {
    String runner = options.getRunner().getSimpleName();
    String typeName;
    String option;
    if (runner.equals("DirectRunner")) {
      typeName = "org.apache.beam.runners.direct.DirectOptions";
      option = "targetParallelism";
    } else if (runner.endsWith("FlinkRunner")) {
      typeName = "org.apache.beam.runners.flink.FlinkPipelineOptions";
      option = "parallelism";
    } else {
      return Optional.empty();
    }
    try {
      Class<? extends PipelineOptions> type =
          Class.forName(typeName).asSubclass(PipelineOptions.class);
      String getter = "get" + Character.toUpperCase(option.charAt(0)) + option.substring(1);
      int count = ((Number) type.getMethod(getter).invoke(options.as(type))).intValue();
      return count >= 1 ? Optional.of(new Workers("--" + option, count)) : Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The warning for {@code workers} on a server that takes {@code slots} sessions, or empty. */
  static Optional<String> warning(Workers workers, int slots, int maxConnections) {
    int needed = SESSIONS_PER_WORKER * workers.count() + SESSIONS_BESIDES;
    if (needed <= slots) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT, "%s=%d loads up to %d files at once on %d"
            + " PostgreSQL sessions each, about %d sessions with the claims', but the server takes"
            + " %d (max_connections %d, less the reserved): loads will wait for connection slots"
            + " and crawl (SQLSTATE 53300 in this log); lower %s or raise max_connections"
            + " (docs/OPERATIONS.md)", workers.option(), workers.count(), workers.count(),
        SESSIONS_PER_WORKER, needed, slots, maxConnections, workers.option()));
  }

  /** Logs {@link #check}'s warning, if any. */
  static void warnIfShort(PipelineOptions options, DatabaseConfig db) {
    check(options, db).ifPresent(LOG::warn);
  }

  /** {@link #warning} for this run on this server; empty if either cannot be read. */
  static Optional<String> check(PipelineOptions options, DatabaseConfig db) {
    Optional<Workers> workers = workers(options);
    if (workers.isEmpty()) {
      return Optional.empty();
    }
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(SLOTS)) {
      rs.next();
      return warning(workers.get(), rs.getInt(1), rs.getInt(2));
    } catch (SQLException e) {
      LOG.debug("cannot read the server's connection slots", e);
      return Optional.empty();
    }
  }
}
