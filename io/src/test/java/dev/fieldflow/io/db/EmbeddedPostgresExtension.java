package dev.fieldflow.io.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.postgresql.PGConnection;

/**
 * A real, throw-away PostgreSQL for one test class: a fresh zonky server, the migrations applied
 * as the superuser, the writer, analyst and monitor roles able to log in with random passwords, and every
 * login checked by SCRAM password, as on the local and production servers.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();
 *
 * ... pipeline options from db.writer() ...
 * assertThat(db.count("SELECT count(*) FROM fieldflow.visits"), is(3L));
 * }</pre>
 *
 * <p>Register it in a {@code static} field: the server lives from before the first test of the
 * class to after the last. {@link #stop()} and {@link #start()} restart it on the same data and
 * port, so a test can take the database away in the middle of a load. Other modules get it with
 * a {@code test-jar} dependency on {@code fieldflow-io}.
 */
public final class EmbeddedPostgresExtension implements BeforeAllCallback, AfterAllCallback {
  private Path dataDirectory;
  private LocalCredentials credentials;
  private EmbeddedPostgres postgres;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dataDirectory = Files.createTempDirectory("fieldflow-pg-test-");
    // The admin password is known before the first start: zonky logs in with it to see that the
    // server is up, and after a restart only a password gets in.
    credentials = LocalCredentials.generate(0);
    try {
      startServer(0);
      credentials = credentials.withPort(postgres.getPort());
      setUpLogins();
    } catch (Exception | Error e) {
      afterAll(context);
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (postgres != null) {
        postgres.close();
        postgres = null;
      }
    } finally {
      if (dataDirectory != null) {
        PostgresBinaries.deleteRecursively(dataDirectory);
        dataDirectory = null;
      }
    }
  }

  /** The superuser on database {@code fieldflow}: for arranging and inspecting anything. */
  public DatabaseConfig admin() {
    return credentials().admin();
  }

  /** The pipelines' role ({@code fieldflow_writer}). */
  public DatabaseConfig writer() {
    return credentials().writer();
  }

  /** The analysts' read-only role ({@code fieldflow_analyst}). */
  public DatabaseConfig analyst() {
    return credentials().analyst();
  }

  /** The console's monitor role ({@code fieldflow_monitor}): reads the ledger and the quarantine. */
  public DatabaseConfig monitor() {
    return credentials().monitor();
  }

  public int port() {
    return credentials().port;
  }

  /** Runs a query that returns one row with one number, as the superuser: {@code count(*)}. */
  public long count(String sql, Object... parameters) {
    List<List<Object>> rows = rows(sql, parameters);
    if (rows.size() != 1 || rows.get(0).size() != 1 || !(rows.get(0).get(0) instanceof Number)) {
      throw new IllegalArgumentException("expected one row with one number from: " + sql + ", got " + rows);
    }
    return ((Number) rows.get(0).get(0)).longValue();
  }

  /**
   * Runs a query as the superuser; every row as a list of column values. SQL arrays come back as
   * lists and dates as {@link java.time.LocalDate}, so rows compare with {@code List.of(...)}.
   */
  public List<List<Object>> rows(String sql, Object... parameters) {
    try {
      return rowsAs(admin(), sql, parameters);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /**
   * As {@link #rows}, logged in as {@code login} (e.g. {@link #analyst()}); a refusal comes back
   * as the {@link SQLException} with its SQLSTATE, for tests of privileges and limits.
   */
  public List<List<Object>> rowsAs(DatabaseConfig login, String sql, Object... parameters)
      throws SQLException {
    try (Connection connection = login.dataSource().getConnection();
        PreparedStatement statement = prepare(connection, sql, parameters);
        ResultSet rs = statement.executeQuery()) {
      int columns = rs.getMetaData().getColumnCount();
      List<List<Object>> rows = new ArrayList<>();
      while (rs.next()) {
        List<Object> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(plain(rs.getObject(i)));
        }
        rows.add(Collections.unmodifiableList(row));
      }
      return Collections.unmodifiableList(rows);
    }
  }

  /** Runs one statement logged in as {@code login}; a refusal comes back with its SQLSTATE. */
  public void executeAs(DatabaseConfig login, String sql) throws SQLException {
    try (Connection connection = login.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Runs a statement as the superuser (to arrange data); how many rows it changed. */
  public int execute(String sql, Object... parameters) {
    try (Connection connection = admin().dataSource().getConnection();
        PreparedStatement statement = prepare(connection, sql, parameters)) {
      statement.execute();
      return Math.max(0, statement.getUpdateCount());
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stops the server the way an operator would ({@code pg_ctl stop -m fast}): open connections
   * break, uncommitted transactions are lost, committed data stays.
   */
  public void stop() {
    if (postgres == null) {
      throw new IllegalStateException("the test PostgreSQL is not running");
    }
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      postgres = null;
    }
  }

  /**
   * Crashes the server: an immediate shutdown (SIGQUIT to the postmaster), as after a power cut
   * of its processes. No checkpoint is written, and what its write-ahead log had not yet flushed
   * is lost: with asynchronous commits (this test server's default), the transactions of its
   * last moments. {@link #start()} then runs crash recovery.
   */
  public void crash() {
    if (postgres == null) {
      throw new IllegalStateException("the test PostgreSQL is not running");
    }
    try {
      long pid = Long.parseLong(
          Files.readAllLines(dataDirectory.resolve("postmaster.pid"), StandardCharsets.UTF_8).get(0).strip());
      ProcessHandle postmaster = ProcessHandle.of(pid)
          .orElseThrow(() -> new IllegalStateException("no postmaster " + pid + " to crash"));
      new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start().waitFor();
      postmaster.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
      // zonky's handle holds a lock on the data directory: released by its close, whose stop
      // finds no server (logged by zonky, not thrown).
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot crash the test PostgreSQL: " + e, e);
    } finally {
      postgres = null;
    }
  }

  /** Starts the server again after {@link #stop()} or {@link #crash()}, on the same data directory and port. */
  public void start() {
    if (postgres != null) {
      throw new IllegalStateException("the test PostgreSQL is already running");
    }
    try {
      startServer(credentials().port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restart the test PostgreSQL: " + e.getMessage(), e);
    }
  }

  public boolean isRunning() {
    return postgres != null;
  }

  private void startServer(int port) throws IOException {
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            // We delete the directory after the class; zonky must keep it across a restart.
            .setCleanDataDirectory(false)
            .setPort(port)
            .setConnectConfig("password", credentials.adminPassword)
            .start();
  }

  /**
   * zonky's initdb trusts every local login; give the superuser its password, provision the
   * roles like the local server does, then require SCRAM passwords from everyone.
   */
  private void setUpLogins() throws SQLException, IOException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection()) {
      connection
          .unwrap(PGConnection.class)
          .alterUserPassword(credentials.adminUser, credentials.adminPassword.toCharArray(), "scram-sha-256");
    }
    LocalDatabase.provision(credentials);
    Files.writeString(
        dataDirectory.resolve("pg_hba.conf"),
        "# fieldflow tests: every login needs its SCRAM password.\n"
            + "local all all scram-sha-256\n"
            + "host  all all 127.0.0.1/32 scram-sha-256\n"
            + "host  all all ::1/128 scram-sha-256\n",
        StandardCharsets.UTF_8);
    try (Connection connection = admin().dataSource().getConnection();
        PreparedStatement reload = connection.prepareStatement("SELECT pg_reload_conf()")) {
      reload.execute();
    }
  }

  private LocalCredentials credentials() {
    if (credentials == null) {
      throw new IllegalStateException(
          "EmbeddedPostgresExtension is not set up: register it with @RegisterExtension on a"
              + " static field");
    }
    return credentials;
  }

  private static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    try {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  private static Object plain(Object value) throws SQLException {
    if (value instanceof Array) {
      Object elements = ((Array) value).getArray();
      List<Object> list = new ArrayList<>();
      for (Object element : (Object[]) elements) {
        list.add(plain(element));
      }
      return Collections.unmodifiableList(list);
    }
    if (value instanceof java.sql.Date) {
      return ((java.sql.Date) value).toLocalDate();
    }
    if (value instanceof Object[]) {
      return Arrays.asList((Object[]) value);
    }
    return value;
  }
}
