package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local server through its command line, as {@code manage.sh db ...} drives it: one
 * FIELDFLOW_HOME and one free port for the class, each test starting from "running".
 */
class LocalDatabaseTest {
  @TempDir static Path root;
  /** Not there before the first start: the server creates it, as on a fresh machine. */
  private static Path home;

  private static int port;
  private static String url;

  @BeforeAll
  static void startTheServer() throws IOException {
    home = root.resolve("fieldflow-home");
    port = freePort();
    url = "jdbc:postgresql://127.0.0.1:" + port + "/fieldflow";
    Cli start = cli("start", "--port=" + port);
    assertThat(start.err, start.exit, is(0));
    assertThat(start.out, containsString("started at " + url));
  }

  @AfterAll
  static void stopTheServer() {
    LocalDatabase.at(home).stop();
  }

  @Test
  void stopAndStartKeepTheRowsAndStatusFollows() throws SQLException {
    ensureRunning();
    LocalDatabase local = LocalDatabase.at(home);
    execute(local.writer(), "INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (4242, 1)");

    Cli stop = cli("stop");
    assertThat(stop.out, is("PostgreSQL stopped; data kept in " + home.resolve("pgdata") + "\n"));
    Cli stopped = cli("status");
    assertThat(stopped.exit, is(3));
    assertThat(stopped.out, is("stopped: " + url + " (data " + home.resolve("pgdata") + ")\n"));

    Cli start = cli("start");
    assertThat(start.err, start.exit, is(0));
    assertThat(start.out, containsString("started at " + url));
    Cli running = cli("status");
    assertThat(running.exit, is(0));
    assertThat(running.out, is("running: " + url + " (data " + home.resolve("pgdata") + ")\n"));
    assertThat(count(local.analyst(), "SELECT count(*) FROM fieldflow.nodes WHERE node_id = 4242"), is(1L));
  }

  @Test
  void startingItAgainSaysItIsAlreadyRunning() {
    ensureRunning();

    Cli again = cli("start", "--port=" + (port == 65535 ? 65534 : port + 1));

    assertThat(again.exit, is(0));
    assertThat(again.out, containsString("already running at " + url));
    assertThat(again.out, containsString("ignored: it runs on " + port + "; stop it first to move it"));
    assertThat(again.out, containsString("schema fieldflow up to date\n"));
  }

  @Test
  void theServerOutlivesTheJvmThatStartedIt() throws Exception {
    ensureRunning();
    cli("stop");

    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LocalDatabase.class.getName(),
                "start",
                "--home=" + home)
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(output, child.waitFor(2, TimeUnit.MINUTES), is(true));
    assertThat(output, child.exitValue(), is(0));

    assertThat(LocalDatabase.at(home).isRunning(), is(true));
    assertThat(count(LocalDatabase.at(home).writer(), "SELECT 1"), is(1L));
  }

  @Test
  void eachRoleHasItsOwnPrivateShellSourceableFile() throws Exception {
    ensureRunning();

    assertThat(sourced("credentials.env"), is(url + " " + port
        + " writer=fieldflow_writer analyst= admin= monitor=\n"));
    assertThat(sourced("credentials-analyst.env"), is(url + " " + port
        + " writer= analyst=fieldflow_analyst admin= monitor=\n"));
    assertThat(sourced("credentials-admin.env"), is(url + " " + port
        + " writer= analyst= admin=postgres monitor=\n"));
    assertThat(sourced("credentials-monitor.env"), is(url + " " + port
        + " writer= analyst= admin= monitor=fieldflow_monitor\n"));
  }

  /** Sources one file in a clean shell; what it defines, and checks it is mode 600. */
  private static String sourced(String name) throws Exception {
    Path file = home.resolve(name);
    assertThat(name, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
        is("rw-------"));
    ProcessBuilder pb =
        new ProcessBuilder(
                "sh",
                "-c",
                "set -a; . \"$1\"; set +a; echo \"$FIELDFLOW_JDBC_URL $FIELDFLOW_DB_PORT"
                    + " writer=$FIELDFLOW_DB_USER analyst=$FIELDFLOW_ANALYST_USER"
                    + " admin=$FIELDFLOW_ADMIN_USER monitor=$FIELDFLOW_MONITOR_USER\"",
                "sh",
                file.toString())
            .redirectErrorStream(true);
    pb.environment().keySet().removeIf(key -> key.startsWith("FIELDFLOW_"));
    Process shell = pb.start();
    String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(shell.waitFor(), is(0));
    return out;
  }

  @Test
  void theHomeIsPrivateAndMarkedAsFieldflows() throws Exception {
    ensureRunning();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home)),
        is("rwx------"));
    assertThat(Files.isRegularFile(home.resolve(LocalDatabase.HOME_MARKER)), is(true));
  }

  @Test
  void startSplitsTheCombinedFileOfAnOlderVersionKeepingThePasswords() throws Exception {
    ensureRunning();
    LocalCredentials before = LocalCredentials.read(home).orElseThrow();
    StringBuilder combined = new StringBuilder();
    for (String name : List.of("credentials.env", "credentials-analyst.env",
        "credentials-admin.env")) {
      combined.append(Files.readString(home.resolve(name)));
      Files.delete(home.resolve(name));
    }
    Files.writeString(home.resolve("credentials.env"), combined);

    Cli start = cli("start");

    assertThat(start.err, start.exit, is(0));
    assertThat(Files.readString(home.resolve("credentials.env")),
        not(containsString(before.adminPassword)));
    LocalCredentials after = LocalCredentials.read(home).orElseThrow();
    assertThat(after.combinedFile, is(false));
    assertThat(count(LocalDatabase.at(home).analyst(), "SELECT 1"), is(1L));
    assertThat(after.adminPassword, is(before.adminPassword));
  }

  @Test
  void startAddsTheMonitorLoginToAHomeMadeBeforeItKeepingTheOtherPasswords() throws Exception {
    ensureRunning();
    LocalCredentials before = LocalCredentials.read(home).orElseThrow();
    Files.delete(home.resolve("credentials-monitor.env"));
    assertThat(LocalCredentials.read(home).orElseThrow().monitorUser, is(nullValue()));

    Cli start = cli("start");

    assertThat(start.err, start.exit, is(0));
    LocalCredentials after = LocalCredentials.read(home).orElseThrow();
    assertThat(after.monitorUser, is("fieldflow_monitor"));
    assertThat(after.monitorPassword, not(is(before.monitorPassword)));
    assertThat(PosixFilePermissions.toString(
        Files.getPosixFilePermissions(home.resolve("credentials-monitor.env"))), is("rw-------"));
    assertThat(count(LocalDatabase.at(home).monitor(), "SELECT count(*) FROM fieldflow.ingest_files"),
        is(count(LocalDatabase.at(home).admin(), "SELECT count(*) FROM fieldflow.ingest_files")));
    assertThat(after.writerPassword, is(before.writerPassword));
    assertThat(after.analystPassword, is(before.analystPassword));
    assertThat(after.adminPassword, is(before.adminPassword));
  }

  @Test
  void everyLoginNeedsItsOwnPassword() throws IOException {
    ensureRunning();
    LocalDatabase local = LocalDatabase.at(home);

    for (DatabaseConfig login : List.of(local.writer(), local.analyst(), local.monitor(),
        local.admin())) {
      SQLException wrong =
          assertThrows(
              SQLException.class,
              () -> count(login.withUser(login.user(), "wrong-password"), "SELECT 1"));
      assertThat(wrong.getSQLState(), is("28P01"));
      SQLException none =
          assertThrows(SQLException.class, () -> count(login.withUser(login.user(), null), "SELECT 1"));
      assertThat(none.getMessage(), containsString("no password was provided"));
    }
    List<String> rules = new ArrayList<>();
    for (String line : Files.readAllLines(home.resolve("pgdata/pg_hba.conf"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        rules.add(line);
      }
    }
    assertThat(rules.isEmpty(), is(false));
    for (String rule : rules) {
      assertThat(rule, rule.endsWith("scram-sha-256"), is(true));
      assertThat(rule, not(containsString("trust")));
    }
  }

  @Test
  void urlAndEnvPrintWhereToConnect() {
    ensureRunning();

    assertThat(cli("url").out, is(url + "\n"));
    assertThat(cli("env").out, is(home.resolve("credentials.env") + "\n"));
  }

  @Test
  void stoppingAStoppedServerIsFine() {
    ensureRunning();
    cli("stop");

    Cli again = cli("stop");

    assertThat(again.exit, is(0));
    assertThat(again.out, is("PostgreSQL is not running (" + home.resolve("pgdata") + ")\n"));
  }

  @Test
  void aTakenPortIsReportedWithWhatToDoAndNothingChanges() throws IOException {
    ensureRunning();
    cli("stop");

    try (ServerSocket taken = new ServerSocket(0)) {
      Cli start = cli("start", "--port=" + taken.getLocalPort());

      assertThat(start.exit, is(1));
      assertThat(
          start.err,
          is("fieldflow db start: port " + taken.getLocalPort() + " on 127.0.0.1 is taken by another"
              + " program; start with --port=N (a free port)\n"));
    }
    assertThat(cli("url").out, is(url + "\n"));
  }

  @Test
  void statusOfAHomeWithoutADatabaseSaysHowToStartOne(@TempDir Path empty) {
    Cli status = LocalDatabaseTest.cliIn(empty, "status");

    assertThat(status.exit, is(3));
    assertThat(
        status.out,
        is("not initialized: no database in " + empty + "; start it with ./manage.sh db start\n"));
  }

  @Test
  void unknownCommandsGetTheUsage() {
    Cli bogus = cli("restart");

    assertThat(bogus.exit, is(2));
    assertThat(bogus.err, containsString("unknown command restart"));
    assertThat(bogus.err, containsString("usage: LocalDatabase start [--port=N] | stop | status | url | env"));
  }

  private static void ensureRunning() {
    if (!LocalDatabase.at(home).isRunning()) {
      Cli start = cli("start", "--port=" + port);
      assertThat(start.err, start.exit, is(0));
    }
  }

  private static final class Cli {
    final int exit;
    final String out;
    final String err;

    Cli(int exit, String out, String err) {
      this.exit = exit;
      this.out = out;
      this.err = err;
    }
  }

  private static Cli cli(String... args) {
    return cliIn(home, args);
  }

  private static Cli cliIn(Path home, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] withHome = new String[args.length + 1];
    System.arraycopy(args, 0, withHome, 0, args.length);
    withHome[args.length] = "--home=" + home;
    int exit =
        LocalDatabase.run(
            withHome,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void execute(DatabaseConfig login, String sql) throws SQLException {
    try (Connection connection = login.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static long count(DatabaseConfig login, String sql) throws SQLException {
    try (Connection connection = login.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
