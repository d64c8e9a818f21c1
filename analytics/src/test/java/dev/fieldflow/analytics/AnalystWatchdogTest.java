package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The analyst role's timeouts hold even for an analyst who sets them away in their own session
 * ({@code SET statement_timeout = 0}, which PostgreSQL allows any session): the watchdog's sweep
 * ({@code fieldflow.stop_analyst_overruns()}, V13, run as the writer like {@code fieldflow
 * watchdog}) cancels the statement and ends the idle transaction. Nobody else's session is
 * touched, nor an analyst's within the limit. The limits are lowered for a test in {@code
 * fieldflow.analyst_limits} (V26), where an operator sets them, and put back after. An analyst
 * who lifts the role's own defaults ({@code ALTER ROLE ... SET}, which PostgreSQL allows a role)
 * is held all the same, and the defaults are put back.
 */
class AnalystWatchdogTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @AfterEach
  void theLimitsOfV5() {
    limit("statement_timeout", "5min");
    limit("idle_in_transaction_session_timeout", "15min");
    db.execute("ALTER ROLE fieldflow_analyst SET statement_timeout = '5min'");
    db.execute("ALTER ROLE fieldflow_analyst SET idle_in_transaction_session_timeout = '15min'");
  }

  /** As an operator sets a limit: the table only the schema owner may change. */
  private static void limit(String setting, String value) {
    db.execute("UPDATE fieldflow.analyst_limits SET value = ?::interval WHERE setting = ?", value,
        setting);
  }

  @Test
  void anAnalystStatementPastTheRoleTimeoutIsCancelledWhateverTheSessionSet() throws Exception {
    limit("statement_timeout", "1s");
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Statement s = analyst.createStatement()) {
      s.execute("SET statement_timeout = 0");
      int pid = pid(analyst);
      CompletableFuture<Void> forever = CompletableFuture.runAsync(() -> {
        try (Statement sleep = analyst.createStatement()) {
          sleep.execute("SELECT pg_sleep(600)");
        } catch (SQLException e) {
          throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
        }
      });
      List<AnalystWatchdog.Stopped> stopped = sweepUntilSomethingIsStopped();
      assertThat(stopped.size(), is(1));
      assertThat(stopped.get(0).pid(), is(pid));
      assertThat(stopped.get(0).action(), is("cancelled"));
      assertThat(stopped.get(0).query(), is("SELECT pg_sleep(600)"));
      ExecutionException ended =
          assertThrows(ExecutionException.class, () -> forever.get(60, TimeUnit.SECONDS));
      assertThat(ended.getCause().getMessage(),
          is("57014 ERROR: canceling statement due to user request"));
      // The session itself goes on: only the statement was ended.
      assertThat(pid(analyst), is(pid));
    }
  }

  @Test
  void anAnalystSessionIdleInATransactionPastTheRoleTimeoutIsEnded() throws Exception {
    limit("idle_in_transaction_session_timeout", "1s");
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Statement s = analyst.createStatement()) {
      s.execute("SET idle_in_transaction_session_timeout = 0");
      analyst.setAutoCommit(false);
      s.execute("SELECT count(*) FROM fieldflow.visits");
      int pid = pid(analyst);
      List<AnalystWatchdog.Stopped> stopped = sweepUntilSomethingIsStopped();
      assertThat(stopped.size(), is(1));
      assertThat(stopped.get(0).pid(), is(pid));
      assertThat(stopped.get(0).action(), is("terminated"));
      SQLException gone = assertThrows(SQLException.class, () -> s.execute("SELECT 1"));
      assertThat(gone.getMessage(), gone.getSQLState().startsWith("57P01")
          || gone.getSQLState().startsWith("08"), is(true));
    }
  }

  @Test
  void nothingWithinTheLimitAndNobodyButTheAnalystIsTouched() throws Exception {
    limit("statement_timeout", "1min");
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Connection writer = db.writer().dataSource().getConnection()) {
      try (Statement s = analyst.createStatement()) {
        s.execute("SET statement_timeout = 0");
      }
      CompletableFuture<Void> analystSleeps = sleep(analyst, 3);
      CompletableFuture<Void> writerSleeps = sleep(writer, 3);
      // The writer's statement has no analyst limit; the analyst's is within its minute.
      List<AnalystWatchdog.Stopped> stopped = new ArrayList<>();
      while (!analystSleeps.isDone() || !writerSleeps.isDone()) {
        stopped.addAll(sessionsStopped(sweep()));
        Thread.sleep(200);
      }
      assertThat(stopped, is(empty()));
      analystSleeps.get();
      writerSleeps.get();
    }
  }

  @Test
  void onlyTheOperatorsLoginMaySweep() {
    SQLException denied = assertThrows(SQLException.class,
        () -> db.rowsAs(db.analyst(), "SELECT * FROM fieldflow.stop_analyst_overruns()"));
    assertThat(denied.getSQLState(), is("42501"));
  }

  @Test
  void anAnalystWhoLiftsTheRolesOwnDefaultsIsCancelledAllTheSameAndTheDefaultsArePutBack()
      throws Exception {
    limit("statement_timeout", "1s");
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Statement s = analyst.createStatement()) {
      // PostgreSQL lets a role change its own defaults, for every database or for this one.
      s.execute("ALTER ROLE fieldflow_analyst SET statement_timeout = 0");
      s.execute("ALTER ROLE fieldflow_analyst IN DATABASE " + analyst.getCatalog()
          + " SET statement_timeout = 0");
      s.execute("ALTER ROLE fieldflow_analyst IN DATABASE postgres SET statement_timeout = 0");
      s.execute("SET statement_timeout = 0");
      int pid = pid(analyst);
      CompletableFuture<Void> forever = sleep(analyst, 600);

      List<AnalystWatchdog.Stopped> stopped = sweepUntilSomethingIsStopped();

      assertThat(stopped.size(), is(1));
      assertThat(stopped.get(0).pid(), is(pid));
      assertThat(stopped.get(0).action(), is("cancelled"));
      assertThrows(ExecutionException.class, () -> forever.get(60, TimeUnit.SECONDS));
    }
    assertThat("a new analyst session starts limited again", db.rows(
            "SELECT s.setdatabase = 0, c FROM pg_db_role_setting s CROSS JOIN unnest(s.setconfig) c"
                + " WHERE s.setrole = 'fieldflow_analyst'::regrole AND c LIKE 'statement_timeout=%'"),
        contains(List.of(true, "statement_timeout=1000")));
  }

  @Test
  void aChangedRoleDefaultIsReportedAsRestoredAndTheLimitIsTheTables() throws Exception {
    db.execute("ALTER ROLE fieldflow_analyst SET statement_timeout = 90000");

    assertThat(db.rows("SELECT fieldflow.analyst_limit('statement_timeout')::text,"
            + " fieldflow.analyst_limit('idle_in_transaction_session_timeout')::text,"
            + " fieldflow.analyst_limit('work_mem') IS NULL"),
        contains(List.of("00:05:00", "00:15:00", true)));
    List<AnalystWatchdog.Stopped> swept = sweep();
    assertThat(swept.size(), is(1));
    assertThat(swept.get(0).action(), is(AnalystWatchdog.RESTORED));
    assertThat(swept.get(0).query(),
        is("statement_timeout of the analyst role was 90000: put back to 00:05:00"));
    assertThat("nothing more to put back", sweep(), is(empty()));
  }

  @Test
  void anAnalystChangingTheRoleDuringASweepIsPutBackInThatSweep() throws Exception {
    db.execute("ALTER ROLE fieldflow_analyst SET statement_timeout = 90000");
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Statement s = analyst.createStatement()) {
      analyst.setAutoCommit(false);
      // The analyst's change holds the role's settings row until it commits; the sweep's own
      // ALTER ROLE waits for it, and PostgreSQL fails it once the analyst's commits first.
      s.execute("ALTER ROLE fieldflow_analyst SET statement_timeout = 0");
      CompletableFuture<List<AnalystWatchdog.Stopped>> swept = CompletableFuture.supplyAsync(() -> {
        try {
          return sweep();
        } catch (SQLException e) {
          throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
        }
      });
      awaitAWriterWaitingForALock();
      analyst.commit();

      List<AnalystWatchdog.Stopped> restored = swept.get(60, TimeUnit.SECONDS);
      assertThat(restored.stream().map(AnalystWatchdog.Stopped::query).toList(),
          contains("statement_timeout of the analyst role was 0: put back to 00:05:00"));
    }
    assertThat(db.rows("SELECT fieldflow.analyst_role_setting('statement_timeout')::text"),
        contains(List.of("00:05:00")));
  }

  private static void awaitAWriterWaitingForALock() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (db.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        + " AND backend_type = 'client backend'") == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the sweep never waited for the analyst's change");
      }
      Thread.sleep(50);
    }
  }

  @Test
  void onlyTheSchemaOwnerChangesTheLimits() {
    for (var login : List.of(db.analyst(), db.writer())) {
      SQLException denied = assertThrows(SQLException.class, () -> db.executeAs(login,
          "UPDATE fieldflow.analyst_limits SET value = '0'"));
      assertThat(denied.getSQLState(), is("42501"));
    }
  }

  private static CompletableFuture<Void> sleep(Connection c, int seconds) {
    return CompletableFuture.runAsync(() -> {
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_sleep(" + seconds + ")");
      } catch (SQLException e) {
        throw new IllegalStateException(e.getSQLState() + " " + e.getMessage(), e);
      }
    });
  }

  private static int pid(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static List<AnalystWatchdog.Stopped> sweep() throws SQLException {
    try (Connection writer = db.writer().dataSource().getConnection()) {
      return AnalystWatchdog.sweep(writer);
    }
  }

  /** The statements cancelled and sessions ended of a sweep, without the defaults put back. */
  private static List<AnalystWatchdog.Stopped> sessionsStopped(List<AnalystWatchdog.Stopped> swept) {
    return swept.stream().filter(s -> !s.action().equals(AnalystWatchdog.RESTORED)).toList();
  }

  /** Sweeps as the watchdog does, every 200 ms, until a sweep stops a session's work. */
  private static List<AnalystWatchdog.Stopped> sweepUntilSomethingIsStopped() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (System.nanoTime() < deadline) {
      List<AnalystWatchdog.Stopped> stopped = sessionsStopped(sweep());
      if (!stopped.isEmpty()) {
        return stopped;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the watchdog stopped nothing within a minute");
  }
}
