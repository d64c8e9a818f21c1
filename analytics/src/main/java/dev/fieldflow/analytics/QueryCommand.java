package dev.fieldflow.analytics;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.Migrations;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code manage.sh query}: asks one of the analysts' questions as the analyst role and prints
 * the answer.
 *
 * <pre>
 * query q1..q5 [--NAME=VALUE ...] [--format=table|csv] [--limit=ROWS] [--jdbcUrl=URL]
 * query all [--limit=ROWS] [--jdbcUrl=URL]     (the five tables at their defaults)
 * query --help                                    (the questions and their parameters)
 * </pre>
 *
 * <p>A parameter is named by its SQL name or its letter in POSTGRES-MODEL.md ({@code
 * --min_failed=3} or {@code --K=3}); parameters left out take the SQL function's defaults. The
 * login is the analyst's: {@code FIELDFLOW_ANALYST_USER} (default {@code fieldflow_analyst}) with
 * {@code FIELDFLOW_ANALYST_PASSWORD}, {@code ~/.pgpass} or the local database's credentials, on
 * {@code --jdbcUrl}, {@code FIELDFLOW_JDBC_URL} or the local database.
 */
public final class QueryCommand {
  public static final String ENV_ANALYST_USER = "FIELDFLOW_ANALYST_USER";
  public static final String ENV_ANALYST_PASSWORD = "FIELDFLOW_ANALYST_PASSWORD";

  private static final Duration REACHABLE_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Each question's statement timeout, set for the transaction ({@code SET LOCAL}), so that
   * neither the role's default nor an {@code options=-c statement_timeout=...} in the URL decides
   * it; the console uses the same. The analyst watchdog holds the role's own limit besides.
   */
  public static final Duration QUESTION_TIMEOUT = Duration.ofSeconds(60);

  private QueryCommand() {}

  public static void main(String[] args) throws SQLException {
    run(args, System.getenv(), System.out);
  }

  /**
   * {@link #main} with the environment and the output given.
   *
   * @param env where {@code FIELDFLOW_ANALYST_USER} and {@code FIELDFLOW_ANALYST_PASSWORD} are
   *     looked up
   * @throws IllegalArgumentException for a bad command line, before any connection is made
   */
  public static void run(String[] args, Map<String, String> env, PrintStream out)
      throws SQLException {
    Request request = Request.parse(args);
    if (request.help) {
      out.print(usage());
      return;
    }
    // Read every parameter before connecting: a typo fails at once, not after a login.
    Map<Question, Map<Parameter, Object>> asked = new LinkedHashMap<>();
    for (Question question : request.questions) {
      asked.put(question, question.arguments(request.parameters));
    }
    DatabaseConfig analyst = analystLogin(request.jdbcUrl, env);
    analyst.checkReachable(REACHABLE_TIMEOUT);
    try (Connection connection = analyst.dataSource().getConnection()) {
      // One read-only snapshot: `all` prints five answers of the same data.
      connection.setAutoCommit(false);
      connection.setReadOnly(true);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try (Statement s = connection.createStatement()) {
        s.execute("SET LOCAL statement_timeout = " + QUESTION_TIMEOUT.toMillis());
      }
      for (Map.Entry<Question, Map<Parameter, Object>> ask : asked.entrySet()) {
        Question question = ask.getKey();
        Map<Parameter, Object> arguments = ask.getValue();
        Answer answer = question.ask(connection, arguments);
        if (request.format == AnswerFormat.TABLE) {
          out.println(title(question, arguments));
        }
        out.print(
            request.limit == null
                ? request.format.render(answer)
                : request.format.render(answer, request.limit));
        if (request.format == AnswerFormat.TABLE && asked.size() > 1) {
          out.println();
        }
      }
      connection.rollback();
    }
    out.flush();
  }

  /**
   * The analyst's login: explicit URL, else {@code FIELDFLOW_JDBC_URL}, else the local
   * database; user {@code FIELDFLOW_ANALYST_USER} or the migrations' analyst role; password
   * {@code FIELDFLOW_ANALYST_PASSWORD}, else what {@link DatabaseConfig#resolve} finds for that
   * user (~/.pgpass, the local database's credentials).
   */
  public static DatabaseConfig analystLogin(String jdbcUrl, Map<String, String> env) {
    return DatabaseConfig.resolveRole(jdbcUrl, env, ENV_ANALYST_USER, Migrations.DEFAULT_ANALYST_ROLE,
        ENV_ANALYST_PASSWORD);
  }

  private static String title(Question question, Map<Parameter, Object> arguments) {
    String with =
        arguments.isEmpty()
            ? "at its defaults"
            : "with "
                + arguments.entrySet().stream()
                    .map(e -> e.getKey().letter() + "=" + e.getValue())
                    .collect(Collectors.joining(", "))
                + (arguments.size() < question.parameters().size() ? ", the rest at defaults" : "");
    return question.id() + ": " + question.text() + " (" + with + ")";
  }

  static String usage() {
    StringBuilder text =
        new StringBuilder(
            "usage: query q1..q5 [--NAME=VALUE ...] [--format=table|csv] [--limit=ROWS]"
                + " [--jdbcUrl=URL]\n"
                + "       query all [--limit=ROWS] [--jdbcUrl=URL]\n"
                + "Asks an analysts' question as the analyst role; parameters left out take their"
                + " defaults.\n"
                + "A parameter is named by its SQL name or its letter"
                + " (--min_failed=3 or --K=3).\n");
    for (Question q : Question.values()) {
      text.append('\n').append(q.id()).append(": ").append(q.text()).append('\n');
      for (Parameter p : q.parameters()) {
        text.append("    ").append(p.usage()).append('\n');
      }
    }
    return text.toString();
  }

  private static int limit(String value) {
    Integer limit = Parameter.asciiInteger(value.strip());
    if (limit != null && limit >= 0) {
      return limit;
    }
    throw new IllegalArgumentException(
        "--limit must be a number of rows >= 0, got '" + value + "'");
  }

  /** What the command line asks for. */
  private static final class Request {
    final List<Question> questions = new ArrayList<>();
    final Map<String, String> parameters = new LinkedHashMap<>();
    AnswerFormat format = AnswerFormat.TABLE;
    Integer limit;
    String jdbcUrl;
    boolean help;

    static Request parse(String[] args) {
      Request request = new Request();
      String what = null;
      for (String arg : args) {
        if (arg.equals("--help") || arg.equals("-h") || arg.equals("help")) {
          request.help = true;
          return request;
        }
        if (arg.startsWith("--")) {
          int eq = arg.indexOf('=');
          if (eq < 0) {
            throw new IllegalArgumentException(
                "option '" + arg + "' needs a value (--NAME=VALUE); see query --help");
          }
          String name = arg.substring(2, eq);
          String value = arg.substring(eq + 1);
          switch (name) {
            case "format" -> request.format = AnswerFormat.named(value);
            case "jdbcUrl" -> request.jdbcUrl = value;
            case "limit" -> request.limit = limit(value);
            default -> {
              if (request.parameters.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("--" + name + " is given twice");
              }
            }
          }
        } else if (what == null) {
          what = arg;
        } else {
          throw new IllegalArgumentException(
              "one question at a time: got '" + what + "' and '" + arg + "'; see query --help");
        }
      }
      if (what == null) {
        throw new IllegalArgumentException("which question? give q1..q5 or all; see query --help");
      }
      if (request.limit != null && request.format != AnswerFormat.TABLE) {
        throw new IllegalArgumentException("--limit shortens tables only; csv prints every row");
      }
      if (what.equalsIgnoreCase("all")) {
        if (!request.parameters.isEmpty()) {
          throw new IllegalArgumentException(
              "query all prints the answers at their defaults; ask one question to give"
                  + " parameters");
        }
        if (request.format != AnswerFormat.TABLE) {
          throw new IllegalArgumentException(
              "query all prints tables; ask one question at a time for csv");
        }
        request.questions.addAll(List.of(Question.values()));
      } else {
        request.questions.add(Question.byId(what));
      }
      return request;
    }
  }
}
