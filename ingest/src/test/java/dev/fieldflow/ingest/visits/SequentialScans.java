package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The sequential scans PostgreSQL counted on tables: how a test shows that statements read by key. */
final class SequentialScans {
  private SequentialScans() {}

  /**
   * Makes the sessions' statistics visible to others: each flushes when it next goes idle, which
   * it has done once it answers another statement.
   */
  static void flush(Connection... sessions) throws SQLException {
    for (Connection session : sessions) {
      session.setAutoCommit(true);
      try (Statement s = session.createStatement()) {
        s.execute("SELECT pg_stat_force_next_flush()");
        s.execute("SELECT 1");
      }
    }
  }

  /** The sequential scans of {@code tables} so far, summed, as the flushed statistics say. */
  static long of(EmbeddedPostgresExtension db, String... tables) {
    return db.count("SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_user_tables WHERE relid IN ("
        + Arrays.stream(tables).map(t -> "'" + t + "'::regclass").collect(Collectors.joining(", ")) + ")");
  }
}
