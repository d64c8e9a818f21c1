package dev.fieldflow.io.db;

import java.io.PrintWriter;
import java.io.Serializable;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.postgresql.Driver;
import org.postgresql.jdbcurlresolver.PgPassParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to reach PostgreSQL (JDBC URL, user, password), and the one place that turns that into
 * connections: {@link #dataSource()} for plain JDBC and Flyway, {@link #jdbcIoConfiguration()}
 * for Beam's {@code JdbcIO}.
 *
 * <p>Serializable because Beam {@code DoFn}s carry it to the workers. {@link #toString()} and
 * {@link #describe()} never show a password, also not one written into the URL.
 *
 * <p>{@link #resolve} applies the documented precedence (OPERATIONS.md): explicit values (pipeline
 * options) &gt; {@code FIELDFLOW_JDBC_URL}, {@code FIELDFLOW_DB_USER}, {@code FIELDFLOW_DB_PASSWORD}
 * &gt; {@code ~/.pgpass} (read by the driver itself) &gt; the local embedded database's writer
 * (from {@code .fieldflow/credentials.env}; any role from its own file, see {@link
 * LocalCredentials}).
 */
public final class DatabaseConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseConfig.class);

  public static final String ENV_JDBC_URL = "FIELDFLOW_JDBC_URL";
  public static final String ENV_USER = "FIELDFLOW_DB_USER";
  public static final String ENV_PASSWORD = "FIELDFLOW_DB_PASSWORD";
  /** The console's monitor login (reads the ledger and the quarantine only; V21). */
  public static final String ENV_MONITOR_USER = "FIELDFLOW_MONITOR_USER";
  public static final String ENV_MONITOR_PASSWORD = "FIELDFLOW_MONITOR_PASSWORD";

  public static final Duration DEFAULT_REACHABLE_TIMEOUT = Duration.ofSeconds(30);

  static final String DRIVER = "org.postgresql.Driver";
  static final String APPLICATION_NAME = "fieldflow";
  static final int CONNECT_TIMEOUT_SECONDS = 10;
  /** Covers connect, TLS and authentication together. */
  static final int LOGIN_TIMEOUT_SECONDS = 20;
  /**
   * A read that waits longer than this is a dead peer (a server that vanished without closing
   * the socket), not a slow statement: the largest statements, a network snapshot swap, take
   * seconds.
   */
  static final int SOCKET_TIMEOUT_SECONDS = 300;

  private static final String MASK = "****";
  private static final Pattern URL_PASSWORD_PARAMETER =
      Pattern.compile("(?i)([?&;](?:ssl)?password=)[^&;]*");
  private static final Pattern URL_USER_INFO = Pattern.compile("(//[^/@:?]*:)[^/@?]*@");
  private static final Pattern URL_PASSWORD_VALUE = Pattern.compile("(?i)(?:ssl)?password=([^&;]*)");
  private static final Pattern URL_USER_INFO_PASSWORD = Pattern.compile("//[^/@:?]*:([^/@?]*)@");

  private final String jdbcUrl;
  private final String user;
  private final String password;

  private DatabaseConfig(String jdbcUrl, String user, String password) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  /**
   * Exactly these values, no lookup.
   *
   * @param user the role to log in as, or null for the URL's {@code user} parameter or the
   *     driver's default
   * @param password or null to let the driver look in {@code ~/.pgpass} (or the URL)
   * @throws IllegalArgumentException if {@code jdbcUrl} is not a PostgreSQL JDBC URL
   */
  public static DatabaseConfig of(String jdbcUrl, String user, String password) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    String url = jdbcUrl.trim();
    if (Driver.parseURL(url, null) == null) {
      throw new IllegalArgumentException(
          "not a PostgreSQL JDBC URL: '" + maskSecrets(url)
              + "'; expected jdbc:postgresql://host:port/database");
    }
    return new DatabaseConfig(url, blankToNull(user), emptyToNull(password));
  }

  /**
   * Resolves each value by the documented precedence; any explicit argument may be null.
   *
   * @throws DatabaseUnavailableException if no URL is given anywhere and there is no local
   *     embedded database
   */
  public static DatabaseConfig resolve(String jdbcUrl, String user, String password) {
    return resolve(jdbcUrl, user, password, System.getenv());
  }

  static DatabaseConfig resolve(
      String jdbcUrl, String user, String password, Map<String, String> env) {
    Path home = LocalDatabase.home(env);
    String url = firstNonBlank(jdbcUrl, env.get(ENV_JDBC_URL));
    Optional<LocalCredentials> local;
    if (url == null) {
      local = LocalCredentials.read(home);
    } else {
      // Only consulted for a password; a damaged file must not stop a configured server.
      try {
        local = LocalCredentials.read(home);
      } catch (RuntimeException unreadable) {
        LOG.warn("ignoring {}: {}", home.resolve(LocalCredentials.FILE_NAME), unreadable.getMessage());
        local = Optional.empty();
      }
    }
    if (url == null) {
      url =
          local
              .map(LocalCredentials::jdbcUrl)
              .orElseThrow(
                  () ->
                      new DatabaseUnavailableException(
                          "no PostgreSQL configured: set --jdbcUrl or "
                              + ENV_JDBC_URL
                              + ", or start the local database with ./manage.sh db start (no "
                              + home.resolve(LocalCredentials.FILE_NAME)
                              + ")"));
    }
    boolean localServer = local.isPresent() && local.get().jdbcUrl().equals(url.trim());

    String resolvedUser = firstNonBlank(user, env.get(ENV_USER));
    if (resolvedUser == null && localServer) {
      resolvedUser = local.get().writerUser();
    }

    String resolvedPassword = firstNonEmpty(password, env.get(ENV_PASSWORD));
    if (resolvedPassword == null && localServer && !inPgpass(url, resolvedUser)) {
      resolvedPassword = local.get().passwordOf(resolvedUser).orElse(null);
    }
    return of(url, resolvedUser, resolvedPassword);
  }

  /**
   * The login of a role that has its own environment variables (the analyst's, the monitor's):
   * URL as {@link #resolve}; user {@code env[userVariable]}, else {@code defaultRole}; password
   * {@code env[passwordVariable]}, else what {@link #resolve} finds for that user (~/.pgpass,
   * the local database's credentials).
   */
  public static DatabaseConfig resolveRole(String jdbcUrl, Map<String, String> env,
      String userVariable, String defaultRole, String passwordVariable) {
    String user = env.getOrDefault(userVariable, "");
    if (user.isBlank()) {
      user = defaultRole;
    }
    return resolve(jdbcUrl, user.strip(), emptyToNull(env.get(passwordVariable)));
  }

  /** The same server and database as another role. */
  DatabaseConfig withUser(String otherUser, String otherPassword) {
    return of(jdbcUrl, otherUser, otherPassword);
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  /** The role to log in as; null means the URL's {@code user} parameter or the driver default. */
  public String user() {
    return user;
  }

  /**
   * The password to hand to a driver, or null (then the driver reads {@code ~/.pgpass}). Never
   * log it; log {@link #describe()}.
   */
  public String password() {
    return password;
  }

  /** For messages and logs: {@code jdbc:postgresql://host:5432/fieldflow (user fieldflow_writer)}. */
  public String describe() {
    return maskSecrets(jdbcUrl) + " (user " + scrub(displayUser()) + ")";
  }

  /**
   * {@code text} with every password written into this config's URL replaced by ****: the
   * driver repeats the URL's parts in its own messages ({@code unknown host u:SECRET@host}), and
   * reads {@code user=x;password=SECRET} as one user name.
   */
  public String scrub(String text) {
    if (text == null || jdbcUrl == null) {
      return text;
    }
    String scrubbed = text;
    for (Pattern secret : List.of(URL_PASSWORD_VALUE, URL_USER_INFO_PASSWORD)) {
      Matcher m = secret.matcher(jdbcUrl);
      while (m.find()) {
        if (!m.group(1).isEmpty()) {
          scrubbed = scrubbed.replace(m.group(1), MASK);
        }
      }
    }
    return scrubbed;
  }

  @Override
  public String toString() {
    return "DatabaseConfig{jdbcUrl="
        + maskSecrets(jdbcUrl)
        + ", user="
        + displayUser()
        + ", password="
        + (password == null ? "none" : MASK)
        + "}";
  }

  /** Replaces passwords written into a JDBC URL ({@code ?password=}, {@code user:pass@}) with ****. */
  public static String maskSecrets(String jdbcUrl) {
    if (jdbcUrl == null) {
      return null;
    }
    String masked = URL_PASSWORD_PARAMETER.matcher(jdbcUrl).replaceAll("$1" + MASK);
    return URL_USER_INFO.matcher(masked).replaceAll("$1" + MASK + "@");
  }

  /**
   * A non-pooling {@link DataSource} straight on pgjdbc's {@code Driver} with fieldflow's
   * connection defaults: connect, login and socket timeouts, TCP keep-alive, {@code
   * ApplicationName=fieldflow} and {@code reWriteBatchedInserts=true}; a parameter written in the
   * URL wins over a default. With batched-insert rewriting {@code executeBatch} reports {@code
   * SUCCESS_NO_INFO} per row: count rows with {@code RETURNING} instead.
   */
  public DataSource dataSource() {
    return newDataSource(CONNECT_TIMEOUT_SECONDS, LOGIN_TIMEOUT_SECONDS);
  }

  /**
   * Beam {@code JdbcIO}'s configuration for this database: driver {@code org.postgresql.Driver}
   * and the same connection defaults as {@link #dataSource()}.
   */
  public JdbcIO.DataSourceConfiguration jdbcIoConfiguration() {
    JdbcIO.DataSourceConfiguration configuration =
        JdbcIO.DataSourceConfiguration.create(DRIVER, jdbcUrl)
            .withConnectionProperties(
                connectionDefaults(CONNECT_TIMEOUT_SECONDS, LOGIN_TIMEOUT_SECONDS).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(";")));
    if (user != null) {
      configuration = configuration.withUsername(user);
    }
    if (password != null) {
      configuration = configuration.withPassword(password);
    }
    return configuration;
  }

  /** {@link #checkReachable(Duration)} with {@link #DEFAULT_REACHABLE_TIMEOUT}. */
  public void checkReachable() {
    checkReachable(DEFAULT_REACHABLE_TIMEOUT);
  }

  /**
   * Logs in and runs {@code SELECT 1}, retrying while the server is down or starting up, and
   * gives up once {@code timeout} has passed. A refused login or a missing database fails at
   * once: waiting does not fix those.
   *
   * @throws DatabaseUnavailableException with a one-line message naming the masked URL, the user,
   *     the reason and what to do
   */
  public void checkReachable(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean announced = false;
    while (true) {
      long remainingMillis = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      // The driver's timeouts are whole seconds; never wait past the caller's deadline by more
      // than the rounding.
      int seconds = (int) Math.max(1, Math.min(CONNECT_TIMEOUT_SECONDS, remainingMillis / 1000));
      try (Connection connection = newDataSource(seconds, seconds).getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("SELECT 1");
        return;
      } catch (SQLException e) {
        Failure failure = classify(e, seconds);
        remainingMillis = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        if (!failure.transientFailure || remainingMillis == 0) {
          throw new DatabaseUnavailableException(failure.message(this, timeout), e);
        }
        if (!announced) {
          LOG.info(
              "waiting up to {} s for PostgreSQL at {}: {}",
              timeout.toSeconds(),
              describe(),
              failure.reason);
          announced = true;
        }
        try {
          Thread.sleep(Math.min(250, remainingMillis));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new DatabaseUnavailableException(failure.message(this, timeout), e);
        }
      }
    }
  }

  private DataSource newDataSource(int connectTimeoutSeconds, int loginTimeoutSeconds) {
    Properties properties = new Properties();
    // Defaults only: the driver lets a parameter written in the URL override them.
    properties.putAll(connectionDefaults(connectTimeoutSeconds, loginTimeoutSeconds));
    if (user != null) {
      properties.setProperty("user", user);
    }
    if (password != null) {
      properties.setProperty("password", password);
    }
    return new DriverDataSource(jdbcUrl, properties);
  }

  private static Map<String, String> connectionDefaults(int connectTimeout, int loginTimeout) {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("ApplicationName", APPLICATION_NAME);
    defaults.put("connectTimeout", Integer.toString(connectTimeout));
    defaults.put("loginTimeout", Integer.toString(loginTimeout));
    defaults.put("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
    defaults.put("tcpKeepAlive", "true");
    defaults.put("reWriteBatchedInserts", "true");
    return defaults;
  }

  private String displayUser() {
    if (user != null) {
      return user;
    }
    Properties inUrl = Driver.parseURL(jdbcUrl, null);
    String fromUrl = inUrl == null ? null : inUrl.getProperty("user");
    return fromUrl != null ? fromUrl : "<driver default>";
  }

  /** Whether the driver will find a password for this login in ~/.pgpass (or PGPASSFILE). */
  private static boolean inPgpass(String url, String user) {
    Properties parsed = Driver.parseURL(url.trim(), null);
    if (parsed == null || user == null) {
      return false;
    }
    String host = parsed.getProperty("PGHOST").split(",")[0];
    String port = parsed.getProperty("PGPORT").split(",")[0];
    return PgPassParser.getPassword(host, port, parsed.getProperty("PGDBNAME"), user) != null;
  }

  /**
   * Connects through pgjdbc's {@code Driver} with exactly the configured URL, so the URL a
   * connection reports (and Flyway logs) is the configured one rather than pgjdbc's
   * {@code PGSimpleDataSource} spelling of every driver property.
   */
  private static final class DriverDataSource implements DataSource {
    private static final Driver POSTGRES = new Driver();

    private final String url;
    private final Properties properties;
    private PrintWriter logWriter;

    DriverDataSource(String url, Properties properties) {
      this.url = url;
      this.properties = properties;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return connect(properties);
    }

    @Override
    public Connection getConnection(String otherUser, String otherPassword) throws SQLException {
      Properties login = new Properties();
      login.putAll(properties);
      login.remove("user");
      login.remove("password");
      if (otherUser != null) {
        login.setProperty("user", otherUser);
      }
      if (otherPassword != null) {
        login.setProperty("password", otherPassword);
      }
      return connect(login);
    }

    private Connection connect(Properties login) throws SQLException {
      Connection connection = POSTGRES.connect(url, login);
      if (connection == null) {
        throw new SQLException("not a PostgreSQL JDBC URL: " + maskSecrets(url), "08001");
      }
      return connection;
    }

    @Override
    public PrintWriter getLogWriter() {
      return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
      logWriter = out;
    }

    @Override
    public void setLoginTimeout(int seconds) {
      properties.setProperty("loginTimeout", Integer.toString(seconds));
    }

    @Override
    public int getLoginTimeout() {
      return Integer.parseInt(properties.getProperty("loginTimeout", "0"));
    }

    @Override
    public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException("pgjdbc logs through java.util.logging itself");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      if (type.isInstance(this)) {
        return type.cast(this);
      }
      throw new SQLException("not a wrapper for " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
      return type.isInstance(this);
    }

    @Override
    public String toString() {
      return "DataSource{" + maskSecrets(url) + "}";
    }
  }

  private static final class Failure {
    final String reason;
    final String hint;
    final boolean transientFailure;
    /** What failed: {@link #REACH}, {@link #LOG_IN} or {@link #NO_CONNECTION_LEFT}. */
    final String opening;

    static final String REACH = "cannot reach PostgreSQL at ";
    static final String LOG_IN = "cannot log in to PostgreSQL at ";
    static final String NO_CONNECTION_LEFT = "no connection left on PostgreSQL at ";

    Failure(String reason, String hint, boolean transientFailure, String opening) {
      this.reason = reason;
      this.hint = hint;
      this.transientFailure = transientFailure;
      this.opening = opening;
    }

    String message(DatabaseConfig config, Duration timeout) {
      String reasonText = transientFailure ? reason + " (for " + timeout.toSeconds() + " s)" : reason;
      return opening
          + config.describe()
          + ": "
          + config.scrub(reasonText)
          + "; "
          + hint;
    }
  }

  private static final String START_HINT =
      "start it with ./manage.sh db start or set " + ENV_JDBC_URL;

  private static Failure classify(SQLException e, int timeoutSeconds) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    Throwable cause = e.getCause();
    if (cause instanceof ConnectException) {
      return new Failure("connection refused", START_HINT, true, Failure.REACH);
    }
    if (cause instanceof SocketTimeoutException) {
      return new Failure(
          "no answer within " + timeoutSeconds + " s", "check the host, port and firewall, or " + START_HINT, true, Failure.REACH);
    }
    if (cause instanceof UnknownHostException) {
      return new Failure(
          "unknown host " + cause.getMessage(), "fix the host in " + ENV_JDBC_URL + " or --jdbcUrl", false, Failure.REACH);
    }
    switch (state) {
      case "57P03": // the database system is starting up / shutting down
        return new Failure(firstLine(e.getMessage()), START_HINT, true, Failure.REACH);
      case "53300": // too many connections: the server is up, every connection is taken
        return new Failure(firstLine(e.getMessage()), "every connection this login may open"
            + " is in use (the role's CONNECTION LIMIT, or the server's max_connections):"
            + " try again when one closes, or close idle ones (pg_stat_activity lists them)",
            true, Failure.NO_CONNECTION_LEFT);
      case "28P01":
      case "28000":
        return new Failure(
            firstLine(e.getMessage()),
            "check " + ENV_USER + " and " + ENV_PASSWORD + " (or ~/.pgpass)",
            false,
            Failure.LOG_IN);
      case "08004":
        return new Failure(
            firstLine(e.getMessage()),
            "set " + ENV_PASSWORD + " or add the login to ~/.pgpass",
            false,
            Failure.LOG_IN);
      case "3D000":
        return new Failure(
            firstLine(e.getMessage()),
            "create the database or fix " + ENV_JDBC_URL,
            false,
            Failure.REACH);
      default:
        boolean connectionProblem = state.startsWith("08");
        return new Failure(
            firstLine(e.getMessage()),
            connectionProblem ? START_HINT : "see the PostgreSQL server log",
            connectionProblem,
            Failure.REACH);
    }
  }

  /** A server message's first line, without PostgreSQL's severity ("FATAL: ", "ERROR: "). */
  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return ServerMessages.withoutSeverity(newline < 0 ? message : message.substring(0, newline));
  }

  private static String firstNonBlank(String a, String b) {
    return blankToNull(a) != null ? a.trim() : blankToNull(b);
  }

  private static String firstNonEmpty(String a, String b) {
    return emptyToNull(a) != null ? a : emptyToNull(b);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DatabaseConfig)) {
      return false;
    }
    DatabaseConfig other = (DatabaseConfig) o;
    return jdbcUrl.equals(other.jdbcUrl)
        && Objects.equals(user, other.user)
        && Objects.equals(password, other.password);
  }

  @Override
  public int hashCode() {
    return Objects.hash(jdbcUrl, user, password);
  }
}
