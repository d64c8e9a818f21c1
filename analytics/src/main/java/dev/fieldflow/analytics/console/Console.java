package dev.fieldflow.analytics.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
  private static final String RESOURCES = "/dev/fieldflow/analytics/console/";

  private final DatabaseConfig analyst;
  private final DatabaseConfig operator;
  private final SqlBox sqlBox;
  private final Clock clock;
  private final HttpServer server;
  private final ExecutorService workers;
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
    this.operator = operator;
    this.sqlBox = new SqlBox(sqlTimeout);
    this.clock = clock;
    this.json =
        new ObjectMapper()
            .registerModule(
                new SimpleModule()
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(LocalDate.class, ToStringSerializer.instance));
    this.chartJs =
        "/META-INF/resources/webjars/chart.js/" + property("chartjs.version") + "/dist/chart.umd.js";
    try {
      this.server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (BindException e) {
      throw new IllegalArgumentException("--port=" + port + ": 127.0.0.1:" + port
          + " is in use by another program (" + e.getMessage() + "); give another --port", e);
    }
    this.workers = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "console-http");
      t.setDaemon(true);
      return t;
    });
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
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (!isLoopbackName(host)) {
          // A page elsewhere that rebinds its own name to 127.0.0.1 must not read the console.
          error(exchange, 403, "the console answers requests addressed to 127.0.0.1 or localhost,"
              + " not '" + host + "'");
          return;
        }
        route(exchange, path);
      } catch (BadRequest | IllegalArgumentException e) {
        error(exchange, 400, e.getMessage());
      } catch (SQLException e) {
        // The analyst's own query: PostgreSQL's message is the clearest answer (syntax error,
        // permission denied, statement timeout).
        if (path.startsWith("/api/sql")) {
          error(exchange, 400, e.getMessage());
        } else if (isRefusedValue(e)) {
          // A question's value PostgreSQL refuses (q3's hop cap, a year out of range) is the
          // asker's to change, not an outage; in manage.sh query's words (its first line: not
          // the function's internals, "Where: PL/pgSQL function ...").
          error(exchange, 400, String.valueOf(e.getMessage()).strip().lines().findFirst().orElse(""));
        } else if ("53300".equals(e.getSQLState())) {
          error(exchange, 503, "PostgreSQL refused another session (" + e.getMessage() + "); the"
              + " analyst role's connections are all in use: close a psql or wait, then try again");
        } else {
          DatabaseConfig login = path.startsWith("/api/ingestion") ? operator : analyst;
          LOG.warn("{}: {}", path, e.getMessage());
          error(exchange, 503, "cannot read PostgreSQL at " + login.describe() + ": "
              + e.getMessage() + "; is it running? ./manage.sh db start starts the local one");
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

  /** A data exception (class 22: a value out of range, q3's hop cap) or a function's RAISE. */
  static boolean isRefusedValue(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.equals("P0001"));
  }

  /** {@code 127.0.0.1}, {@code localhost} or {@code [::1]}, with any port (an SSH tunnel's). */
  static boolean isLoopbackName(String host) {
    if (host == null) {
      return false;
    }
    String name = host.strip().toLowerCase(Locale.ROOT);
    int colon = name.startsWith("[") ? name.indexOf(']') + 1 : name.indexOf(':');
    if (colon > 0 && colon < name.length() && name.charAt(colon) == ':') {
      name = name.substring(0, colon);
    }
    return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
  }

  private void route(HttpExchange exchange, String path) throws IOException, SQLException {
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
      sql(exchange, path.endsWith(".csv"));
    } else {
      error(exchange, 404, "no page " + path + "; the console is at /");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Operator: ingestion and metrics
  // ---------------------------------------------------------------------------------------

  private void metrics(HttpExchange exchange) throws IOException {
    String text;
    try (Connection c = operator.dataSource().getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      text = Metrics.render(Ingestion.pipelines(c), Metrics.counted(c), Ingestion.completeness(c),
          clock.instant());
      c.rollback();
    } catch (SQLException e) {
      LOG.warn("/metrics: cannot read the ledger: {}", e.getMessage());
      text = Metrics.databaseDown();
    }
    send(exchange, 200, Metrics.CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8));
  }

  private void ingestion(HttpExchange exchange) throws IOException, SQLException {
    Instant now = clock.instant();
    Ingestion.Report report;
    try (Connection c = operator.dataSource().getConnection()) {
      report = Ingestion.read(c, now);
    }
    ObjectNode body = json.valueToTree(report);
    body.put("operator", operator.user());
    for (int i = 0; i < report.pipelines().size(); i++) {
      Ingestion.Pipeline p = report.pipelines().get(i);
      ObjectNode node = (ObjectNode) body.withArray("pipelines").get(i);
      node.put("backlog", p.backlog());
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
    Question question = Question.byId(csv ? name.substring(0, name.length() - 4) : name);
    Map<String, String> given = query(exchange);
    int page = positive(given.remove("page"), 1, Integer.MAX_VALUE, "page");
    int pageSize = positive(given.remove("pageSize"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, "pageSize");
    given.values().removeIf(String::isBlank);
    Map<Parameter, Object> arguments = question.arguments(given);
    Answer answer;
    String definition;
    try (Connection c = analyst.dataSource().getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL statement_timeout = " + QUESTION_TIMEOUT.toMillis());
      }
      answer = question.ask(c, arguments);
      definition = csv ? null : definition(c, question);
      c.rollback();
    }
    if (csv) {
      exchange.getResponseHeaders().set(
          "Content-Disposition", "attachment; filename=\"" + question.id() + ".csv\"");
      send(exchange, 200, "text/csv; charset=utf-8",
          AnswerFormat.CSV.render(answer).getBytes(StandardCharsets.UTF_8));
      return;
    }
    int total = answer.rows().size();
    int from = (int) Math.min(total, (long) (page - 1) * pageSize);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("question", question.id());
    body.put("text", question.text());
    body.put("arguments", namedArguments(arguments));
    body.put("columns", answer.columns());
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

  private void sql(HttpExchange exchange, boolean csv) throws IOException, SQLException {
    Map<String, String> given = query(exchange);
    if (exchange.getRequestMethod().equals("POST")) {
      given.putAll(form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
    }
    int limit = positive(given.get("limit"), DEFAULT_SQL_LIMIT, MAX_SQL_LIMIT, "limit");
    SqlBox.Result result;
    try (Connection c = analyst.dataSource().getConnection()) {
      result = sqlBox.run(c, given.get("sql"), limit);
    }
    if (csv) {
      exchange.getResponseHeaders().set(
          "Content-Disposition", "attachment; filename=\"query.csv\"");
      send(exchange, 200, "text/csv; charset=utf-8",
          AnswerFormat.csv(result.columns(), result.rows()).getBytes(StandardCharsets.UTF_8));
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("columns", result.columns());
    body.put("rows", result.rows());
    body.put("truncated", result.truncated());
    body.put("limit", result.limit());
    body.put("timeoutSeconds", sqlBox.timeout().toSeconds());
    body.put("role", analyst.user());
    sendJson(exchange, 200, body);
  }

  // ---------------------------------------------------------------------------------------
  // Plumbing
  // ---------------------------------------------------------------------------------------

  /** A whole number in [1, max], or {@code fallback} when not given. */
  static int positive(String text, int fallback, int max, String name) {
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text.strip());
      if (value >= 1 && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new BadRequest(name + " must be a whole number from 1 to " + max + ", got '" + text + "'");
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
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (values.putIfAbsent(name, value) != null) {
        throw new BadRequest(name + " is given twice");
      }
    }
    return values;
  }

  private void error(HttpExchange exchange, int status, String message) throws IOException {
    sendJson(exchange, status, Map.of("error", message == null ? "unknown error" : message));
  }

  private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    send(exchange, status, "application/json; charset=utf-8", bytes);
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
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
