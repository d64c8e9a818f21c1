package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nothing the analyst login does can slow or stop ingestion (V5): it has a connection limit, a
 * statement timeout, an idle-in-transaction timeout and a temp-file limit it cannot lift; q3
 * (and q4, q5 through it) refuses more than 6 hops; large objects are out of its reach. And a
 * migration run by a schema owner who is not a superuser still succeeds and names what a DBA
 * must run.
 */
class AnalystLimitsTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  private static final String DENIED = "42501";
  private static final String TOO_MANY_CONNECTIONS = "53300";
  private static final String INVALID_PARAMETER_VALUE = "22023";

  /** A chain 1 - 2 - ... - 9: node k + 1 is k hops from node 1. */
  @BeforeAll
  static void aChainOfNineNodes() {
    db.execute("INSERT INTO fieldflow.nodes (node_id) SELECT g FROM generate_series(1, 9) g");
    db.execute(
        "INSERT INTO fieldflow.network_edges SELECT g, g + 1 FROM generate_series(1, 8) g"
            + " UNION ALL SELECT g + 1, g FROM generate_series(1, 8) g");
  }

  @Test
  void theAnalystHasAtMostTenConnections() throws SQLException {
    List<Connection> open = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        open.add(db.analyst().dataSource().getConnection());
      }
      SQLException e =
          assertThrows(SQLException.class, () -> db.analyst().dataSource().getConnection().close());
      assertThat(e.getMessage(), e.getSQLState(), is(TOO_MANY_CONNECTIONS));
      // The server is up: the message says so, not "start it with ./manage.sh db start".
      DatabaseUnavailableException busy = assertThrows(DatabaseUnavailableException.class,
          () -> db.analyst().checkReachable(Duration.ofSeconds(1)));
      assertThat(busy.getMessage(), startsWith(
          "no connection left on PostgreSQL at "));
      assertThat(busy.getMessage(), containsString(
          ": too many connections for role \"fieldflow_analyst\""));
      assertThat(busy.getMessage(), containsString(
          "every connection this login may open is in use"));
      assertThat(busy.getMessage(), not(
          containsString("db start")));
    } finally {
      for (Connection c : open) {
        c.close();
      }
    }
  }

  @Test
  void theAnalystsStatementsTimeOutAfterFiveMinutes() throws SQLException {
    assertThat(showAsAnalyst("statement_timeout"), is("5min"));
  }

  @Test
  void theAnalystsIdleTransactionsEndAfterFifteenMinutes() throws SQLException {
    assertThat(showAsAnalyst("idle_in_transaction_session_timeout"), is("15min"));
  }

  @Test
  void theAnalystsTempFilesAreLimitedToOneGigabyte() throws SQLException {
    assertThat(showAsAnalyst("temp_file_limit"), is("1GB"));
  }

  @Test
  void theAnalystCannotLiftTheTempFileLimit() {
    SQLException e =
        assertThrows(SQLException.class, () -> executeAsAnalyst("SET temp_file_limit = -1"));
    assertThat(e.getMessage(), e.getSQLState(), is(DENIED));
  }

  @Test
  void q3AnswersUpToSixHops() throws SQLException {
    assertThat(
        rowsAsAnalyst("SELECT node_id, hops FROM analytics.q3(1, 6)"),
        contains(
            List.of(2, 1), List.of(3, 2), List.of(4, 3), List.of(5, 4), List.of(6, 5),
            List.of(7, 6)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT * FROM analytics.q3(1, 7)",
      "SELECT * FROM analytics.q3(999, 7)",
      "SELECT * FROM analytics.q3(1, 2147483647)",
      "SELECT * FROM analytics.q4(1, 7, 0, 2020)",
      "SELECT * FROM analytics.q5(1, 7, DATE '2020-01-01', DATE '2020-12-31', 1)"})
  void moreThanSixHopsIsRefused(String query) {
    SQLException e = assertThrows(SQLException.class, () -> rowsAsAnalyst(query));
    assertThat(e.getSQLState(), is(INVALID_PARAMETER_VALUE));
    assertThat(e.getMessage(), containsString("is above the cap of 6"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT * FROM analytics.q3(1, -1)",
      "SELECT * FROM analytics.q3(999, -2147483648)",
      "SELECT * FROM analytics.q4(1, -1, 0, 2020)",
      "SELECT * FROM analytics.q5(1, -3, DATE '2020-01-01', DATE '2020-12-31', 1)"})
  void fewerThanZeroHopsIsRefused(String query) {
    SQLException e = assertThrows(SQLException.class, () -> rowsAsAnalyst(query));
    assertThat(e.getSQLState(), is(INVALID_PARAMETER_VALUE));
    assertThat(e.getMessage(), containsString("is below 0"));
  }

  /** Y=0 and Y=-1 failed naming year 0 (make_date's BC years), Y=-2 was answered empty. */
  @ParameterizedTest
  @ValueSource(ints = {0, -1, -2, Integer.MIN_VALUE})
  void q4RefusesAYearBefore1(int year) {
    SQLException e = assertThrows(SQLException.class,
        () -> rowsAsAnalyst("SELECT * FROM analytics.q4(1, 2, 0, " + year + ")"));
    assertThat(e.getSQLState(), is(INVALID_PARAMETER_VALUE));
    assertThat(e.getMessage(), containsString("year " + year + " is before year 1"));
  }

  /** Y=5874897 failed naming year 5874898 (past PostgreSQL's last date). */
  @ParameterizedTest
  @ValueSource(ints = {10000, 5874897, Integer.MAX_VALUE})
  void q4RefusesAYearAfter9999(int year) {
    SQLException e = assertThrows(SQLException.class,
        () -> rowsAsAnalyst("SELECT * FROM analytics.q4(1, 2, 0, " + year + ")"));
    assertThat(e.getSQLState(), is(INVALID_PARAMETER_VALUE));
    assertThat(e.getMessage(), containsString("year " + year + " is after 9999"));
  }

  @Test
  void q4AnswersYear9999() throws SQLException {
    assertThat(rowsAsAnalyst("SELECT count(*) FROM analytics.q4(1, 0, 0, 9999)"),
        contains(List.of(0L)));
  }

  @Test
  void q4AnswersYear1() throws SQLException {
    assertThat(rowsAsAnalyst("SELECT count(*) FROM analytics.q4(1, 0, 0, 1)"),
        contains(List.of(0L)));
  }

  @Test
  void zeroHopsIsAnsweredWithNoNode() throws SQLException {
    assertThat(rowsAsAnalyst("SELECT node_id, hops FROM analytics.q3(1, 0)"), empty());
  }

  /** pgjdbc switches to a server-side prepared statement (and PostgreSQL to a generic plan). */
  @Test
  void moreThanSixHopsIsRefusedByAPreparedStatementEveryTime() throws SQLException {
    try (Connection analyst = db.analyst().dataSource().getConnection();
        PreparedStatement q3 = analyst.prepareStatement("SELECT * FROM analytics.q3(?, ?)")) {
      for (int i = 0; i < 12; i++) {
        q3.setInt(1, 1);
        q3.setInt(2, 7);
        SQLException e = assertThrows(SQLException.class, () -> q3.executeQuery().close());
        assertThat("execution " + (i + 1), e.getSQLState(), is(INVALID_PARAMETER_VALUE));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT lo_create(0)",
      "SELECT lo_creat(-1)",
      "SELECT lo_from_bytea(0, '\\x00'::bytea)",
      "SELECT lo_import('/etc/hostname')",
      "SELECT lo_export(1, '/tmp/fieldflow-lo')",
      "SELECT lo_open(1, 131072)",
      "SELECT lo_put(1, 0, '\\x00'::bytea)",
      "SELECT lo_get(1)",
      "SELECT loread(0, 1)",
      "SELECT lowrite(0, '\\x00'::bytea)",
      "SELECT lo_truncate(0, 0)",
      "SELECT lo_unlink(1)"})
  void theAnalystCannotUseLargeObjects(String statement) {
    SQLException e = assertThrows(SQLException.class, () -> executeAsAnalyst(statement));
    assertThat(statement + ": " + e.getMessage(), e.getSQLState(), is(DENIED));
  }

  /**
   * A schema owner without superuser or CREATEROLE (the roles made beforehand by a DBA) migrates
   * a database of its own: every migration applies, and the warnings name the statements the DBA
   * still has to run.
   */
  @Test
  void aMigrationWithoutSuperuserSucceedsAndNamesWhatTheDbaMustRun() throws SQLException {
    String password = LocalCredentials.randomPassword();
    db.execute("CREATE ROLE plain_owner LOGIN PASSWORD '" + password + "'");
    db.execute("CREATE ROLE plain_writer NOLOGIN");
    db.execute("CREATE ROLE plain_analyst NOLOGIN");
    db.execute("CREATE DATABASE plain_owned OWNER plain_owner");
    DatabaseConfig owner =
        DatabaseConfig.of(
            "jdbc:postgresql://127.0.0.1:" + db.port() + "/plain_owned", "plain_owner", password);

    // slf4j-simple writes to whatever System.err is at the time; Flyway logs the server's
    // warnings through it.
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      Migrations.apply(owner, "plain_writer", "plain_analyst");
    } finally {
      System.setErr(stderr);
    }
    String warnings = log.toString(StandardCharsets.UTF_8);
    stderr.print(warnings);

    try (Connection c = owner.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT success FROM fieldflow.flyway_schema_history WHERE version = '5'")) {
      assertThat("V5 is in the history", rs.next(), is(true));
      assertThat("V5 succeeded", rs.getBoolean(1), is(true));
    }
    assertThat(warnings, containsString(
        "a DBA must run: ALTER ROLE plain_analyst CONNECTION LIMIT 10;"));
    assertThat(warnings, containsString(
        "a DBA must run: ALTER ROLE plain_analyst SET statement_timeout = '5min';"));
    assertThat(warnings, containsString(
        "a DBA must run: ALTER ROLE plain_analyst SET temp_file_limit = '1GB';"));
    assertThat(warnings, containsString("REVOKE EXECUTE ON FUNCTION lo_close(integer), "));
    assertThat(
        db.rows("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'plain_analyst'"),
        contains(List.of(-1)));
  }

  private static String showAsAnalyst(String setting) throws SQLException {
    return (String) rowsAsAnalyst("SHOW " + setting).get(0).get(0);
  }

  private static void executeAsAnalyst(String sql) throws SQLException {
    db.executeAs(db.analyst(), sql);
  }

  private static List<List<Object>> rowsAsAnalyst(String sql) throws SQLException {
    return db.rowsAs(db.analyst(), sql);
  }
}
