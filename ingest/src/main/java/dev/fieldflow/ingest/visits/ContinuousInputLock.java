package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * At most one continuous visit pipeline per input and database: the launcher holds an exclusive
 * session-level advisory lock named after the input for as long as it runs, on a connection of
 * its own. A second continuous pipeline on the same input is refused at start, with what to do;
 * a {@code --once} backfill takes no such lock and runs beside it (the ledger and run liveness
 * keep them off each other's files).
 *
 * <p>The lock lives as long as its session: a launcher killed with -9 frees it at once. If the
 * connection is lost (a PostgreSQL outage) the lock is lost with it; the pipeline then goes on
 * without it, and is not protected against a second start until it is restarted.
 */
public final class ContinuousInputLock implements AutoCloseable {
  private final Connection connection;

  private ContinuousInputLock(Connection connection) {
    this.connection = connection;
  }

  /**
   * Takes the lock of {@code input} or refuses.
   *
   * @throws IllegalStateException if another continuous pipeline holds it
   */
  public static ContinuousInputLock take(DatabaseConfig db, String input) throws SQLException {
    Connection c = db.dataSource().getConnection();
    boolean taken;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, key(input));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        taken = rs.getBoolean(1);
      }
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
    if (!taken) {
      c.close();
      throw new IllegalStateException("another continuous visit pipeline is already ingesting "
          + input + " into " + db.describe() + "; stop it first (./manage.sh stop on its machine),"
          + " or run a backfill beside it with --once");
    }
    return new ContinuousInputLock(c);
  }

  /** The lock key of an input: 64 bits of a name-based UUID of it. */
  static long key(String input) {
    return UUID.nameUUIDFromBytes(("fieldflow continuous visit pipeline: " + input)
        .getBytes(StandardCharsets.UTF_8)).getMostSignificantBits();
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
