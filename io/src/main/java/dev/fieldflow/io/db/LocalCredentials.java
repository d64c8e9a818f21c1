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
 * The logins of a local PostgreSQL server that fieldflow started itself, and their file
 * {@code <FIELDFLOW_HOME>/credentials.env}: shell-sourceable {@code KEY=value} lines, mode 600,
 * written once when the server is initialized. The passwords are random and exist nowhere else.
 */
final class LocalCredentials {
  static final String FILE_NAME = "credentials.env";
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

  private LocalCredentials(
      int port,
      String writerUser,
      String writerPassword,
      String analystUser,
      String analystPassword,
      String adminUser,
      String adminPassword) {
    this.port = port;
    this.writerUser = writerUser;
    this.writerPassword = writerPassword;
    this.analystUser = analystUser;
    this.analystPassword = analystPassword;
    this.adminUser = adminUser;
    this.adminPassword = adminPassword;
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
        randomPassword());
  }

  LocalCredentials withPort(int newPort) {
    return new LocalCredentials(
        newPort, writerUser, writerPassword, analystUser, analystPassword, adminUser, adminPassword);
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
    return DatabaseConfig.of(jdbcUrl(), writerUser, writerPassword);
  }

  DatabaseConfig analyst() {
    return DatabaseConfig.of(jdbcUrl(), analystUser, analystPassword);
  }

  DatabaseConfig admin() {
    return DatabaseConfig.of(jdbcUrl(), adminUser, adminPassword);
  }

  /** The superuser on the {@code postgres} maintenance database, to create {@code fieldflow}. */
  DatabaseConfig adminOnMaintenanceDatabase() {
    return DatabaseConfig.of(jdbcUrl("postgres"), adminUser, adminPassword);
  }

  Optional<String> passwordOf(String user) {
    if (writerUser.equals(user)) {
      return Optional.of(writerPassword);
    }
    if (analystUser.equals(user)) {
      return Optional.of(analystPassword);
    }
    if (adminUser.equals(user)) {
      return Optional.of(adminPassword);
    }
    return Optional.empty();
  }

  static Path file(Path home) {
    return home.resolve(FILE_NAME);
  }

  /** The credentials under {@code home}, or empty when there is no file. */
  static Optional<LocalCredentials> read(Path home) {
    Path file = file(home);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
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
    int port;
    try {
      port = Integer.parseInt(required(values, KEY_PORT, file));
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          file + ": " + KEY_PORT + " is not a port number; " + RECOVERY_HINT, e);
    }
    return Optional.of(
        new LocalCredentials(
            port,
            required(values, KEY_WRITER_USER, file),
            required(values, KEY_WRITER_PASSWORD, file),
            required(values, KEY_ANALYST_USER, file),
            required(values, KEY_ANALYST_PASSWORD, file),
            required(values, KEY_ADMIN_USER, file),
            required(values, KEY_ADMIN_PASSWORD, file)));
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

  /** Writes the file atomically, readable by its owner only from the first byte on. */
  void write(Path home) {
    Path file = file(home);
    StringBuilder text = new StringBuilder();
    text.append("# fieldflow's local PostgreSQL, written by `manage.sh db start` on ")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(".\n")
        .append("# Secret: keep it private (mode 600), never commit it. Load it into a shell with\n")
        .append("#   set -a; . ").append(file).append("; set +a\n")
        .append("# The pipelines log in as the writer:\n");
    line(text, KEY_URL, jdbcUrl());
    line(text, KEY_WRITER_USER, writerUser);
    line(text, KEY_WRITER_PASSWORD, writerPassword);
    text.append("# Analysts read the model (psql -h $FIELDFLOW_DB_HOST -p $FIELDFLOW_DB_PORT")
        .append(" -U $FIELDFLOW_ANALYST_USER $FIELDFLOW_DB_NAME):\n");
    line(text, KEY_HOST, HOST);
    line(text, KEY_PORT, Integer.toString(port));
    line(text, KEY_NAME, DATABASE);
    line(text, KEY_ANALYST_USER, analystUser);
    line(text, KEY_ANALYST_PASSWORD, analystPassword);
    text.append("# Superuser, for migrations and administration only:\n");
    line(text, KEY_ADMIN_USER, adminUser);
    line(text, KEY_ADMIN_PASSWORD, adminPassword);

    try {
      Path temp =
          Files.createTempFile(
              home, ".credentials-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
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
