package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.jdbc.PgConnection;

/** The connections {@link DatabaseConfig} builds, against a real server. */
class ConnectionsTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @TempDir Path temp;

  @Test
  void dataSourceLogsInAsTheConfiguredRoleWithFieldflowsDefaults() throws SQLException {
    try (Connection connection = db.writer().dataSource().getConnection()) {
      assertThat(single(connection, "SELECT current_user"), is("fieldflow_writer"));
      assertThat(single(connection, "SHOW application_name"), is("fieldflow"));
      assertThat(rewritesBatchedInserts(connection), is(true));
    }
  }

  @Test
  void jdbcIoLogsInWithTheSameDefaults() throws SQLException {
    DataSource pooled = db.writer().jdbcIoConfiguration().buildDatasource();

    try (Connection connection = pooled.getConnection()) {
      assertThat(single(connection, "SELECT current_user"), is("fieldflow_writer"));
      assertThat(single(connection, "SHOW application_name"), is("fieldflow"));
      assertThat(rewritesBatchedInserts(connection), is(true));
    }
  }

  @Test
  void aParameterWrittenInTheUrlWinsOverADefault() throws SQLException {
    DatabaseConfig writer = db.writer();
    DatabaseConfig custom =
        DatabaseConfig.of(writer.jdbcUrl() + "?ApplicationName=backfill", writer.user(), writer.password());

    try (Connection connection = custom.dataSource().getConnection()) {
      assertThat(single(connection, "SHOW application_name"), is("backfill"));
    }
  }

  @Test
  void withoutAPasswordTheDriverReadsPgpass() throws SQLException, IOException {
    DatabaseConfig analyst = db.analyst();
    Path pgpass = temp.resolve("pgpass");
    Files.writeString(
        pgpass, "127.0.0.1:" + db.port() + ":fieldflow:" + analyst.user() + ":" + analyst.password() + "\n");
    String previous = System.setProperty("org.postgresql.pgpassfile", pgpass.toString());
    try (Connection connection =
        DatabaseConfig.of(analyst.jdbcUrl(), analyst.user(), null).dataSource().getConnection()) {
      assertThat(single(connection, "SELECT current_user"), is("fieldflow_analyst"));
    } finally {
      if (previous == null) {
        System.clearProperty("org.postgresql.pgpassfile");
      } else {
        System.setProperty("org.postgresql.pgpassfile", previous);
      }
    }
  }

  @Test
  void checkReachableReturnsOnALiveServer() {
    db.writer().checkReachable(Duration.ofSeconds(5));
  }

  @Test
  void aWrongPasswordFailsAtOnceSayingWhichLoginToCheck() {
    DatabaseConfig wrong = db.writer().withUser("fieldflow_writer", "not-the-password");

    long started = System.nanoTime();
    DatabaseUnavailableException e =
        assertThrows(DatabaseUnavailableException.class, () -> wrong.checkReachable(Duration.ofSeconds(20)));

    assertThat(Duration.ofNanos(System.nanoTime() - started), lessThan(Duration.ofSeconds(5)));
    assertThat(
        e.getMessage(),
        is("cannot log in to PostgreSQL at " + wrong.describe() + ": password authentication"
            + " failed for user \"fieldflow_writer\"; check FIELDFLOW_DB_USER and"
            + " FIELDFLOW_DB_PASSWORD (or ~/.pgpass)"));
  }

  @Test
  void aMissingDatabaseFailsAtOnceSayingSo() {
    DatabaseConfig missing =
        DatabaseConfig.of(
            "jdbc:postgresql://127.0.0.1:" + db.port() + "/no_such_db", "postgres", db.admin().password());

    DatabaseUnavailableException e =
        assertThrows(DatabaseUnavailableException.class, () -> missing.checkReachable(Duration.ofSeconds(20)));

    assertThat(
        e.getMessage(),
        is("cannot reach PostgreSQL at " + missing.describe() + ": database \"no_such_db\""
            + " does not exist; create the database or fix FIELDFLOW_JDBC_URL"));
  }

  private static boolean rewritesBatchedInserts(Connection connection) throws SQLException {
    return connection.unwrap(PgConnection.class).getQueryExecutor().isReWriteBatchedInsertsEnabled();
  }

  private static String single(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
