package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Which sessions of {@link RetryingDatabase} wait for their commits to reach the disk. */
class RetryingDatabaseCommitTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  private static String synchronousCommit(RetryingDatabase database) throws SQLException {
    return database.inTransaction("asking", RetryingDatabaseCommitTest::setting);
  }

  private static String setting(Connection c) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery("SHOW synchronous_commit")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void aLoadSessionCommitsAsynchronouslyAfterAReconnectTooAndOtherSessionsDoNot() throws Exception {
    // The test server (zonky's defaults) commits asynchronously; a production server does not.
    POSTGRES.execute("ALTER ROLE fieldflow_writer SET synchronous_commit = on");
    UUID run = UUID.randomUUID();
    try (RetryingDatabase claims = RetryingDatabase.forRun(POSTGRES.writer(), Duration.ofSeconds(5), run);
        RetryingDatabase loads = RetryingDatabase.forRun(POSTGRES.writer(), Duration.ofSeconds(5), run)
            .withAsynchronousCommit()) {
      assertThat(synchronousCommit(claims), is("on"));
      assertThat(synchronousCommit(loads), is("off"));
      assertThat("the reference session", setting(loads.session()), is("off"));

      loads.reset(); // as after a lost connection: the next use connects afresh

      assertThat(synchronousCommit(loads), is("off"));
    }
  }
}
