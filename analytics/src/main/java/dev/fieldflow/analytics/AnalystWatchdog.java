package dev.fieldflow.analytics;

import dev.fieldflow.io.db.DatabaseConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code fieldflow watchdog}: holds the analyst role's timeouts. PostgreSQL cannot stop a
 * session from changing its own {@code statement_timeout} or {@code
 * idle_in_transaction_session_timeout} ({@code SET statement_timeout = 0} in psql, {@code
 * options=-c statement_timeout=0} in a URL), nor a role from changing its own defaults ({@code
 * ALTER ROLE fieldflow_analyst SET statement_timeout = 0}), so every few seconds this calls
 * {@code fieldflow.stop_analyst_overruns()} (migrations V13, V26) from the operator's login: it
 * puts the role's defaults back to the limits in {@code fieldflow.analyst_limits}, which only
 * the schema owner may change, cancels an analyst's statement running past the {@code
 * statement_timeout} limit and ends an analyst's session idle in a transaction past the {@code
 * idle_in_transaction_session_timeout} limit, whatever the role or the session set. {@code manage.sh db start} starts it beside the local database
 * (log and pid under {@code .fieldflow/}); against another server, run it on any host that
 * reaches the database, or have {@code pg_cron} call the function.
 *
 * <pre>
 * watchdog [--every=5s] [--jdbcUrl=URL]     (login: FIELDFLOW_DB_USER / the local writer)
 * </pre>
 *
 * <p>It keeps running while the database is away, and reconnects when it is back.
 */
public final class AnalystWatchdog {
  private static final Logger LOG = LoggerFactory.getLogger(AnalystWatchdog.class);

  /** How often it looks, unless {@code --every} says otherwise. */
  public static final Duration DEFAULT_EVERY = Duration.ofSeconds(5);

  /** The action of a sweep's row that put a role default back; its query says which. */
  public static final String RESTORED = "restored";

  /**
   * One statement cancelled or one session ended ({@code pid}, how long it ran, its query), or
   * one default of the analyst role put back ({@link #RESTORED}, pid 0, what was changed).
   */
  public record Stopped(int pid, String action, String running, String query) {}

  private AnalystWatchdog() {}

  /** Sweeps in a row when the analyst role changes under one (see {@link #sweep}). */
  static final int SWEEPS_PER_CHANGE = 3;

  /**
   * One sweep on {@code connection} (auto-commit on): what it stopped. An analyst who changes
   * the role's defaults while the sweep puts them back makes PostgreSQL fail the sweep's {@code
   * ALTER ROLE} ("tuple concurrently updated": two updates of one catalog row, the other
   * committed first); the sweep then runs again at once, up to {@value #SWEEPS_PER_CHANGE}
   * times, and reads the analyst's new value, rather than leaving it for the next sweep.
   */
  public static List<Stopped> sweep(Connection connection) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        return sweepOnce(connection);
      } catch (SQLException e) {
        if (attempt >= SWEEPS_PER_CHANGE || !concurrentlyUpdated(e)) {
          throw e;
        }
        LOG.info("watchdog: the analyst role was changed during the sweep; sweeping again");
      }
    }
  }

  /** PostgreSQL's "tuple concurrently updated" (an internal error, SQLSTATE XX000). */
  private static boolean concurrentlyUpdated(SQLException e) {
    return "XX000".equals(e.getSQLState()) && e.getMessage() != null
        && e.getMessage().contains("tuple concurrently updated");
  }

  private static List<Stopped> sweepOnce(Connection connection) throws SQLException {
    List<Stopped> stopped = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(
            "SELECT pid, action, running::text, query FROM fieldflow.stop_analyst_overruns()");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        stopped.add(new Stopped(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4)));
      }
    }
    return stopped;
  }

  public static void main(String[] args) throws InterruptedException {
    Duration every = DEFAULT_EVERY;
    String jdbcUrl = null;
    for (String arg : args) {
      if (arg.startsWith("--every=")) {
        every = Duration.parse("PT" + arg.substring("--every=".length()).toUpperCase(java.util.Locale.ROOT));
      } else if (arg.startsWith("--jdbcUrl=")) {
        jdbcUrl = arg.substring("--jdbcUrl=".length());
      } else {
        throw new IllegalArgumentException(
            "unknown option '" + arg + "'; usage: watchdog [--every=5s] [--jdbcUrl=URL]");
      }
    }
    if (every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("--every must be > 0, but was " + every);
    }
    DatabaseConfig operator = DatabaseConfig.resolve(jdbcUrl, null, null);
    LOG.info("watchdog: holding the analyst role's timeouts on {} as {}, every {} s",
        operator.describe(), operator.user(), every.toMillis() / 1000.0);
    Connection connection = null;
    boolean reported = false;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        if (connection == null || connection.isClosed()) {
          connection = operator.dataSource().getConnection();
          connection.setAutoCommit(true);
          if (reported) {
            LOG.info("watchdog: connected again");
          }
          reported = false;
        }
        for (Stopped s : sweep(connection)) {
          if (s.action().equals(RESTORED)) {
            LOG.warn("watchdog: {} (the limits are fieldflow.analyst_limits)", s.query());
          } else {
            LOG.warn("watchdog: {} analyst backend {} after {} (past the role's limit): {}",
                s.action(), s.pid(), s.running(), s.query());
          }
        }
      } catch (SQLException e) {
        if (!reported) {
          LOG.warn("watchdog: cannot sweep ({}); trying again every {} s", e.getMessage(),
              every.toMillis() / 1000.0);
          reported = true;
        }
        closeQuietly(connection);
        connection = null;
      }
      Thread.sleep(every.toMillis());
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Already broken; a new one is made at the next sweep.
      }
    }
  }
}
