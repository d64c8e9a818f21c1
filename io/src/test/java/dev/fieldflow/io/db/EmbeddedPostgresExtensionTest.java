package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test server other modules rely on: its logins, helpers and restart. */
class EmbeddedPostgresExtensionTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @Test
  void stopAndStartKeepTheDataAndThePort() {
    db.execute("INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (31, 2)");
    int port = db.port();

    db.stop();
    DatabaseUnavailableException down =
        assertThrows(
            DatabaseUnavailableException.class, () -> db.writer().checkReachable(Duration.ofSeconds(1)));
    db.start();

    assertThat(down.getMessage(), startsWith("cannot reach PostgreSQL at " + db.writer().describe()));
    assertThat(db.port(), is(port));
    assertThat(db.isRunning(), is(true));
    assertThat(db.count("SELECT count(*) FROM fieldflow.nodes WHERE node_id = ?", 31), is(1L));
    db.writer().checkReachable(Duration.ofSeconds(5));
  }

  @Test
  void theSuperuserNeedsItsPasswordToo() {
    DatabaseConfig wrong = db.admin().withUser("postgres", "wrong-password");

    SQLException e = assertThrows(SQLException.class, () -> wrong.dataSource().getConnection().close());

    assertThat(e.getSQLState(), is("28P01"));
  }

  @Test
  void theWriterAndAnalystLogInWithTheirPasswords() throws SQLException {
    for (DatabaseConfig login : List.of(db.writer(), db.analyst())) {
      try (Connection connection = login.dataSource().getConnection()) {
        assertThat(connection.getMetaData().getUserName(), is(login.user()));
      }
    }
  }

  @Test
  void rowsComeBackAsPlainValues() {
    assertThat(
        db.rows("SELECT 1, 2::bigint, 'x', DATE '2020-03-31', ARRAY[3, 4]"),
        is(List.of(List.of(1, 2L, "x", LocalDate.of(2020, 3, 31), List.of(3, 4)))));
  }

  @Test
  void countWantsOneNumber() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> db.count("SELECT 'a', 'b'"));

    assertThat(e.getMessage(), is("expected one row with one number from: SELECT 'a', 'b', got [[a, b]]"));
  }
}
