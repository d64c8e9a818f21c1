package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code manage.sh query}: what it prints, and as whom it asks. */
class QueryCommandTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeAll
  static void aSmallNetwork() {
    // 94 - 1 - 2 - 3, and 4 - 94 written the other way round.
    db.execute("INSERT INTO fieldflow.nodes (node_id) VALUES (94), (1), (2), (3), (4)");
    db.execute("INSERT INTO fieldflow.network_edges VALUES (94, 1), (1, 94), (1, 2), (2, 1),"
        + " (2, 3), (3, 2), (4, 94), (94, 4)");
  }

  @Test
  void csvHasAHeaderRowAndRowsSortedByTheFirstColumn() throws SQLException {
    assertThat(query("q3", "--format=csv"), is("node_id,hops\n1,1\n2,2\n4,1\n"));
  }

  @Test
  void twoRunsPrintTheSameText() throws SQLException {
    assertThat(query("q3", "--H=3", "--format=csv"), is(query("q3", "--H=3", "--format=csv")));
  }

  @Test
  void aParameterIsNamedByItsLetterOrItsSqlName() throws SQLException {
    assertThat(query("q3", "--H=3", "--format=csv"),
        is(query("q3", "--max_hops=3", "--format=csv")));
    assertThat(query("q3", "--H=3", "--format=csv"), is("node_id,hops\n1,1\n2,2\n3,3\n4,1\n"));
  }

  @Test
  void tableStatesTheQuestionAndCountsTheRows() throws SQLException {
    assertThat(
        query("q3", "--N=2", "--H=1"),
        is("q3: nodes within H hops of node N in the undirected network, N itself excluded"
            + " (with N=2, H=1)\n"
            + " node_id | hops\n"
            + "---------+------\n"
            + "       1 |    1\n"
            + "       3 |    1\n"
            + "(2 rows)\n"));
  }

  @Test
  void limitShowsTheFirstRowsAndSaysHowManyThereAre() throws SQLException {
    assertThat(
        query("q3", "--limit=2"),
        is("q3: nodes within H hops of node N in the undirected network, N itself excluded"
            + " (at its defaults)\n"
            + " node_id | hops\n"
            + "---------+------\n"
            + "       1 |    1\n"
            + "       2 |    2\n"
            + "(first 2 of 3 rows)\n"));
  }

  @Test
  void allPrintsTheFiveAnswersAtTheirDefaults() throws SQLException {
    String lines = "\n" + query("all");
    for (String q : new String[] {"q1", "q2", "q3", "q4", "q5"}) {
      assertThat(lines, containsString("\n" + q + ": "));
    }
    assertThat(lines, containsString("\n       1 |    1\n"));
  }

  @Test
  void asksAsTheAnalystRole() throws SQLException {
    // A question the analyst may not ask fails: here its function is taken away from the role.
    try (Connection admin = db.admin().dataSource().getConnection();
        Statement statement = admin.createStatement()) {
      statement.execute("REVOKE EXECUTE ON FUNCTION analytics.q2(integer) FROM fieldflow_analyst");
    }
    try {
      SQLException e = assertThrows(SQLException.class, () -> query("q2"));
      assertThat(e.getMessage(), containsString("permission denied for function q2"));
    } finally {
      db.execute("GRANT EXECUTE ON FUNCTION analytics.q2(integer) TO fieldflow_analyst");
    }
  }

  @Test
  void anUnknownParameterFailsBeforeConnecting() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> QueryCommand.run(new String[] {"q3", "--T=126"}, Map.of(), nowhere()));
    assertThat(e.getMessage(),
        is("q3 has no parameter 'T'; its parameters: --origin (N), --max_hops (H)"));
  }

  @Test
  void aValueOfTheWrongTypeSaysWhatWasExpected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> QueryCommand.run(new String[] {"q1", "--from=2020-13-01"}, Map.of(), nowhere()));
    assertThat(e.getMessage(),
        is("--date_from (from) must be a date YYYY-MM-DD from 0001-01-01, got '2020-13-01'"));
  }

  @Test
  void aLimitIsWrittenInAsciiDigits() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QueryCommand.run(new String[] {"q3", "--limit=\u0663"}, Map.of(), nowhere()));
    assertThat(e.getMessage(), is("--limit must be a number of rows >= 0, got '\u0663'"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"--H=\uFF13", "--H=\u0663", "--H=3.0", "--H= "})
  void anIntegerIsWrittenInAsciiDigits(String option) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QueryCommand.run(new String[] {"q3", option}, Map.of(), nowhere()));
    assertThat(e.getMessage(), startsWith("--max_hops (H) must be an integer, got '"));
  }

  @ParameterizedTest
  @CsvSource({"2147483648, above 2147483647", "-2147483649, below -2147483648",
      "99999999999999999999, above 2147483647"})
  void anIntegerPastAnIntIsOutOfRangeNotNoInteger(String value, String past) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QueryCommand.run(new String[] {"q3", "--H=" + value}, Map.of(), nowhere()));
    assertThat(e.getMessage(), is("--max_hops (H) is out of range: '" + value + "' is " + past
        + ", past any value a question takes"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"+10000-01-01", "-0001-01-01", "0000-01-01", "2020-1-01", "\uFF12020-01-01"})
  void aDateIsYyyyMmDdFromYear1AsPostgresReadsItBack(String date) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> QueryCommand.run(new String[] {"q1", "--to=" + date}, Map.of(), nowhere()));
    assertThat(e.getMessage(),
        is("--date_to (to) must be a date YYYY-MM-DD from 0001-01-01, got '" + date + "'"));
  }

  @Test
  void helpStatesTheDefaultsOfTheSqlFunctions() {
    for (Question question : Question.values()) {
      String signature =
          (String) db.rows("SELECT pg_get_function_arguments(?::regproc)", question.function())
              .get(0).get(0);
      for (Parameter p : question.parameters()) {
        Matcher sql =
            Pattern.compile("\\b" + p.name() + " \\w+ DEFAULT '?([^',]+)").matcher(signature);
        assertThat(question.id() + " " + p.name() + " in " + signature, sql.find(), is(true));
        assertThat(question.id() + " " + p.name(), p.meaning(),
            endsWith("(default " + sql.group(1) + ")"));
      }
    }
  }

  private static String query(String... args) throws SQLException {
    DatabaseConfig analyst = db.analyst();
    String[] withUrl = new String[args.length + 1];
    System.arraycopy(args, 0, withUrl, 0, args.length);
    withUrl[args.length] = "--jdbcUrl=" + analyst.jdbcUrl();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      QueryCommand.run(
          withUrl,
          Map.of(QueryCommand.ENV_ANALYST_USER, analyst.user(),
              QueryCommand.ENV_ANALYST_PASSWORD, analyst.password()),
          out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static PrintStream nowhere() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }
}
