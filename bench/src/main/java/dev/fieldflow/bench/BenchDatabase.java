package dev.fieldflow.bench;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.LocalDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A throwaway PostgreSQL for one benchmark run: the same {@link LocalDatabase} an operator gets
 * (PostgreSQL 17, default settings, the fieldflow migrations), but with its own home under the
 * run's work directory and a free port, so the user's {@code .fieldflow} is never touched.
 * Child pipelines find it through {@code FIELDFLOW_HOME}.
 */
final class BenchDatabase implements AutoCloseable {
  /** Tables a visit ingest writes; emptied before every measurement. */
  private static final String FIELDFLOW_TABLES =
      "fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks,"
          + " fieldflow.network_edges, fieldflow.nodes, fieldflow.ingest_files";

  /** The baselines' tables (schema {@code bench}), as one list for a TRUNCATE; null when none. */
  private static final String BASELINE_TABLES =
      "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ' ORDER BY tablename)"
          + " FROM pg_tables WHERE schemaname = 'bench'";

  private static final String AUTOVACUUM_WORKERS =
      "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'";

  /** How long {@link #settle} waits for autovacuum at most; a run then starts anyway, and says so. */
  private static final Duration AUTOVACUUM_WAIT = Duration.ofMinutes(2);

  private final LocalDatabase database;
  private final int port;

  private BenchDatabase(LocalDatabase database, int port) {
    this.database = database;
    this.port = port;
  }

  static BenchDatabase startAt(Path home) throws IOException {
    Files.createDirectories(home);
    LocalDatabase database = LocalDatabase.at(home);
    int port = freePort();
    database.start(port);
    BenchDatabase bench = new BenchDatabase(database, port);
    bench.execute("CREATE SCHEMA IF NOT EXISTS bench");
    return bench;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return ((InetSocketAddress) socket.getLocalSocketAddress()).getPort();
    }
  }

  Path home() {
    return database.home();
  }

  int port() {
    return port;
  }

  DatabaseConfig admin() {
    return database.admin();
  }

  Connection adminConnection() throws SQLException {
    return database.admin().dataSource().getConnection();
  }

  void execute(String... statements) {
    try (Connection c = adminConnection(); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("benchmark database: " + e.getMessage(), e);
    }
  }

  long count(String sql) {
    try (Connection c = adminConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("benchmark database: " + e.getMessage(), e);
    }
  }

  String text(String sql) {
    try (Connection c = adminConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("benchmark database: " + e.getMessage(), e);
    }
  }

  /**
   * Readies the database for the next measured run, so that every run starts alike: empties the
   * tables that any run writes (fieldflow's and every baseline's), waits until no autovacuum
   * worker is busy, and checkpoints. A table left with a million fresh rows is vacuumed and
   * analyzed by autovacuum within a minute, on the CPU of whichever run is measuring then; the
   * runs that use both cores paid for the baselines' leftovers far more than the one-session
   * baselines did. Autovacuum of the table a run is itself filling stays part of that run.
   */
  void settle() {
    String baselines = text(BASELINE_TABLES);
    execute("TRUNCATE " + FIELDFLOW_TABLES + (baselines == null ? "" : ", " + baselines)
        + " RESTART IDENTITY CASCADE");
    long deadline = System.nanoTime() + AUTOVACUUM_WAIT.toNanos();
    while (count(AUTOVACUUM_WORKERS) > 0) {
      if (System.nanoTime() > deadline) {
        Bench.say("autovacuum still busy after " + AUTOVACUUM_WAIT.toMinutes()
            + " min; the next run is measured beside it");
        break;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for autovacuum", e);
      }
    }
    execute("CHECKPOINT");
  }

  String serverVersion() {
    return text("SHOW server_version");
  }

  /** The postmaster's pid from {@code postmaster.pid}. */
  long postmasterPid() {
    try {
      return Long.parseLong(Files.readAllLines(home().resolve("pgdata/postmaster.pid")).get(0).strip());
    } catch (IOException e) {
      throw new IllegalStateException("no postmaster.pid under " + home() + ": " + e.getMessage(), e);
    }
  }

  /** PSS of the server and its backends, for a {@link ProcessMemory.PeakSampler}. */
  OptionalLong pss() {
    long pss = ProcessMemory.pssOfTree(postmasterPid());
    return pss > 0 ? OptionalLong.of(pss) : OptionalLong.empty();
  }

  @Override
  public void close() {
    database.stop();
  }
}
