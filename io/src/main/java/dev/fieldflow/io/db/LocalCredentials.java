package dev.fieldflow.io.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The logins of a local PostgreSQL server that fieldflow started itself, and their files under
 * {@code <FIELDFLOW_HOME>}: one per role, so a consumer that needs one login is given (and reads)
 * only that role's password. Each holds shell-sourceable {@code KEY=value} lines with the
 * connection (URL, host, port, database) and the role's user and password, mode 600, written when
 * the server is initialized. The passwords are random and exist nowhere else.
 *
 * <ul>
 *   <li>{@code credentials.env}: the writer (the pipelines); its name and keys are those of the
 *       single file older versions wrote, so scripts that source it for the writer still work;
 *   <li>{@code credentials-analyst.env}: the analyst (queries, {@code db psql --analyst});
 *   <li>{@code credentials-monitor.env}: the monitor (the console's Ingestion page and {@code
 *       /metrics}: reads the ledger and the quarantine, writes nothing); a home made before it
 *       existed gets it at the next {@code db start};
 *   <li>{@code credentials-admin.env}: the superuser (migrations, administration).
 * </ul>
 *
 * <p>An older home whose {@code credentials.env} holds every role is still read, and {@code db
 * start} splits it.
 */
final class LocalCredentials {
  static final String FILE_NAME = "credentials.env";
  static final String ANALYST_FILE_NAME = "credentials-analyst.env";
  static final String ADMIN_FILE_NAME = "credentials-admin.env";
  static final String MONITOR_FILE_NAME = "credentials-monitor.env";
  static final String HOST = "127.0.0.1";
  static final String DATABASE = "fieldflow";
  static final String ADMIN_USER = "postgres";

  static final String KEY_URL = DatabaseConfig.ENV_JDBC_URL;
  static final String KEY_HOST = "FIELDFLOW_DB_HOST";
  static final String KEY_PORT = "FIELDFLOW_DB_PORT";
  static final String KEY_NAME = "FIELDFLOW_DB_NAME";
  static final String KEY_WRITER_USER = DatabaseConfig.ENV_USER;
  static final String KEY_WRITER_PASSWORD = DatabaseConfig.ENV_PASSWORD;
  static final String KEY_ANALYST_USER = "FIELDFLOW_ANALYST_USER";
  static final String KEY_ANALYST_PASSWORD = "FIELDFLOW_ANALYST_PASSWORD";
  static final String KEY_ADMIN_USER = "FIELDFLOW_ADMIN_USER";
  static final String KEY_ADMIN_PASSWORD = "FIELDFLOW_ADMIN_PASSWORD";
  static final String KEY_MONITOR_USER = DatabaseConfig.ENV_MONITOR_USER;
  static final String KEY_MONITOR_PASSWORD = DatabaseConfig.ENV_MONITOR_PASSWORD;

  /** Values go into the file unquoted, so they must need no quoting in a shell. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:@=-]+");
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final SecureRandom RANDOM = new SecureRandom();

  final int port;
  final String writerUser;
  final String writerPassword;
  final String analystUser;
  final String analystPassword;
  final String adminUser;
  final String adminPassword;
  /** Null for a home made before the monitor role: {@link #withMonitor} adds it. */
  final String monitorUser;
  final String monitorPassword;
  /** Read from a single file holding every role, as older versions wrote it. */
  final boolean combinedFile;

  private LocalCredentials(
      int port,
      String writerUser,
      String writerPassword,
      String analystUser,
      String analystPassword,
      String adminUser,
      String adminPassword,
      String monitorUser,
      String monitorPassword,
      boolean combinedFile) {
    this.port = port;
    this.writerUser = writerUser;
    this.writerPassword = writerPassword;
    this.analystUser = analystUser;
    this.analystPassword = analystPassword;
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
    this.monitorUser = monitorUser;
    this.monitorPassword = monitorPassword;
    this.combinedFile = combinedFile;
  }

  /** Fresh random passwords for the default roles of the migrations. */
  static LocalCredentials generate(int port) {
    return new LocalCredentials(
        port,
        Migrations.DEFAULT_WRITER_ROLE,
        randomPassword(),
        Migrations.DEFAULT_ANALYST_ROLE,
        randomPassword(),
        ADMIN_USER,
        randomPassword(),
        Migrations.DEFAULT_MONITOR_ROLE,
        randomPassword(),
        false);
  }

  LocalCredentials withPort(int newPort) {
    return new LocalCredentials(
        newPort, writerUser, writerPassword, analystUser, analystPassword, adminUser, adminPassword,
        monitorUser, monitorPassword, combinedFile);
  }

  /** These credentials with a monitor login (a fresh random password) if they have none. */
  LocalCredentials withMonitor() {
    if (monitorUser != null) {
      return this;
    }
    return new LocalCredentials(
        port, writerUser, writerPassword, analystUser, analystPassword, adminUser, adminPassword,
        Migrations.DEFAULT_MONITOR_ROLE, randomPassword(), combinedFile);
  }

  String jdbcUrl() {
    return jdbcUrl(DATABASE);
  }

  private String jdbcUrl(String database) {
    return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
  }

  String writerUser() {
    return writerUser;
  }

  DatabaseConfig writer() {
    return DatabaseConfig.of(jdbcUrl(), present(writerUser, FILE_NAME), writerPassword);
  }

  DatabaseConfig analyst() {
    return DatabaseConfig.of(jdbcUrl(), present(analystUser, ANALYST_FILE_NAME), analystPassword);
  }

  DatabaseConfig monitor() {
    return DatabaseConfig.of(jdbcUrl(), present(monitorUser, MONITOR_FILE_NAME), monitorPassword);
  }

  DatabaseConfig admin() {
    return DatabaseConfig.of(jdbcUrl(), present(adminUser, ADMIN_FILE_NAME), adminPassword);
  }

  /** The superuser on the {@code postgres} maintenance database, to create {@code fieldflow}. */
  DatabaseConfig adminOnMaintenanceDatabase() {
    return DatabaseConfig.of(jdbcUrl("postgres"), present(adminUser, ADMIN_FILE_NAME), adminPassword);
  }

  /** Whether every role's login is known (the local server can be started and provisioned). */
  boolean complete() {
    return writerUser != null && analystUser != null && adminUser != null;
  }

  private static String present(String user, String fileName) {
    if (user == null) {
      throw new IllegalStateException(
          "no " + fileName + " in the local database's directory: this login is not available"
              + " here; copy the file from the machine that ran ./manage.sh db start");
    }
    return user;
  }

  /** The password of {@code user}, if it is one of the roles read. */
  Optional<String> passwordOf(String user) {
    if (user == null) {
      return Optional.empty();
    }
    if (user.equals(writerUser)) {
      return Optional.of(writerPassword);
    }
    if (user.equals(analystUser)) {
      return Optional.of(analystPassword);
    }
    if (user.equals(adminUser)) {
      return Optional.of(adminPassword);
    }
    if (user.equals(monitorUser)) {
      return Optional.of(monitorPassword);
    }
    return Optional.empty();
  }

  /** The writer's file, {@code credentials.env}. */
  static Path file(Path home) {
    return home.resolve(FILE_NAME);
  }

  static Path analystFile(Path home) {
    return home.resolve(ANALYST_FILE_NAME);
  }

  static Path adminFile(Path home) {
    return home.resolve(ADMIN_FILE_NAME);
  }

  static Path monitorFile(Path home) {
    return home.resolve(MONITOR_FILE_NAME);
  }

  /**
   * The credentials under {@code home}, from whichever of the four files exist (a role whose
   * file is missing is not available), or empty when there is none.
   */
  static Optional<LocalCredentials> read(Path home) {
    Map<String, String> values = new HashMap<>();
    Path anyFile = null;
    boolean combined = false;
    for (Path file : List.of(monitorFile(home), analystFile(home), adminFile(home), file(home))) {
      if (Files.isRegularFile(file)) {
        Map<String, String> read = readFile(file);
        values.putAll(read);
        anyFile = file;
        combined |= file.equals(file(home)) && read.containsKey(KEY_ADMIN_PASSWORD);
      }
    }
    if (anyFile == null) {
      return Optional.empty();
    }
    int port;
    try {
      port = Integer.parseInt(required(values, KEY_PORT, anyFile));
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          anyFile + ": " + KEY_PORT + " is not a port number; " + RECOVERY_HINT, e);
    }
    return Optional.of(
        new LocalCredentials(
            port,
            values.get(KEY_WRITER_USER),
            role(values, KEY_WRITER_USER, KEY_WRITER_PASSWORD, file(home)),
            values.get(KEY_ANALYST_USER),
            role(values, KEY_ANALYST_USER, KEY_ANALYST_PASSWORD, analystFile(home)),
            values.get(KEY_ADMIN_USER),
            role(values, KEY_ADMIN_USER, KEY_ADMIN_PASSWORD, adminFile(home)),
            values.get(KEY_MONITOR_USER),
            role(values, KEY_MONITOR_USER, KEY_MONITOR_PASSWORD, monitorFile(home)),
            combined));
  }

  private static Map<String, String> readFile(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + LocalDatabase.reason(e), e);
    }
    Map<String, String> values = new HashMap<>();
    for (String line : lines) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      if (trimmed.startsWith("export ")) {
        trimmed = trimmed.substring("export ".length()).strip();
      }
      int eq = trimmed.indexOf('=');
      if (eq > 0) {
        values.put(trimmed.substring(0, eq), unquote(trimmed.substring(eq + 1)));
      }
    }
    return values;
  }

  /** A role's password when its user is there (a user without its password is a damaged file). */
  private static String role(Map<String, String> values, String userKey, String passwordKey,
      Path file) {
    String user = values.get(userKey);
    if (user == null || user.isEmpty()) {
      return null;
    }
    return required(values, passwordKey, file);
  }

  private static final String RECOVERY_HINT =
      "restore the file, or delete the whole .fieldflow directory to start over (loses the"
          + " local data)";

  private static String required(Map<String, String> values, String key, Path file) {
    String value = values.get(key);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(file + " lacks " + key + "; " + RECOVERY_HINT);
    }
    return value;
  }

  private static String unquote(String value) {
    if (value.length() >= 2
        && (value.startsWith("'") && value.endsWith("'")
            || value.startsWith("\"") && value.endsWith("\""))) {
      return value.substring(1, value.length() - 1);
    }
    return value;
  }

  /**
   * Writes the files (the monitor's when there is a monitor login), each atomically and readable
   * by its owner only from the first byte on. The writer's file comes last: it replaces an older
   * combined file only once the others are in place.
   */
  void write(Path home) {
    if (!complete()) {
      throw new IllegalStateException("cannot write partial credentials to " + home);
    }
    StringBuilder analyst = header(home, analystFile(home),
        "# The analysts' read-only login (./manage.sh query, ./manage.sh db psql --analyst):\n");
    line(analyst, KEY_ANALYST_USER, analystUser);
    line(analyst, KEY_ANALYST_PASSWORD, analystPassword);
    writePrivately(analystFile(home), analyst);

    StringBuilder admin = header(home, adminFile(home),
        "# The superuser, for migrations and administration only:\n");
    line(admin, KEY_ADMIN_USER, adminUser);
    line(admin, KEY_ADMIN_PASSWORD, adminPassword);
    writePrivately(adminFile(home), admin);

    if (monitorUser != null) {
      StringBuilder monitor = header(home, monitorFile(home),
          "# The console's Ingestion page and /metrics: reads the ledger and the quarantine only:\n");
      line(monitor, KEY_MONITOR_USER, monitorUser);
      line(monitor, KEY_MONITOR_PASSWORD, monitorPassword);
      writePrivately(monitorFile(home), monitor);
    }

    StringBuilder writer = header(home, file(home), "# The pipelines log in as the writer:\n");
    line(writer, KEY_WRITER_USER, writerUser);
    line(writer, KEY_WRITER_PASSWORD, writerPassword);
    writePrivately(file(home), writer);
  }

  private StringBuilder header(Path home, Path file, String role) {
    StringBuilder text = new StringBuilder();
    text.append("# fieldflow's local PostgreSQL, written by `manage.sh db start` on ")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(".\n")
        .append("# Secret: keep it private (mode 600), never commit it. Load it into a shell with\n")
        .append("#   set -a; . ").append(file).append("; set +a\n")
        .append("# One file per role; the others are in ").append(home).append(".\n");
    line(text, KEY_URL, jdbcUrl());
    line(text, KEY_HOST, HOST);
    line(text, KEY_PORT, Integer.toString(port));
    line(text, KEY_NAME, DATABASE);
    text.append(role);
    return text;
  }

  private static void writePrivately(Path file, CharSequence text) {
    try {
      Path temp =
          Files.createTempFile(
              file.getParent(), ".credentials-", ".tmp",
              PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      try {
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        try {
          Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
      // A file that existed before keeps its mode through a rename onto it only on some
      // systems; state it.
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + LocalDatabase.reason(e), e);
    }
  }

  private static void line(StringBuilder text, String key, String value) {
    if (!SHELL_SAFE.matcher(value).matches()) {
      throw new IllegalArgumentException(key + " would need shell quoting");
    }
    text.append(key).append('=').append(value).append('\n');
  }

  /** 192 random bits, URL-safe Base64: 32 characters that need no quoting anywhere. */
  static String randomPassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public String toString() {
    return "LocalCredentials{" + jdbcUrl() + ", writer " + writerUser + ", analyst " + analystUser
        + ", admin " + adminUser + ", passwords ****}";
  }
}
