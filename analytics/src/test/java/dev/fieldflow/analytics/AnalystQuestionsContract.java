package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.HardCase;
import dev.fieldflow.testdata.HardCases;
import dev.fieldflow.testdata.Params;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SQL answers of the five questions, asked as the analyst, equal exactly the answers of
 * {@link QuestionsOracle} (plain Java over the generated records) on generated data that holds
 * the hard cases, at the defaults, at the hard cases' parameters and at other parameters; and
 * every hard case comes out as it was built. A subclass picks the hard cases' parameters and
 * brings its own PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AnalystQuestionsContract {
  /** The defaults of POSTGRES-MODEL.md, written out independently of the SQL functions. */
  private static final Map<String, String> DEFAULTS =
      Map.ofEntries(
          Map.entry("L", "2"), Map.entry("q1.from", "2020-01-01"), Map.entry("q1.to", "2020-03-31"),
          Map.entry("K", "2"), Map.entry("W", "5"), Map.entry("N", "94"), Map.entry("H", "2"),
          Map.entry("F", "10"), Map.entry("Y", "2020"), Map.entry("q5.from", "2020-03-01"),
          Map.entry("q5.to", "2020-03-31"), Map.entry("T", "126"));

  private Dataset dataset;
  private QuestionsOracle oracle;

  abstract EmbeddedPostgresExtension db();

  /** The parameters the generator builds its boundary cases around. */
  abstract HardCases hardCases();

  abstract long seed();

  @BeforeAll
  void loadGeneratedRecordsWithHardCases() {
    dataset = Dataset.generate(Params.defaults().withSeed(seed()).withHardCases(hardCases()));
    ModelFixture.load(db().admin(), dataset.network(), dataset.visits());
    oracle = new QuestionsOracle(dataset.network(), dataset.visits());
  }

  // --- the parameter sets each question is asked with (letters as in POSTGRES-MODEL.md) ---

  Stream<Map<String, String>> q1Parameters() {
    HardCases h = hardCases();
    return Stream.of(
        Map.of(),
        Map.of("L", str(h.minSkillExclusive()), "from", str(h.q1From()), "to", str(h.q1To()),
            "K", str(h.minFailedBefore())),
        Map.of("L", "0", "from", "2019-01-01", "to", "2021-12-31", "K", "1"),
        Map.of("L", "3", "K", "3"),
        Map.of("from", "2019-06-15", "to", "2019-06-15"),
        Map.of("K", "0"),
        Map.of("from", "2020-03-31", "to", "2020-01-01"));
  }

  Stream<Map<String, String>> q2Parameters() {
    int w = hardCases().minSharedTokens();
    return Stream.of(Map.of(), Map.of("W", str(w - 1)), Map.of("W", str(w)),
        Map.of("W", str(w + 1)), Map.of("W", "1"), Map.of("W", "0"), Map.of("W", "12"));
  }

  Stream<Map<String, String>> q3Parameters() {
    HardCases h = hardCases();
    return Stream.of(Map.of(), Map.of("N", str(h.centerNode()), "H", str(h.maxHops())),
        Map.of("H", "1"), Map.of("H", "3"), Map.of("H", "0"), Map.of("N", "1", "H", "2"),
        Map.of("N", str(h.centerNode()), "H", str(h.maxHops() + 3)), Map.of("N", "999999"));
  }

  Stream<Map<String, String>> q4Parameters() {
    HardCases h = hardCases();
    return Stream.of(Map.of(),
        Map.of("N", str(h.centerNode()), "H", str(h.maxHops()), "F", str(h.minFailedVisits()),
            "Y", str(h.year())),
        Map.of("F", "0"), Map.of("F", "1", "Y", "2019"), Map.of("H", "3", "F", "3", "Y", "2021"),
        Map.of("N", "7", "H", "1", "F", "2"));
  }

  Stream<Map<String, String>> q5Parameters() {
    HardCases h = hardCases();
    return Stream.of(Map.of(),
        Map.of("N", str(h.centerNode()), "H", str(h.maxHops()), "from", str(h.q5From()),
            "to", str(h.q5To()), "T", str(h.token())),
        Map.of("N", str(h.centerNode()), "H", str(h.maxHops()), "from", str(h.q5From()),
            "to", str(h.q5To()), "T", str(h.decoyToken())),
        Map.of("T", "1260"), Map.of("T", "12"), Map.of("T", "1"),
        Map.of("H", "3", "from", "2019-01-01", "to", "2021-12-31", "T", "7"),
        Map.of("from", "2020-03-15", "to", "2020-03-15"));
  }

  // --- the SQL answers equal the oracle's ---

  @ParameterizedTest(name = "q1 {0}")
  @MethodSource("q1Parameters")
  void q1EqualsTheOracle(Map<String, String> given) throws SQLException {
    Map<String, String> p = withDefaults(given, "q1");
    assertSameRows(
        ask(Question.Q1, given),
        oracle.q1(integer(p, "L"), date(p, "from"), date(p, "to"), integer(p, "K")));
  }

  @ParameterizedTest(name = "q2 {0}")
  @MethodSource("q2Parameters")
  void q2EqualsTheOracle(Map<String, String> given) throws SQLException {
    Map<String, String> p = withDefaults(given, "q2");
    assertSameRows(ask(Question.Q2, given), oracle.q2(integer(p, "W")));
  }

  @ParameterizedTest(name = "q3 {0}")
  @MethodSource("q3Parameters")
  void q3EqualsTheOracle(Map<String, String> given) throws SQLException {
    Map<String, String> p = withDefaults(given, "q3");
    assertSameRows(ask(Question.Q3, given), oracle.q3(integer(p, "N"), integer(p, "H")));
  }

  @ParameterizedTest(name = "q4 {0}")
  @MethodSource("q4Parameters")
  void q4EqualsTheOracle(Map<String, String> given) throws SQLException {
    Map<String, String> p = withDefaults(given, "q4");
    assertSameRows(
        ask(Question.Q4, given),
        oracle.q4(integer(p, "N"), integer(p, "H"), integer(p, "F"), integer(p, "Y")));
  }

  @ParameterizedTest(name = "q5 {0}")
  @MethodSource("q5Parameters")
  void q5EqualsTheOracle(Map<String, String> given) throws SQLException {
    Map<String, String> p = withDefaults(given, "q5");
    assertSameRows(
        ask(Question.Q5, given),
        oracle.q5(integer(p, "N"), integer(p, "H"), date(p, "from"), date(p, "to"),
            integer(p, "T")));
  }

  // --- the hard cases are really there, and each comes out as built ---

  @Test
  void theDataHoldsEveryKindOfHardCase() {
    Set<String> names = new LinkedHashSet<>();
    dataset.hardCases().forEach(c -> names.add(c.name()));
    assertThat(names, hasItems(
        "q1.success-on-first-day", "q1.success-on-last-day", "q1.success-day-before-range",
        "q1.success-day-after-range", "q1.k-failures-then-success",
        "q1.k-minus-1-failures-then-success", "q2.shares-w-minus-1-with-repeats",
        "q2.shares-w-with-repeats", "q2.shares-w-plus-1", "q3.edge-only-on-far-end",
        "q3.exactly-h-hops", "q3.h-plus-1-hops", "q5.decoy-token-only"));
  }

  Stream<HardCase> hardCasesOfTheData() {
    return dataset.hardCases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hardCasesOfTheData")
  void everyHardCaseComesOutAsBuilt(HardCase hardCase) throws SQLException {
    Answer answer = ask(Question.byId(hardCase.question()), hardCaseParameters(hardCase.question()));
    Optional<List<Object>> row =
        answer.rows().stream()
            .filter(r -> ((Number) r.get(0)).longValue() == hardCase.id())
            .filter(r -> hardCase.visitId() == 0 || ((Number) r.get(1)).intValue() == hardCase.visitId())
            .findFirst();
    String what = hardCase.name() + " (" + hardCase.description() + ")";
    assertThat(what + ": in the answer", row.isPresent(), is(hardCase.inAnswer()));
    if (hardCase.inAnswer() && hardCase.value().isPresent()) {
      assertThat(what + ": value", ((Number) row.get().get(1)).longValue(),
          is(hardCase.value().getAsLong()));
    }
  }

  @Test
  void theDecoyTokenIsNotTheToken() throws SQLException {
    HardCases h = hardCases();
    Map<String, String> decoy = new LinkedHashMap<>(hardCaseParameters("q5"));
    decoy.put("T", str(h.decoyToken()));
    assertThat(ask(Question.Q5, decoy).rows(), is(not(ask(Question.Q5, hardCaseParameters("q5")).rows())));
  }

  // --- helpers ---

  private Map<String, String> hardCaseParameters(String question) {
    HardCases h = hardCases();
    return switch (question) {
      case "q1" -> Map.of("L", str(h.minSkillExclusive()), "from", str(h.q1From()),
          "to", str(h.q1To()), "K", str(h.minFailedBefore()));
      case "q2" -> Map.of("W", str(h.minSharedTokens()));
      case "q3" -> Map.of("N", str(h.centerNode()), "H", str(h.maxHops()));
      case "q4" -> Map.of("N", str(h.centerNode()), "H", str(h.maxHops()),
          "F", str(h.minFailedVisits()), "Y", str(h.year()));
      case "q5" -> Map.of("N", str(h.centerNode()), "H", str(h.maxHops()),
          "from", str(h.q5From()), "to", str(h.q5To()), "T", str(h.token()));
      default -> throw new IllegalArgumentException("no question " + question);
    };
  }

  /** Asks through the same path as {@code manage.sh query}: text parameters, analyst login. */
  private Answer ask(Question question, Map<String, String> given) throws SQLException {
    try (Connection analyst = db().analyst().dataSource().getConnection()) {
      analyst.setReadOnly(true);
      return question.ask(analyst, question.arguments(given));
    }
  }

  /** The given parameters over the documented defaults; from/to are the question's own. */
  private static Map<String, String> withDefaults(Map<String, String> given, String question) {
    Map<String, String> p = new LinkedHashMap<>();
    DEFAULTS.forEach((k, v) -> {
      if (k.startsWith(question + ".")) {
        p.put(k.substring(question.length() + 1), v);
      } else if (!k.contains(".")) {
        p.put(k, v);
      }
    });
    p.putAll(given);
    return p;
  }

  private static int integer(Map<String, String> p, String letter) {
    return Integer.parseInt(p.get(letter));
  }

  private static LocalDate date(Map<String, String> p, String letter) {
    return LocalDate.parse(p.get(letter));
  }

  private static String str(Object value) {
    return String.valueOf(value);
  }

  /** Equal rows in equal order; on a difference, says which rows are missing or extra. */
  private static void assertSameRows(Answer sql, List<List<Object>> expected) {
    if (sql.rows().equals(expected)) {
      return;
    }
    List<List<Object>> missing = new ArrayList<>(expected);
    missing.removeAll(sql.rows());
    List<List<Object>> extra = new ArrayList<>(sql.rows());
    extra.removeAll(expected);
    fail(sql.question().id() + ": SQL gave " + sql.rows().size() + " rows, the oracle "
        + expected.size() + "; missing " + first(missing) + ", extra " + first(extra)
        + (missing.isEmpty() && extra.isEmpty() ? " (same rows, other order)" : ""));
  }

  private static List<List<Object>> first(List<List<Object>> rows) {
    return rows.subList(0, Math.min(10, rows.size()));
  }
}
