package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardCasesTest {

  private static final HardCases H = HardCases.analystDefaults();
  private static final Params PARAMS = Params.defaults().withSeed(99).withVisits(4000)
      .withLinesPerFile(500).withQuirks(true).withBadLines(10).withHardCases(H);

  @TempDir Path dir;

  private static Dataset dataset() {
    return Dataset.generate(PARAMS);
  }

  private static HardCase hardCase(Dataset dataset, String name) {
    return dataset.hardCases().stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no hard case " + name));
  }

  @Test
  void everyHardCaseIsAnsweredAsItSays() {
    Dataset dataset = dataset();
    ExpectedAnswers answers = dataset.expectedAnswers();
    List<ExpectedAnswers.Q1Row> q1 = answers.q1(H.minSkillExclusive(), H.q1From(), H.q1To(),
        H.minFailedBefore());
    List<ExpectedAnswers.Q2Row> q2 = answers.q2(H.minSharedTokens());
    List<ExpectedAnswers.Q3Row> q3 = answers.q3(H.centerNode(), H.maxHops());
    List<ExpectedAnswers.Q4Row> q4 = answers.q4(H.centerNode(), H.maxHops(),
        H.minFailedVisits(), H.year());
    List<Integer> q5 = answers.q5(H.centerNode(), H.maxHops(), H.q5From(), H.q5To(),
        H.token());

    assertThat(dataset.hardCases(), hasSize(34));
    for (HardCase c : dataset.hardCases()) {
      Long value = switch (c.question()) {
        case "q1" -> q1.stream().filter(r -> r.taskId() == c.id() && r.visitId() == c.visitId())
            .map(r -> 0L).findFirst().orElse(null);
        case "q2" -> q2.stream().filter(r -> r.taskId() == c.id())
            .map(r -> (long) r.sharedTokens()).findFirst().orElse(null);
        case "q3" -> q3.stream().filter(r -> r.nodeId() == c.id())
            .map(r -> (long) r.hops()).findFirst().orElse(null);
        case "q4" -> q4.stream().filter(r -> r.nodeId() == c.id())
            .map(ExpectedAnswers.Q4Row::failedVisits).findFirst().orElse(null);
        case "q5" -> q5.contains((int) c.id()) ? 0L : null;
        default -> throw new AssertionError(c.question());
      };
      assertThat(c.name(), value != null, is(c.inAnswer()));
      if (c.value().isPresent()) {
        assertThat(c.name(), value, is(c.value().getAsLong()));
      }
    }
  }

  @Test
  void everyQuestionHasCasesInAndOutOfItsAnswer() {
    Map<String, Set<Boolean>> sides = new HashMap<>();
    for (HardCase c : dataset().hardCases()) {
      sides.computeIfAbsent(c.question(), q -> new HashSet<>()).add(c.inAnswer());
    }
    assertThat(sides.keySet(), equalTo(Set.of("q1", "q2", "q3", "q4", "q5")));
    assertThat(sides.values().stream().allMatch(s -> s.size() == 2), is(true));
  }

  @Test
  void q1BoundaryDaysAreCovered() {
    Dataset dataset = dataset();
    Set<LocalDate> successDays = new HashSet<>();
    for (HardCase c : dataset.hardCases()) {
      if (c.question().equals("q1")) {
        successDays.add(dataset.visit(c.id(), c.visitId()).orElseThrow().visitDate());
      }
    }
    assertThat(successDays, hasItem(H.q1From()));
    assertThat(successDays, hasItem(H.q1To()));
    assertThat(successDays, hasItem(H.q1From().minusDays(1)));
    assertThat(successDays, hasItem(H.q1To().plusDays(1)));
  }

  @Test
  void q1HasTasksWithExactlyKAndKMinus1FailuresBeforeTheSuccess() {
    Dataset dataset = dataset();
    for (String name : List.of("q1.k-failures-then-success",
        "q1.k-minus-1-failures-then-success")) {
      HardCase c = hardCase(dataset, name);
      long failures = dataset.visits().stream()
          .filter(v -> v.taskId() == c.id() && v.visitId() < c.visitId() && !v.succeeded())
          .count();
      int expected = name.contains("minus") ? H.minFailedBefore() - 1 : H.minFailedBefore();
      assertThat(name, failures, is((long) expected));
      assertThat(name, dataset.visit(c.id(), c.visitId()).orElseThrow().succeeded(), is(true));
    }
  }

  @Test
  void q2CasesShareWMinus1WAndWPlus1DistinctTokensWithRepeats() {
    Dataset dataset = dataset();
    int w = H.minSharedTokens();
    Map<String, Integer> expected = Map.of("q2.shares-w-minus-1-with-repeats", w - 1,
        "q2.shares-w-with-repeats", w, "q2.shares-w-plus-1", w + 1);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      HardCase c = hardCase(dataset, e.getKey());
      GeneratedVisit first = dataset.visit(c.id(), 1).orElseThrow();
      GeneratedVisit second = dataset.visit(c.id(), 2).orElseThrow();
      Set<Integer> shared = tokens(first);
      shared.retainAll(tokens(second));
      assertThat(e.getKey(), shared.size(), is(e.getValue()));
      assertThat(first.outcome() + second.outcome(), is("FAILSUCCESS"));
      if (e.getKey().contains("repeats")) {
        assertThat(e.getKey(), first.noteTokens().length, greaterThan(tokens(first).size()));
        // Counting token pairs instead of distinct tokens would reach W.
        long pairs = Arrays.stream(first.noteTokens()).mapToLong(a ->
            Arrays.stream(second.noteTokens()).filter(b -> b == a).count()).sum();
        assertThat(e.getKey(), pairs >= w, is(true));
      }
    }
  }

  @Test
  void q5DecoyNoteHasTheDecoyTokenButNotTheToken() {
    Dataset dataset = dataset();
    HardCase c = hardCase(dataset, "q5.decoy-token-only");
    List<GeneratedVisit> visits = dataset.visits().stream()
        .filter(v -> v.nodeId() == c.id()).toList();
    assertThat(visits, not(empty()));
    for (GeneratedVisit v : visits) {
      assertThat(v.noteContains(H.decoyToken()), is(true));
      assertThat(v.noteContains(H.token()), is(false));
    }
  }

  @Test
  void farEndEdgeIsWrittenOnlyOnTheFarNodesLine() throws IOException {
    Dataset dataset = dataset();
    dataset.writeTo(dir);
    int near = (int) hardCase(dataset, "q3.edge-only-on-far-end").id();

    List<List<Integer>> withBoth = acceptedLines().stream()
        .filter(ids -> ids.contains(near) && ids.contains(H.centerNode())).toList();
    assertThat(withBoth, equalTo(List.of(List.of(near, H.centerNode()))));
  }

  /** The node ids of each accepted adjacency line, first the line's own node. */
  private List<List<Integer>> acceptedLines() throws IOException {
    List<List<Integer>> lines = new ArrayList<>();
    for (String line : RawText.lines(dir.resolve("network/network.adjlist"))) {
      String data = line.replaceAll("#.*", "").trim();
      if (!data.isEmpty() && data.matches("(NODE)?\\d+( (NODE)?\\d+)*")) {
        lines.add(Arrays.stream(data.split(" "))
            .map(t -> Integer.parseInt(t.replace("NODE", ""))).toList());
      }
    }
    return lines;
  }

  @Test
  void nodesSitExactlyHAndHPlus1HopsFromTheCenterInTheWrittenFile() throws IOException {
    Dataset dataset = dataset();
    dataset.writeTo(dir);
    Map<Integer, Set<Integer>> adjacency = new HashMap<>();
    for (List<Integer> ids : acceptedLines()) {
      for (int neighbour : ids.subList(1, ids.size())) {
        adjacency.computeIfAbsent(ids.get(0), n -> new HashSet<>()).add(neighbour);
        adjacency.computeIfAbsent(neighbour, n -> new HashSet<>()).add(ids.get(0));
      }
    }
    Map<Integer, Integer> hops = new HashMap<>();
    Deque<Integer> queue = new ArrayDeque<>(List.of(H.centerNode()));
    hops.put(H.centerNode(), 0);
    while (!queue.isEmpty()) {
      int node = queue.poll();
      for (int next : adjacency.getOrDefault(node, Set.of())) {
        if (!hops.containsKey(next)) {
          hops.put(next, hops.get(node) + 1);
          queue.add(next);
        }
      }
    }
    assertThat(hops.get((int) hardCase(dataset, "q3.exactly-h-hops").id()), is(H.maxHops()));
    assertThat(hops.get((int) hardCase(dataset, "q3.h-plus-1-hops").id()), is(H.maxHops() + 1));
    assertThat(hops.get((int) hardCase(dataset, "q4.exactly-f-failures-in-year").id()),
        is(H.maxHops()));
  }

  @Test
  void hardCasesAreTheSameForEverySeed() {
    Dataset a = Dataset.generate(PARAMS);
    Dataset b = Dataset.generate(PARAMS.withSeed(7));

    assertThat(b.hardCases(), equalTo(a.hardCases()));
  }

  @Test
  void hardCasesWorkWithOtherParameters() {
    HardCases other = new HardCases(3, LocalDate.of(2019, 6, 1), LocalDate.of(2019, 6, 30), 3,
        7, 12, 3, 5, 2021, LocalDate.of(2021, 2, 1), LocalDate.of(2021, 2, 28), 33, 333);
    Dataset dataset = Dataset.generate(Params.defaults().withNodes(60).withVisits(500)
        .withHardCases(other));
    ExpectedAnswers answers = dataset.expectedAnswers();

    Set<Long> q1 = answers.q1(3, other.q1From(), other.q1To(), 3).stream()
        .map(ExpectedAnswers.Q1Row::taskId).collect(Collectors.toSet());
    Set<Integer> q4 = answers.q4(12, 3, 5, 2021).stream().map(ExpectedAnswers.Q4Row::nodeId)
        .collect(Collectors.toSet());
    List<Integer> q5 = answers.q5(12, 3, other.q5From(), other.q5To(), 33);
    for (HardCase c : dataset.hardCases()) {
      switch (c.question()) {
        case "q1" -> assertThat(c.name(), q1.contains(c.id()), is(c.inAnswer()));
        case "q4" -> assertThat(c.name(), q4.contains((int) c.id()), is(c.inAnswer()));
        case "q5" -> assertThat(c.name(), q5.contains((int) c.id()), is(c.inAnswer()));
        default -> { }
      }
    }
  }

  @Test
  void hardCasesNeedTheCenterNodeInTheNetwork() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Params.defaults().withNodes(50).withHardCases(H));

    assertThat(e.getMessage(), containsString("NODE94"));
  }

  private static Set<Integer> tokens(GeneratedVisit visit) {
    return Arrays.stream(visit.noteTokens()).boxed().collect(Collectors.toSet());
  }
}
