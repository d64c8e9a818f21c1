package dev.fieldflow.analytics.console;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fieldflow.analytics.Answer;
import dev.fieldflow.analytics.AnswerFormat;
import dev.fieldflow.analytics.Parameter;
import dev.fieldflow.analytics.QueryCommand;
import dev.fieldflow.analytics.Question;
import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.Migrations;
import dev.fieldflow.io.db.ServerMessages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code manage.sh ui}: the web console on 127.0.0.1. One page ({@code /}) with three parts:
 * Ingestion, the five questions and a read-only SQL box; the JSON and CSV it reads; and {@code
 * /metrics} for Prometheus. Served by the JDK's own {@link HttpServer}: a handful of routes on
 * one machine need no framework, and the jar stays free of a second HTTP stack.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>route</th><th>login</th><th>what</th></tr>
 *   <tr><td>{@code GET /}, {@code /assets/*}</td><td>none</td><td>the page, its script,
 *       style and Chart.js (from its WebJar)</td></tr>
 *   <tr><td>{@code GET /api/ingestion}</td><td>operator</td><td>{@link Ingestion.Report} as
 *       JSON</td></tr>
 *   <tr><td>{@code GET /api/questions}</td><td>none</td><td>the questions and their
 *       parameters</td></tr>
 *   <tr><td>{@code GET /api/questions/qN[.csv]?NAME=VALUE&page=&pageSize=}</td>
 *       <td>analyst</td><td>one page of the answer as JSON, or the whole answer as CSV</td></tr>
 *   <tr><td>{@code GET|POST /api/sql[.csv]} ({@code sql=}, {@code limit=})</td>
 *       <td>analyst</td><td>{@link SqlBox}</td></tr>
 *   <tr><td>{@code GET /metrics}</td><td>operator</td><td>{@link Metrics}</td></tr>
 * </table>
 *
 * <p>The analyst login is {@code manage.sh query}'s ({@link QueryCommand#analystLogin}); the
 * operator login is the monitor's ({@link #monitorLogin}), which can read the ledger, the
 * quarantine and the completeness view and write nothing (migration V21), used read-only.
 */
public final class Console implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Console.class);

  public static final int DEFAULT_PORT = 8090;
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 1000;
  static final int DEFAULT_SQL_LIMIT = 1000;
  static final int MAX_SQL_LIMIT = 10_000;
  static final Duration QUESTION_TIMEOUT = QueryCommand.QUESTION_TIMEOUT;
  static final Duration DEFAULT_SQL_TIMEOUT = Duration.ofSeconds(10);
  /** A request body beyond this is refused unread (413): a form of SQL text needs far less. */
  static final int MAX_BODY_BYTES = 1024 * 1024;
  /**
   * SQL-box statements run at once; one more is answered 503. Each may hold {@link
   * SqlBox#MAX_ROW_BYTES} of the driver's buffer and {@link SqlBox#MAX_RESULT_CHARS} of rows until
   * its answer is written, so this bounds the heap they take (256 MB in {@code manage.sh ui}).
   */
  static final int SQL_AT_ONCE = 2;
  /**
   * Database sessions the operator pages, {@code /metrics} and the five questions open at once
   * (the SQL box has its own {@link #SQL_AT_ONCE}). Each request opens a session of its own, and
   * the server runs a worker per connection ({@link #MAX_CONNECTIONS}): without this bound, a
   * burst of requests (or clients that close half-sent ones, which the JDK then handles) opened
   * as many sessions, past PostgreSQL's {@code max_connections} (100 by default), and the
   * pipelines' own connections were refused. A request waits {@link #DATABASE_WAIT_SECONDS} for
   * a session, then is answered 503.
   */
  static final int DATABASE_AT_ONCE = 8;
  /** How long a request waits for one of the {@link #DATABASE_AT_ONCE} sessions. */
  static final int DATABASE_WAIT_SECONDS = 5;
  /**
   * Connections the server keeps open at once ({@code jdk.httpserver.maxConnections}); one more
   * is closed as soon as it is accepted. Each may hold a worker thread while its request is read,
   * so there are as many workers (see {@link #workersFor}).
   */
  static final int MAX_CONNECTIONS = 512;
  /**
   * A client has this long from its request's first byte to its last (headers and body) before
   * the server closes the connection ({@code sun.net.httpserver.maxReqTime}).
   */
  static final int MAX_REQUEST_SECONDS = 10;
  /**
   * A request has this long from its last byte to its answer's last ({@code
   * sun.net.httpserver.maxRspTime}): above a question's 60 s timeout, and what frees a SQL-box
   * slot held by a client that stopped reading its answer.
   */
  static final int MAX_RESPONSE_SECONDS = 120;
  private static final String RESOURCES = "/dev/fieldflow/analytics/console/";
  /** {@code 127.0.0.1}, {@code localhost} or {@code [::1]}, with any port, and nothing else. */
  private static final Pattern LOOPBACK_HOST =
      Pattern.compile("(?i)(127\\.0\\.0\\.1|localhost|\\[::1])(:[0-9]{1,5})?");
  /** The largest integer a browser's {@code JSON.parse} reads exactly (2^53 - 1). */
  private static final long MAX_EXACT_IN_JAVASCRIPT = (1L << 53) - 1;

  private final DatabaseConfig analyst;
  private final DatabaseConfig sqlLogin;
  private final DatabaseConfig operator;
  private final SqlBox sqlBox;
  private final Semaphore sqlSlots = new Semaphore(SQL_AT_ONCE);
  private final Semaphore databaseSlots = new Semaphore(DATABASE_AT_ONCE, true);
  private final Clock clock;
  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final ObjectMapper json;
  private final String chartJs;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Console(
      DatabaseConfig analyst, DatabaseConfig operator, int port, Duration sqlTimeout, Clock clock)
      throws IOException {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be 0..65535, but was " + port);
    }
    this.analyst = analyst;
    this.sqlLogin = SqlBox.login(analyst);
    this.operator = operator;
    this.sqlBox = new SqlBox(sqlTimeout);
    this.clock = clock;
    this.json =
        new ObjectMapper()
            .registerModule(
                new SimpleModule()
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(LocalDate.class, ToStringSerializer.instance)
                    .addSerializer(Long.class, new ExactNumberSerializer<>(Long.class))
                    .addSerializer(BigInteger.class, new ExactNumberSerializer<>(BigInteger.class))
                    .addSerializer(BigDecimal.class, new ExactNumberSerializer<>(BigDecimal.class)));
    this.chartJs =
        "/META-INF/resources/webjars/chart.js/" + property("chartjs.version") + "/dist/chart.umd.js";
    int connections = limitConnectionsAndTimes();
    try {
      // As many may wait to be accepted: with the default 50, a burst of clients waited a second
      // for their connection to be tried again (the JDK's server accepts one at a time).
      this.server = HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), connections);
    } catch (BindException e) {
      throw new IllegalArgumentException("--port=" + port + ": 127.0.0.1:" + port
          + " is in use by another program (" + e.getMessage() + "); give another --port", e);
    }
    // Threads start when needed and end when idle; there is one for every connection the server
    // keeps, so no request ever waits behind a client that sends its headers slowly.
    this.workers = new ThreadPoolExecutor(connections, connections, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(null, r, "console-http", 256 * 1024);
          t.setDaemon(true);
          return t;
        });
    workers.allowCoreThreadTimeOut(true);
    server.setExecutor(workers);
    server.createContext("/", this::handle);
  }

  /**
   * Starts a console on 127.0.0.1.
   *
   * @param port 0 for any free port (tests)
   */
  public static Console start(
      DatabaseConfig analyst, DatabaseConfig operator, int port, Duration sqlTimeout, Clock clock)
      throws IOException {
    Console console = new Console(analyst, operator, port, sqlTimeout, clock);
    console.server.start();
    return console;
  }

  /** {@code ui [--port=8090] [--jdbcUrl=URL]}; runs until the process is stopped. */
  public static void main(String[] args) throws IOException, InterruptedException {
    int port = DEFAULT_PORT;
    String jdbcUrl = null;
    for (String arg : args) {
      if (arg.startsWith("--port=")) {
        String value = arg.substring("--port=".length());
        try {
          port = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--port must be a number 1..65535, but was '" + value + "'");
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("--port must be 1..65535, but was " + port);
        }
      } else if (arg.startsWith("--jdbcUrl=")) {
        jdbcUrl = arg.substring("--jdbcUrl=".length());
      } else {
        throw new IllegalArgumentException(
            "ui: unknown option '" + arg + "'; usage: ui [--port=" + DEFAULT_PORT + "] [--jdbcUrl=URL]");
      }
    }
    DatabaseConfig analyst = QueryCommand.analystLogin(jdbcUrl, System.getenv());
    DatabaseConfig operator = monitorLogin(jdbcUrl, System.getenv());
    Console console = start(analyst, operator, port, DEFAULT_SQL_TIMEOUT, Clock.systemUTC());
    Runtime.getRuntime().addShutdownHook(new Thread(console::close, "console-stop"));
    refusedLogin(operator).ifPresent(refusal -> System.out.println("console: warning: the"
        + " Ingestion page and /metrics cannot log in as " + operator.user() + " (" + refusal
        + "); on the local database ./manage.sh db start creates that login, elsewhere set "
        + DatabaseConfig.ENV_MONITOR_USER + " and " + DatabaseConfig.ENV_MONITOR_PASSWORD
        + " to a login of the monitor role (docs/CONSOLE.md)"));
    System.out.println(
        "console: listening on " + console.url() + " (questions and SQL as " + analyst.user()
            + ", ingestion and /metrics as " + operator.user() + " on " + analyst.describe() + ")");
    System.out.flush();
    console.stopped.await();
  }

  /**
   * The login of the operator's pages (Ingestion, {@code /metrics}): explicit URL, else {@code
   * FIELDFLOW_JDBC_URL}, else the local database; user {@code FIELDFLOW_MONITOR_USER} or the
   * migrations' monitor role; password {@code FIELDFLOW_MONITOR_PASSWORD}, else what {@link
   * DatabaseConfig#resolve} finds for that user (~/.pgpass, the local database's credentials).
   */
  static DatabaseConfig monitorLogin(String jdbcUrl, Map<String, String> env) {
    return DatabaseConfig.resolveRole(jdbcUrl, env, DatabaseConfig.ENV_MONITOR_USER,
        Migrations.DEFAULT_MONITOR_ROLE, DatabaseConfig.ENV_MONITOR_PASSWORD);
  }

  /**
   * Why the server refused {@code login} (a wrong or missing password, an unknown role), or
   * empty when it logged in or the server could not be reached: an unreachable database is
   * what {@code /metrics} reports, not a mistake in the console's setup.
   */
  static Optional<String> refusedLogin(DatabaseConfig login) {
    try (Connection c = login.dataSource().getConnection()) {
      return Optional.empty();
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      boolean refused = state.startsWith("28") || state.equals("08004");
      return refused ? Optional.of(String.valueOf(e.getMessage())) : Optional.empty();
    }
  }

  /**
   * Has the JDK's server close a connection whose request has not arrived whole within {@link
   * #MAX_REQUEST_SECONDS}, or whose answer has not gone within {@link #MAX_RESPONSE_SECONDS}
   * (JDK 17's {@code sun.net.httpserver.ServerImpl}: a request's time runs from its first byte
   * until its body is read, an answer's from then until it is written), and keep at most {@link
   * #MAX_CONNECTIONS} connections. The JDK reads these properties once, when the JVM's first
   * server is made, so they are set before it; a value given on the command line ({@code
   * -Dsun.net.httpserver.maxReqTime=...}) is kept.
   *
   * @return the connections the server keeps, which is how many workers it needs
   */
  private static int limitConnectionsAndTimes() {
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
    }
    if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
      System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS));
    }
    if (System.getProperty("jdk.httpserver.maxConnections") == null) {
      System.setProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    }
    return workersFor(System.getProperty("jdk.httpserver.maxConnections"));
  }

  /**
   * The worker threads for a connection cap given as {@code jdk.httpserver.maxConnections}: one
   * per connection, since the JDK's server reads a request's headers on a worker and a client
   * may send them as slowly as {@link #MAX_REQUEST_SECONDS} allows. With fewer, that many
   * half-sent requests held every worker and the rest waited in the queue until the server
   * closed them: 129 of them froze the console for 10 s with 128 workers. No cap (0 or less, the
   * JDK's default) would need unbounded threads, so it is refused.
   */
  static int workersFor(String maxConnections) {
    Integer cap = maxConnections == null ? null : Parameter.asciiInteger(maxConnections.strip());
    if (cap == null || cap < 1 || cap > 100_000) {
      throw new IllegalArgumentException("-Djdk.httpserver.maxConnections must be 1..100000 for"
          + " the console (a worker thread per connection), but was '" + maxConnections + "'");
    }
    return cap;
  }

  /** {@code http://127.0.0.1:PORT/}. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
    stopped.countDown();
  }

  // ---------------------------------------------------------------------------------------
  // Routing and errors
  // ---------------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    try {
      try {
        String refusal = refusal(exchange);
        if (refusal != null) {
          error(exchange, 403, refusal);
          return;
        }
        // Read first, whatever the route: the server's request timer runs until the body is read.
        String body = body(exchange);
        route(exchange, path, body);
      } catch (BadRequest e) {
        error(exchange, e.status(), e.getMessage());
      } catch (IllegalArgumentException e) {
        error(exchange, 400, e.getMessage());
      } catch (SQLException e) {
        DatabaseConfig login = path.startsWith("/api/ingestion") ? operator : analyst;
        String words = ServerMessages.withoutSeverity(e);
        if ("53300".equals(e.getSQLState())) {
          error(exchange, 503, "PostgreSQL refused another session (" + words + "); the "
              + login.user() + " role's connections are all in use: close a psql or wait, then"
              + " try again");
        } else if (isUnavailable(e) || !path.startsWith("/api/sql") && !isRefusedValue(e)) {
          LOG.warn("{}: {}", path, e.getMessage());
          error(exchange, 503, "cannot read PostgreSQL at " + login.describe() + ": "
              + words + "; is it running? ./manage.sh db start starts the local one");
        } else if (path.startsWith("/api/sql")) {
          // The analyst's own query: PostgreSQL's message is the clearest answer (syntax error,
          // permission denied, statement timeout).
          error(exchange, 400, words);
        } else {
          // A question's value PostgreSQL refuses (q3's hop cap, a year out of range) is the
          // asker's to change, not an outage; in manage.sh query's words (its first line: not
          // the function's internals, "Where: PL/pgSQL function ...").
          error(exchange, 400, words.strip().lines().findFirst().orElse(""));
        }
      } catch (RuntimeException e) {
        LOG.error("{} failed", path, e);
        error(exchange, 500, "the console failed on " + path + " (" + e.getClass().getSimpleName()
            + "); its log has the details");
      }
    } finally {
      exchange.close();
    }
  }

  /**
   * Why the console will not answer this request at all, or null. Only a request addressed to
   * this machine by a loopback name (Host, and the target if it is a whole URL): a page
   * elsewhere that rebinds its own name to 127.0.0.1 must not read the console. And the API
   * only for the console's own page: a page of another site could otherwise keep the analyst's
   * connections busy, even if it cannot read the answers.
   */
  private static String refusal(HttpExchange exchange) {
    List<String> hosts = exchange.getRequestHeaders().getOrDefault("Host", List.of());
    if (hosts.size() != 1) {
      return "the console answers requests addressed to 127.0.0.1, localhost or [::1] in one Host header,"
          + " and this one has " + hosts.size();
    }
    String host = hosts.get(0);
    if (!isLoopbackName(host)) {
      return "the console answers requests addressed to 127.0.0.1, localhost or [::1], not '" + host + "'";
    }
    URI target = exchange.getRequestURI();
    if (target.getRawAuthority() != null && !isLoopbackName(target.getRawAuthority())) {
      return "the console answers requests addressed to 127.0.0.1, localhost or [::1], not '"
          + target.getRawAuthority() + "'";
    }
    if (target.getPath() != null && target.getPath().startsWith("/api/")) {
      // Every one of them: a request that repeats a header must not pass on its first copy.
      List<String> origins = exchange.getRequestHeaders().getOrDefault("Origin", List.of());
      List<String> sites = exchange.getRequestHeaders().getOrDefault("Sec-Fetch-Site", List.of());
      String foreign = origins.stream()
          .filter(origin -> !origin.equalsIgnoreCase("http://" + host.strip()))
          .findFirst().orElse(null);
      boolean ownSite = sites.stream()
          .allMatch(site -> site.equals("same-origin") || site.equals("none"));
      if (foreign != null || !ownSite) {
        return "the console's API answers the console's own page, not a page of "
            + (foreign == null ? "another site" : "'" + foreign + "'");
      }
    }
    return null;
  }

  /** A data exception (class 22: a value out of range, q3's hop cap) or a function's RAISE. */
  static boolean isRefusedValue(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.equals("P0001"));
  }

  /**
   * The database cannot serve the request, whatever it asks: no connection (class 08), a login
   * refused (28), no session left (53300), the server shutting down or starting (57P01..57P03).
   */
  static boolean isUnavailable(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("28")
        || state.equals("53300") || state.startsWith("57P"));
  }

  /** {@code 127.0.0.1}, {@code localhost} or {@code [::1]}, with any port (an SSH tunnel's). */
  static boolean isLoopbackName(String host) {
    return host != null && LOOPBACK_HOST.matcher(host.strip()).matches();
  }

  private void route(HttpExchange exchange, String path, String body)
      throws IOException, SQLException {
    String method = exchange.getRequestMethod();
    boolean post = method.equals("POST");
    if (!method.equals("GET") && !method.equals("HEAD") && !(post && path.startsWith("/api/sql"))) {
      exchange.getResponseHeaders().set("Allow", "GET");
      error(exchange, 405, method + " is not allowed on " + path);
      return;
    }
    if (path.equals("/")) {
      send(exchange, 200, "text/html; charset=utf-8", resource(RESOURCES + "index.html"));
    } else if (path.equals("/assets/app.js")) {
      send(exchange, 200, "text/javascript; charset=utf-8", resource(RESOURCES + "app.js"));
    } else if (path.equals("/assets/app.css")) {
      send(exchange, 200, "text/css; charset=utf-8", resource(RESOURCES + "app.css"));
    } else if (path.equals("/assets/chart.umd.js")) {
      send(exchange, 200, "text/javascript; charset=utf-8", resource(chartJs));
    } else if (path.equals("/metrics")) {
      metrics(exchange);
    } else if (path.equals("/api/ingestion")) {
      ingestion(exchange);
    } else if (path.equals("/api/questions")) {
      questions(exchange);
    } else if (path.startsWith("/api/questions/")) {
      answer(exchange, path.substring("/api/questions/".length()));
    } else if (path.equals("/api/sql") || path.equals("/api/sql.csv")) {
      sql(exchange, post ? body : "", path.endsWith(".csv"));
    } else {
      error(exchange, 404, "no page " + path + "; the console is at /");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Operator: ingestion and metrics
  // ---------------------------------------------------------------------------------------

  private void metrics(HttpExchange exchange) throws IOException {
    String text;
    awaitDatabaseSlot("/metrics");
    try (Connection c = operator.dataSource().getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      text = Metrics.render(Ingestion.pipelines(c), Metrics.counted(c), Ingestion.completeness(c),
          clock.instant());
      c.rollback();
    } catch (SQLException e) {
      LOG.warn("/metrics: cannot read the ledger: {}", e.getMessage());
      text = Metrics.databaseDown();
    } finally {
      databaseSlots.release();
    }
    send(exchange, 200, Metrics.CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Takes one of the {@link #DATABASE_AT_ONCE} sessions, waiting up to {@link
   * #DATABASE_WAIT_SECONDS}; the caller releases it once its session is closed.
   *
   * @throws BadRequest 503 if none comes free in time
   */
  private void awaitDatabaseSlot(String what) {
    boolean taken;
    try {
      taken = databaseSlots.tryAcquire(DATABASE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      taken = false;
    }
    if (!taken) {
      throw new BadRequest(503, what + ": the console is busy: it reads the database in "
          + DATABASE_AT_ONCE + " sessions at a time, all taken for " + DATABASE_WAIT_SECONDS
          + " s; try again in a moment");
    }
  }

  private void ingestion(HttpExchange exchange) throws IOException, SQLException {
    Instant now = clock.instant();
    Ingestion.Report report;
    awaitDatabaseSlot("the ingestion page");
    try (Connection c = operator.dataSource().getConnection()) {
      report = Ingestion.read(c, now);
    } finally {
      databaseSlots.release();
    }
    ObjectNode body = json.valueToTree(report);
    body.put("operator", operator.user());
    for (int i = 0; i < report.pipelines().size(); i++) {
      Ingestion.Pipeline p = report.pipelines().get(i);
      ObjectNode node = (ObjectNode) body.withArray("pipelines").get(i);
      Double freshness = p.freshnessSeconds(now);
      if (freshness == null) {
        node.putNull("freshnessSeconds");
      } else {
        node.put("freshnessSeconds", freshness);
      }
    }
    sendJson(exchange, 200, body);
  }

  // ---------------------------------------------------------------------------------------
  // Analyst: the five questions and the SQL box
  // ---------------------------------------------------------------------------------------

  private void questions(HttpExchange exchange) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Question q : Question.values()) {
      List<Map<String, Object>> parameters = new ArrayList<>();
      for (Parameter p : q.parameters()) {
        parameters.add(Map.of(
            "name", p.name(), "letter", p.letter(),
            "type", p.type() == Parameter.Type.DATE ? "date" : "integer",
            "meaning", p.meaning()));
      }
      out.add(Map.of("id", q.id(), "text", q.text(), "parameters", parameters));
    }
    sendJson(exchange, 200, out);
  }

  private void answer(HttpExchange exchange, String name) throws IOException, SQLException {
    boolean csv = name.endsWith(".csv");
    Question question;
    try {
      question = Question.byId(csv ? name.substring(0, name.length() - 4) : name);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(404, e.getMessage());
    }
    Map<String, String> given = query(exchange);
    int page = positive(given.remove("page"), 1, Integer.MAX_VALUE, "page");
    int pageSize = positive(given.remove("pageSize"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, "pageSize");
    given.values().removeIf(String::isBlank);
    Map<Parameter, Object> arguments = question.arguments(given);
    Answer answer;
    String definition;
    awaitDatabaseSlot(question.id());
    try (Connection c = analyst.dataSource().getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL statement_timeout = " + QUESTION_TIMEOUT.toMillis());
      }
      answer = question.ask(c, arguments);
      definition = csv ? null : definition(c, question);
      c.rollback();
    } finally {
      databaseSlots.release();
    }
    if (csv) {
      exchange.getResponseHeaders().set(
          "Content-Disposition", "attachment; filename=\"" + question.id() + ".csv\"");
      sendCsv(exchange, AnswerFormat.CSV.render(answer));
      return;
    }
    int total = answer.rows().size();
    int pages = Math.max(1, (total + pageSize - 1) / pageSize);
    if (page > pages) {
      throw new BadRequest("page " + page + " is past the end: " + question.id() + "'s answer has "
          + total + (total == 1 ? " row" : " rows") + ", " + pages + (pages == 1 ? " page" : " pages")
          + " of " + pageSize);
    }
    int from = (page - 1) * pageSize;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("question", question.id());
    body.put("text", question.text());
    body.put("arguments", namedArguments(arguments));
    body.put("columns", answer.columns());
    body.put("numericColumns", numericColumns(answer.columns().size(), answer.rows()));
    body.put("rows", answer.rows().subList(from, Math.min(total, from + pageSize)));
    body.put("total", total);
    body.put("page", page);
    body.put("pageSize", pageSize);
    // A chart where the answer is a series: one value per key (q2, q3, q4).
    body.put("chart", answer.columns().size() == 2
        ? Map.of("x", answer.columns().get(0), "y", answer.columns().get(1)) : null);
    body.put("series", answer.columns().size() == 2 ? answer.rows() : null);
    body.put("statement", question.statement(arguments));
    body.put("definition", definition);
    sendJson(exchange, 200, body);
  }

  /** Per column, whether it holds numbers (null aside): the page right-aligns those. */
  private static List<Boolean> numericColumns(int columns, List<List<Object>> rows) {
    List<Boolean> numeric = new ArrayList<>(columns);
    for (int c = 0; c < columns; c++) {
      int column = c;
      numeric.add(rows.stream().allMatch(r -> r.get(column) == null || r.get(column) instanceof Number));
    }
    return numeric;
  }

  private static Map<String, Object> namedArguments(Map<Parameter, Object> arguments) {
    Map<String, Object> named = new LinkedHashMap<>();
    arguments.forEach((p, v) -> named.put(p.name(), v));
    return named;
  }

  /** The function's {@code CREATE} statement, from the catalog every role may read. */
  private static String definition(Connection c, Question question) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT pg_get_functiondef(to_regproc(?))")) {
      ps.setString(1, question.function());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private void sql(HttpExchange exchange, String form, boolean csv)
      throws IOException, SQLException {
    Map<String, String> given = query(exchange);
    given.putAll(form(form));
    int limit = positive(given.get("limit"), DEFAULT_SQL_LIMIT, MAX_SQL_LIMIT, "limit");
    if (!sqlSlots.tryAcquire()) {
      throw new BadRequest(503, "the SQL box is busy: it runs " + SQL_AT_ONCE + " queries at a"
          + " time and " + SQL_AT_ONCE + " are running; try again in a moment");
    }
    // The slot is held until the answer is written: the rows are in memory until then.
    try {
      SqlBox.Result result;
      try (Connection c = sqlLogin.dataSource().getConnection()) {
        result = sqlBox.run(c, given.get("sql"), limit);
      }
      if (csv) {
        String name = switch (result.cut()) {
          case NONE -> "query.csv";
          case ROW_LIMIT -> "query-first-" + result.rows().size() + "-rows.csv";
          case TEXT_LIMIT -> "query-cut-at-8-MiB.csv";
        };
        exchange.getResponseHeaders().set(
            "Content-Disposition", "attachment; filename=\"" + name + "\"");
        if (result.truncated()) {
          exchange.getResponseHeaders().set("X-Fieldflow-Truncated", result.cut().id());
        }
        sendCsv(exchange, AnswerFormat.csv(result.columns(), result.rows()));
        return;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("columns", result.columns());
      body.put("numericColumns", result.numericColumns());
      body.put("rows", result.rows());
      body.put("truncated", result.truncated());
      body.put("truncatedBy", result.truncated() ? result.cut().id() : null);
      body.put("limit", result.limit());
      body.put("timeoutSeconds", sqlBox.timeout().toSeconds());
      body.put("role", analyst.user());
      sendJson(exchange, 200, body);
    } finally {
      sqlSlots.release();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Plumbing
  // ---------------------------------------------------------------------------------------

  /** A whole number in [1, max], or {@code fallback} when not given. */
  static int positive(String text, int fallback, int max, String name) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    Integer value = Parameter.asciiInteger(text.strip());
    if (value != null && value >= 1 && value <= max) {
      return value;
    }
    throw new BadRequest(name + " must be a whole number from 1"
        + (max == Integer.MAX_VALUE ? "" : " to " + max) + ", got '" + text + "'");
  }

  /** The request's body, read whole up to {@link #MAX_BODY_BYTES}; a longer one is refused. */
  private static String body(HttpExchange exchange) throws IOException {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    // The server has refused a Content-Length that is not a number.
    if (declared != null && Long.parseLong(declared.strip()) > MAX_BODY_BYTES) {
      throw tooLarge(declared + " bytes");
    }
    byte[] bytes;
    try (InputStream in = exchange.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY_BYTES + 1);
    } catch (IOException e) {
      // A chunked body the JDK cannot read ("invalid chunk length"): the connection was closed
      // with no answer at all. A client that went away does not read this one either.
      throw new BadRequest("the request's body could not be read (" + e.getMessage() + "): send"
          + " it whole, with a Content-Length or in valid chunks");
    }
    if (bytes.length > MAX_BODY_BYTES) {
      throw tooLarge("more than " + MAX_BODY_BYTES + " bytes");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static BadRequest tooLarge(String size) {
    return new BadRequest(413, "the console reads requests of at most " + MAX_BODY_BYTES
        + " bytes (1 MiB), and this one has " + size + ": a query is text, not data");
  }

  private static Map<String, String> query(HttpExchange exchange) {
    String raw = exchange.getRequestURI().getRawQuery();
    return form(raw == null ? "" : raw);
  }

  /** {@code a=1&b=2}, URL-decoded; a name given twice is refused. */
  static Map<String, String> form(String encoded) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : encoded.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (values.putIfAbsent(name, value) != null) {
        throw new BadRequest(name + " is given twice");
      }
    }
    return values;
  }

  private static String decode(String encoded) {
    try {
      return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      String shown = encoded.length() > 60 ? encoded.substring(0, 60) + "..." : encoded;
      throw new BadRequest("'" + shown + "' is not URL-encoded: a % must be followed by two hex"
          + " digits (write %25 for a % itself)");
    }
  }

  private void error(HttpExchange exchange, int status, String message) throws IOException {
    sendJson(exchange, status, Map.of("error", message == null ? "unknown error" : message));
  }

  /** JSON written as it is made: a SQL-box answer is not held twice, as rows and as bytes. */
  private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    stream(exchange, status, "application/json; charset=utf-8", out -> json.writeValue(out, body));
  }

  private static void sendCsv(HttpExchange exchange, String csv) throws IOException {
    stream(exchange, 200, "text/csv; charset=utf-8", out -> {
      Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
      writer.write(csv);
      writer.flush();
    });
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    headers(exchange, type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** An answer of a length not known ahead, sent in chunks. */
  private static void stream(HttpExchange exchange, int status, String type, Body body)
      throws IOException {
    headers(exchange, type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : 0);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        body.writeTo(out);
      }
    }
  }

  private interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  private static void headers(HttpExchange exchange, String type) {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
  }

  /**
   * A number as JSON: an integer a browser's {@code JSON.parse} would round (beyond 2^53 - 1)
   * and every decimal ({@code numeric}: its digits and scale) as a string of its exact digits,
   * the rest as JSON numbers. The page showed 9007199254740993 as 9007199254740992.
   */
  private static final class ExactNumberSerializer<T extends Number> extends StdSerializer<T> {
    private static final long serialVersionUID = 1L;
    private static final BigInteger MAX = BigInteger.valueOf(MAX_EXACT_IN_JAVASCRIPT);

    ExactNumberSerializer(Class<T> type) {
      super(type);
    }

    @Override
    public void serialize(T value, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      if (value instanceof BigDecimal decimal) {
        out.writeString(decimal.toPlainString());
      } else if (value instanceof BigInteger big) {
        if (big.abs().compareTo(MAX) > 0) {
          out.writeString(big.toString());
        } else {
          out.writeNumber(big);
        }
      } else if (Math.abs(value.longValue()) > MAX_EXACT_IN_JAVASCRIPT
          || value.longValue() == Long.MIN_VALUE) {
        out.writeString(value.toString());
      } else {
        out.writeNumber(value.longValue());
      }
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = Console.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the console's jar lacks " + name);
      }
      return in.readAllBytes();
    }
  }

  private static String property(String name) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Console.class.getResourceAsStream(RESOURCES + "console.properties")) {
      if (in == null) {
        throw new IllegalStateException("the console's jar lacks console.properties");
      }
      p.load(in);
    }
    return p.getProperty(name);
  }
}
