package dev.fieldflow.io.db;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local PostgreSQL server for development and demos: a real PostgreSQL (the binaries of the
 * zonky jar) with its data under {@code <FIELDFLOW_HOME>/pgdata}, listening on 127.0.0.1 only,
 * every login by SCRAM password. The server keeps running after the JVM that started it exits;
 * {@code stop} (or {@code manage.sh db stop}) stops it and keeps the data.
 *
 * <p>On the first start it creates {@code <FIELDFLOW_HOME>} (mode 700, with the marker {@value
 * #HOME_MARKER} when it creates it), the cluster, random passwords for the superuser, the writer,
 * the analyst and the monitor, and one file per role holding them (mode 600, see {@link LocalCredentials}). Every
 * start applies the migrations. {@link DatabaseConfig#resolve} falls back to this server's writer
 * when nothing else is configured.
 *
 * <p>Command line ({@code manage.sh db ...}): {@code start [--port=54329] | stop | status | url |
 * env}, each with an optional {@code --home=DIR} (default {@code $FIELDFLOW_HOME}, else {@code
 * .fieldflow} in the current directory). Exit codes: 0 done, 1 failed, 2 usage, 3 {@code status}
 * found the server not running.
 */
public final class LocalDatabase {
  private static final Logger LOG = LoggerFactory.getLogger(LocalDatabase.class);

  public static final int DEFAULT_PORT = 54329;
  public static final String ENV_HOME = "FIELDFLOW_HOME";

  static final String DATA_DIRECTORY = "pgdata";
  static final String LOG_FILE = "postgres.log";
  /** Our server settings, rewritten before every start, included last by postgresql.conf. */
  static final String SETTINGS_FILE = "fieldflow.conf";
  /**
   * In a FIELDFLOW_HOME that fieldflow created (here or in manage.sh): kill deletes only a
   * directory that has it.
   */
  public static final String HOME_MARKER = ".fieldflow-home";

  private static final Set<PosixFilePermission> PRIVATE_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  private final Path home;

  private LocalDatabase(Path home) {
    this.home = home.toAbsolutePath().normalize();
  }

  /** The local database whose state lives in {@code home} (it need not exist yet). */
  public static LocalDatabase at(Path home) {
    return new LocalDatabase(home);
  }

  /** {@code $FIELDFLOW_HOME}, else {@code .fieldflow} under the current directory. */
  public static Path defaultHome() {
    return home(System.getenv());
  }

  static Path home(Map<String, String> env) {
    String configured = env.get(ENV_HOME);
    Path home = configured == null || configured.isBlank() ? Path.of(".fieldflow") : Path.of(configured.trim());
    return home.toAbsolutePath().normalize();
  }

  public Path home() {
    return home;
  }

  /**
   * {@code <home>/credentials.env}, the writer's: each role has its own file ({@link
   * LocalCredentials}).
   */
  public Path credentialsFile() {
    return LocalCredentials.file(home);
  }

  Path dataDirectory() {
    return home.resolve(DATA_DIRECTORY);
  }

  Path logFile() {
    return home.resolve(LOG_FILE);
  }

  /** Whether the cluster has been created (it may be stopped). */
  public boolean isInitialized() {
    return Files.isRegularFile(dataDirectory().resolve("PG_VERSION"));
  }

  /**
   * Whether a server runs on this data directory: the postmaster named in {@code postmaster.pid}
   * is alive. Needs no binaries, so {@code status} is instant.
   */
  public boolean isRunning() {
    Path pidFile = dataDirectory().resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      long pid = Long.parseLong(lines.get(0).strip());
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .map(p -> p.info().command().map(c -> c.contains("postgres")).orElse(true))
          .orElse(false);
    } catch (IOException | RuntimeException noPidFile) {
      return false;
    }
  }

  /** The server's JDBC URL (no password in it). */
  public String jdbcUrl() {
    return credentials().jdbcUrl();
  }

  /** The pipelines' login. */
  public DatabaseConfig writer() {
    return credentials().writer();
  }

  /** The analysts' read-only login. */
  public DatabaseConfig analyst() {
    return credentials().analyst();
  }

  /** The console's monitor login: reads the ledger and the quarantine, writes nothing. */
  public DatabaseConfig monitor() {
    return credentials().monitor();
  }

  /** The superuser; for migrations and administration only. */
  public DatabaseConfig admin() {
    return credentials().admin();
  }

  private LocalCredentials credentials() {
    return LocalCredentials.read(home)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no local database in " + home + ": start it with ./manage.sh db start"));
  }

  /** {@link #start(int)} on the port it had before, or {@link #DEFAULT_PORT} the first time. */
  public boolean start() {
    return start(OptionalInt.empty()).startedNow;
  }

  /**
   * Starts the server (creating it on first use) and applies the migrations. Safe to call when it
   * already runs: then it only applies the migrations, and a different {@code port} is ignored
   * (stop it first to move it).
   *
   * @return true if this call started the server, false if it was already running
   */
  public boolean start(int port) {
    return start(OptionalInt.of(port)).startedNow;
  }

  static final class Started {
    final boolean startedNow;
    final int port;
    final int migrationsApplied;
    final String version;

    Started(boolean startedNow, int port, int migrationsApplied, String version) {
      this.startedNow = startedNow;
      this.port = port;
      this.migrationsApplied = migrationsApplied;
      this.version = version;
    }
  }

  Started start(OptionalInt requestedPort) {
    createPrivateDirectory(home);
    return locked(() -> {
      PostgresBinaries binaries = PostgresBinaries.unpackedUnder(home.resolve("postgres"));
      LocalCredentials credentials;
      if (isInitialized()) {
        credentials =
            LocalCredentials.read(home)
                .filter(LocalCredentials::complete)
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            dataDirectory()
                                + " exists but the credentials files ("
                                + LocalCredentials.FILE_NAME + ", "
                                + LocalCredentials.ANALYST_FILE_NAME + ", "
                                + LocalCredentials.ADMIN_FILE_NAME
                                + ") are not all there, so passwords are lost; restore them, or"
                                + " delete "
                                + home
                                + " to start over (loses the local data)"));
        boolean combined = credentials.combinedFile;
        boolean noMonitor = credentials.monitorUser == null;
        credentials = credentials.withMonitor();
        if (combined || noMonitor) {
          // An older home kept every role in credentials.env, or had no monitor login: one file
          // per role from now on, the monitor's among them.
          credentials.write(home);
          LOG.info("wrote one credentials file per role in {}{}", home,
              noMonitor ? ", the monitor's (" + LocalCredentials.MONITOR_FILE_NAME + ") new" : "");
        }
      } else {
        credentials = LocalCredentials.generate(requestedPort.orElse(DEFAULT_PORT));
        initialize(binaries, credentials);
      }

      boolean startedNow = false;
      if (!isRunning()) {
        int port = requestedPort.orElse(credentials.port);
        // Before anything is rewritten: a failed start must leave the old port on record.
        checkPortFree(port);
        if (port != credentials.port) {
          credentials = credentials.withPort(port);
          credentials.write(home);
        }
        startServer(binaries, port);
        startedNow = true;
      }
      int applied = provision(credentials);
      return new Started(startedNow, credentials.port, applied, binaries.version());
    });
  }

  /**
   * Stops the server ({@code pg_ctl stop -m fast}: open sessions are ended, transactions rolled
   * back, data kept).
   *
   * @return true if it was running
   */
  public boolean stop() {
    if (!isRunning()) {
      return false;
    }
    return locked(() -> {
      if (!isRunning()) {
        return false;
      }
      PostgresBinaries binaries = PostgresBinaries.unpackedUnder(home.resolve("postgres"));
      PostgresBinaries.Result result =
          binaries.run(
              "pg_ctl", "stop", "-D", dataDirectory().toString(), "-m", "fast", "-w", "-t", "60");
      if (result.exitCode != 0) {
        throw new IllegalStateException(
            "pg_ctl stop failed for " + dataDirectory() + ": " + result.output + "; see " + logFile());
      }
      LOG.info("stopped PostgreSQL on {}", dataDirectory());
      return true;
    });
  }

  /**
   * Creates the cluster. The credentials file is written before initdb: if initdb fails the next
   * start finds no cluster and begins again with fresh passwords, never a cluster without them.
   */
  private void initialize(PostgresBinaries binaries, LocalCredentials credentials) throws IOException {
    Path data = dataDirectory();
    if (Files.exists(data)) {
      try (Stream<Path> entries = Files.list(data)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalStateException(
              data + " is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away,"
                  + " then start again");
        }
      }
    }
    credentials.write(home);
    Path passwordFile =
        Files.createTempFile(
            home, ".initdb-", ".pw", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(passwordFile, credentials.adminPassword + "\n", StandardCharsets.UTF_8);
      // SCRAM from the very first start: the cluster never accepts a login without a password.
      PostgresBinaries.Result result =
          binaries.run(
              "initdb",
              "-D", data.toString(),
              "-U", credentials.adminUser,
              "--pwfile=" + passwordFile,
              "--auth=scram-sha-256",
              "--encoding=UTF8",
              "--locale=C");
      if (result.exitCode != 0) {
        throw new IllegalStateException(
            "initdb failed for " + data + ": " + lastLines(result.output, 3));
      }
    } finally {
      Files.deleteIfExists(passwordFile);
    }
    Files.writeString(
        data.resolve("postgresql.conf"),
        "\n# fieldflow's settings (port, addresses), rewritten before every start.\n"
            + "include_if_exists = '" + SETTINGS_FILE + "'\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    LOG.info("created PostgreSQL cluster {}", data);
  }

  private void startServer(PostgresBinaries binaries, int port) throws IOException {
    Files.writeString(
        dataDirectory().resolve(SETTINGS_FILE),
        "# Written by fieldflow before every start; edits here are overwritten.\n"
            + "port = " + port + "\n"
            + "listen_addresses = '" + LocalCredentials.HOST + "'\n"
            // TCP only: no socket file in /tmp to collide with another server, no path-length limit.
            + "unix_socket_directories = ''\n"
            + "password_encryption = 'scram-sha-256'\n"
            + "timezone = 'UTC'\n"
            + "log_timezone = 'UTC'\n",
        StandardCharsets.UTF_8);
    // pg_ctl puts the postmaster in its own session with its output in the log file, so it
    // survives this JVM and holds none of our pipes.
    PostgresBinaries.Result result =
        binaries.run(
            "pg_ctl", "start",
            "-D", dataDirectory().toString(),
            "-l", logFile().toString(),
            "-w", "-t", "60");
    if (result.exitCode != 0) {
      throw new IllegalStateException(
          "PostgreSQL did not start on port " + port + ": " + lastServerError() + "; see " + logFile());
    }
    LOG.info("started PostgreSQL on 127.0.0.1:{} with data in {}", port, dataDirectory());
  }

  private static void checkPortFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(LocalCredentials.HOST), port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "port " + port + " on " + LocalCredentials.HOST
              + " is taken by another program; start with --port=N (a free port)");
    }
  }

  /**
   * Everything that makes a running server usable, safe to repeat: the database exists, the
   * schema is migrated (as the superuser), the writer, the analyst and the monitor can log in
   * with the passwords of {@code credentials}. Shared with the tests' embedded server.
   *
   * @return how many migrations ran
   */
  static int provision(LocalCredentials credentials) {
    createDatabaseIfMissing(credentials);
    int applied = Migrations.apply(credentials.admin(), credentials.writerUser,
        credentials.analystUser, credentials.monitorUser);
    try (Connection connection = credentials.admin().dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      PGConnection pg = connection.unwrap(PGConnection.class);
      for (String[] login :
          new String[][] {
            {credentials.writerUser, credentials.writerPassword},
            {credentials.analystUser, credentials.analystPassword},
            {credentials.monitorUser, credentials.monitorPassword}
          }) {
        statement.execute("ALTER ROLE " + login[0] + " LOGIN");
        // Hashed on this side: the password never travels, nor lands in a server log, in clear.
        pg.alterUserPassword(login[0], login[1].toCharArray(), "scram-sha-256");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot enable the logins of " + credentials.writerUser + ", " + credentials.analystUser
              + " and " + credentials.monitorUser
              + " at " + credentials.admin().describe() + ": " + e.getMessage(),
          e);
    }
    return applied;
  }

  private static void createDatabaseIfMissing(LocalCredentials credentials) {
    DatabaseConfig maintenance = credentials.adminOnMaintenanceDatabase();
    try (Connection connection = maintenance.dataSource().getConnection();
        PreparedStatement exists =
            connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, LocalCredentials.DATABASE);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (Statement create = connection.createStatement()) {
        create.execute("CREATE DATABASE " + LocalCredentials.DATABASE + " ENCODING 'UTF8'");
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create database " + LocalCredentials.DATABASE + " at " + maintenance.describe()
              + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * Runs {@code action} holding an exclusive lock on {@code <home>/.lock}, so that two shells
   * running {@code manage.sh db start} do not both initialize or start the server.
   */
  private <T> T locked(LockedAction<T> action) {
    try (FileChannel channel =
        FileChannel.open(home.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      channel.lock(); // released when the channel closes
      return action.run();
    } catch (IOException e) {
      throw new UncheckedIOException("in " + home + ": " + reason(e), e);
    }
  }

  @FunctionalInterface
  private interface LockedAction<T> {
    T run() throws IOException;
  }

  private String lastServerError() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0 && i >= lines.size() - 20; i--) {
        String line = lines.get(i);
        if (line.contains("FATAL") || line.contains("ERROR")) {
          return line.strip();
        }
      }
      return lines.isEmpty() ? "empty server log" : lines.get(lines.size() - 1).strip();
    } catch (IOException e) {
      return "no server log";
    }
  }

  private static String lastLines(String text, int n) {
    String[] lines = text.split("\n");
    return String.join(" / ", List.of(lines).subList(Math.max(0, lines.length - n), lines.length));
  }

  /** An I/O failure in words; java.nio's exceptions often carry nothing but the path. */
  static String reason(IOException e) {
    if (e instanceof FileSystemException) {
      FileSystemException f = (FileSystemException) e;
      String what =
          f instanceof AccessDeniedException ? "permission denied"
              : f instanceof NoSuchFileException ? "no such file or directory"
              : f instanceof FileAlreadyExistsException ? "already exists"
              : f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
      return what + ": " + f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "");
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /**
   * Creates FIELDFLOW_HOME private (mode 700) from its first instant, with the marker that lets
   * {@code manage.sh kill} delete it; a directory that already exists is left as it is (fieldflow
   * did not create it, so kill must not delete it).
   */
  private static void createPrivateDirectory(Path directory) {
    try {
      if (!Files.isDirectory(directory)) {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        Files.setPosixFilePermissions(directory, PRIVATE_DIRECTORY);
        Files.writeString(directory.resolve(HOME_MARKER),
            "Created by fieldflow: ./manage.sh kill may delete this directory.\n",
            StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory + ": " + reason(e), e);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Command line
  // ---------------------------------------------------------------------------------------

  private static final String USAGE =
      "usage: LocalDatabase start [--port=N] | stop | status | url | env  [--home=DIR]";

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    String command = null;
    OptionalInt port = OptionalInt.empty();
    Optional<Path> home = Optional.empty();
    for (String arg : args) {
      if (arg.startsWith("--port=")) {
        try {
          int p = Integer.parseInt(arg.substring("--port=".length()));
          if (p < 1 || p > 65535) {
            throw new NumberFormatException();
          }
          port = OptionalInt.of(p);
        } catch (NumberFormatException e) {
          err.println("fieldflow db: " + arg + " is not a port number (1-65535)");
          return 2;
        }
      } else if (arg.startsWith("--home=")) {
        home = Optional.of(Path.of(arg.substring("--home=".length())));
      } else if (!arg.startsWith("-") && command == null) {
        command = arg;
      } else {
        err.println("fieldflow db: unknown argument " + arg + "\n" + USAGE);
        return 2;
      }
    }
    if (command == null) {
      err.println(USAGE);
      return 2;
    }
    LocalDatabase db = at(home.orElseGet(LocalDatabase::defaultHome));
    try {
      switch (command) {
        case "start":
          return runStart(db, port, out);
        case "stop":
          out.println(
              db.stop()
                  ? "PostgreSQL stopped; data kept in " + db.dataDirectory()
                  : "PostgreSQL is not running (" + db.dataDirectory() + ")");
          return 0;
        case "status":
          return runStatus(db, out);
        case "url":
          out.println(DatabaseConfig.maskSecrets(db.jdbcUrl()));
          return 0;
        case "env":
          if (!Files.isRegularFile(db.credentialsFile())) {
            err.println("fieldflow db: no " + db.credentialsFile() + "; start the database with ./manage.sh db start");
            return 1;
          }
          out.println(db.credentialsFile());
          return 0;
        case "help":
          out.println(USAGE);
          return 0;
        default:
          err.println("fieldflow db: unknown command " + command + "\n" + USAGE);
          return 2;
      }
    } catch (RuntimeException e) {
      err.println("fieldflow db " + command + ": " + e.getMessage());
      LOG.debug("fieldflow db {} failed", command, e);
      return 1;
    }
  }

  private static int runStart(LocalDatabase db, OptionalInt port, PrintStream out) {
    Started started = db.start(port);
    String url = DatabaseConfig.maskSecrets(db.jdbcUrl());
    if (started.startedNow) {
      out.println(
          "PostgreSQL " + started.version + " started at " + url
              + " (data " + db.dataDirectory() + ", log " + db.logFile() + ")");
    } else {
      out.println("PostgreSQL " + started.version + " already running at " + url);
      if (port.isPresent() && port.getAsInt() != started.port) {
        out.println(
            "  --port=" + port.getAsInt() + " ignored: it runs on " + started.port
                + "; stop it first to move it");
      }
    }
    out.println(
        "schema " + Migrations.SCHEMA + " up to date"
            + (started.migrationsApplied > 0 ? " (" + started.migrationsApplied + " migration(s) applied)" : ""));
    out.println("credentials: " + db.credentialsFile() + " (writer), "
        + LocalCredentials.analystFile(db.home()) + " (analyst), "
        + LocalCredentials.monitorFile(db.home()) + " (monitor: the console's ingestion pages), "
        + LocalCredentials.adminFile(db.home()) + " (admin)");
    return 0;
  }

  private static int runStatus(LocalDatabase db, PrintStream out) {
    if (!db.isInitialized()) {
      out.println("not initialized: no database in " + db.home() + "; start it with ./manage.sh db start");
      return 3;
    }
    String url = DatabaseConfig.maskSecrets(db.jdbcUrl());
    if (db.isRunning()) {
      out.println("running: " + url + " (data " + db.dataDirectory() + ")");
      return 0;
    }
    out.println("stopped: " + url + " (data " + db.dataDirectory() + ")");
    return 3;
  }
}
