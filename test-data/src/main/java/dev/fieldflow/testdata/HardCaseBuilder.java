package dev.fieldflow.testdata;

import dev.fieldflow.testdata.NetworkGenerator.FixedLine;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * Builds the analysts' hard cases: extra network nodes hung off the center node by edges
 * written only on the far end's line, and extra tasks whose visits sit on, just inside and
 * just outside every boundary of the five questions. Nothing here is random, so the cases are
 * the same for every seed; only their ids move with the size of the random data.
 *
 * <p>Each hard-case entity is built to matter to its own question only: tasks of q2, q4 and q5
 * use skill level L (never above it, so never in q1), and notes are made of fresh tokens that
 * no other note of the task shares and that are never T.
 */
final class HardCaseBuilder {

  /** A visit line and how it is written. */
  record PlannedVisit(GeneratedVisit visit, VisitLineStyle style) {}

  /**
   * @param networkLines lines appended to the adjacency file
   * @param firstLines visit lines at the start of the first visit file
   * @param resends visit lines of the final re-send file (changed and identical)
   */
  record Built(
      List<FixedLine> networkLines,
      List<PlannedVisit> firstLines,
      List<PlannedVisit> resends,
      List<HardCase> cases,
      long firstTaskId) {}

  private static final int TASK_TYPE = 3;
  private static final int AGE_IN_2019 = 12;
  private static final int FIRST_QUIET_TOKEN = 300;

  private final HardCases h;
  private final int skillAbove;
  private final int skillAt;
  private final int[] chain;
  private final int anchor;
  private final int q4Exact;
  private final int q4Below;
  private final int q5First;
  private final int q5Last;
  private final int q5Outside;
  private final int q5Decoy;
  private final int isolated;
  private final int visitsOnly;
  private final long firstTaskId;
  private long nextTaskId;
  private int nextQuietToken = FIRST_QUIET_TOKEN;
  private final List<PlannedVisit> firstLines = new ArrayList<>();
  private final List<PlannedVisit> resends = new ArrayList<>();
  private final List<HardCase> cases = new ArrayList<>();

  HardCaseBuilder(HardCases hardCases, Params params) {
    this.h = hardCases;
    this.skillAbove = h.minSkillExclusive() + 1;
    this.skillAt = h.minSkillExclusive();
    int next = params.nodes() + 1;
    // chain[k] is k hops from the center; chain[0] is the center itself.
    chain = new int[h.maxHops() + 2];
    chain[0] = h.centerNode();
    for (int k = 1; k < chain.length; k++) {
      chain[k] = next++;
    }
    anchor = chain[h.maxHops() - 1];
    q4Exact = next++;
    q4Below = next++;
    q5First = next++;
    q5Last = next++;
    q5Outside = next++;
    q5Decoy = next++;
    isolated = next++;
    visitsOnly = next;
    this.firstTaskId = firstTaskId(params.visits());
    this.nextTaskId = firstTaskId;
  }

  /** A round number above every random task id: 1000001 for up to 333,000 visits. */
  static long firstTaskId(int visits) {
    long base = 1_000_000;
    while (base <= VisitGenerator.maxTaskId(visits)) {
      base *= 10;
    }
    return base + 1;
  }

  Built build() {
    List<FixedLine> network = network();
    q1();
    q2();
    q3();
    q4();
    q5();
    return new Built(network, List.copyOf(firstLines), List.copyOf(resends), List.copyOf(cases),
        firstTaskId);
  }

  private List<FixedLine> network() {
    List<FixedLine> lines = new ArrayList<>();
    for (int k = 1; k < chain.length; k++) {
      lines.add(new FixedLine(chain[k], new int[] {chain[k - 1]}));
    }
    for (int probe : new int[] {q4Exact, q4Below, q5First, q5Last, q5Outside, q5Decoy}) {
      lines.add(new FixedLine(probe, new int[] {anchor}));
    }
    lines.add(new FixedLine(isolated, new int[0]));
    return lines;
  }

  // ---- q1: successes above skill L in [from, to] after at least K failures of the task ----

  private void q1() {
    int k = h.minFailedBefore();
    LocalDate from = h.q1From();
    LocalDate to = h.q1To();
    LocalDate mid = middle(from, to);
    q1Case("q1.k-failures-then-success", k, mid, skillAbove, true,
        "exactly K failed visits, then a success inside the range");
    q1Case("q1.k-minus-1-failures-then-success", k - 1, mid, skillAbove, false,
        "exactly K-1 failed visits, then a success inside the range");
    q1Case("q1.more-than-k-failures-then-success", k + 1, mid, skillAbove, true,
        "K+1 failed visits, then a success: at least K");
    q1Case("q1.success-on-first-day", k, from, skillAbove, true,
        "the success is on the range's first day, which is included");
    q1Case("q1.success-on-last-day", k, to, skillAbove, true,
        "the success is on the range's last day, which is included");
    q1Case("q1.success-day-before-range", k, from.minusDays(1), skillAbove, false,
        "the success is one day before the range");
    q1Case("q1.success-day-after-range", k, to.plusDays(1), skillAbove, false,
        "the success is one day after the range");
    q1Case("q1.skill-equal-to-threshold", k, mid, skillAt, false,
        "the engineer's skill level is exactly L, not above it");

    // Visit K+1 succeeds, but only K-1 visits before it failed: a visit number is not a count.
    String[] outcomes = repeat(GeneratedVisit.FAIL, k + 1);
    outcomes[k - 1] = GeneratedVisit.SUCCESS;
    outcomes[k] = GeneratedVisit.SUCCESS;
    List<GeneratedVisit> visits = task(visitsOnly, skillAbove, datesEndingOn(mid, k + 1),
        outcomes, null);
    addFirst(visits);
    q1Expect("q1.visit-number-is-not-a-failure-count", visits.get(k), false,
        "visit K+1 succeeds after K-1 failures and one success of the same task");

    List<GeneratedVisit> failures = task(visitsOnly, skillAbove, datesEndingOn(mid, k),
        repeat(GeneratedVisit.FAIL, k), null);
    addFirst(failures);
    List<GeneratedVisit> other = task(visitsOnly, skillAbove, new LocalDate[] {mid},
        new String[] {GeneratedVisit.SUCCESS}, null);
    addFirst(other);
    q1Expect("q1.failures-of-another-task", other.get(0), false,
        "K failures of another task at the same node, then this task's first visit succeeds");

    visits = task(visitsOnly, skillAbove, datesEndingOn(mid, k + 1), failuresThenSuccess(k),
        null);
    firstLines.add(new PlannedVisit(visits.get(k), VisitLineStyle.PLAIN));
    addFirst(visits.subList(0, k));
    q1Expect("q1.success-line-before-failures", visits.get(k), true,
        "the success is written on a line before the task's failures");

    visits = task(visitsOnly, skillAbove, datesEndingOn(mid, k + 1),
        repeat(GeneratedVisit.FAIL, k + 1), null);
    addFirst(visits);
    GeneratedVisit changed = visits.get(k).withOutcome(GeneratedVisit.SUCCESS);
    resends.add(new PlannedVisit(changed, VisitLineStyle.PLAIN));
    q1Expect("q1.changed-resend-to-success", changed, true,
        "visit K+1 first arrives as FAIL; a later file re-sends it as SUCCESS (last wins)");

    visits = task(visitsOnly, skillAbove, datesEndingOn(mid, k + 1), failuresThenSuccess(k),
        null);
    addFirst(visits);
    changed = visits.get(k).withOutcome(GeneratedVisit.FAIL);
    resends.add(new PlannedVisit(changed, VisitLineStyle.PLAIN));
    q1Expect("q1.changed-resend-to-fail", changed, false,
        "visit K+1 first arrives as SUCCESS; a later file re-sends it as FAIL (last wins)");

    long bigTaskId = (1L << 32) + firstTaskId;
    visits = task(bigTaskId, visitsOnly, skillAbove, datesEndingOn(mid, k + 1),
        failuresThenSuccess(k), null);
    addFirst(visits);
    q1Expect("q1.task-id-beyond-32-bits", visits.get(k), true,
        "K failures then a success, in a task whose id does not fit in 32 bits");
  }

  private void q1Case(String name, int failures, LocalDate successDay, int skill,
      boolean inAnswer, String description) {
    List<GeneratedVisit> visits = task(visitsOnly, skill,
        datesEndingOn(successDay, failures + 1), failuresThenSuccess(failures), null);
    addFirst(visits);
    q1Expect(name, visits.get(failures), inAnswer, description);
  }

  private void q1Expect(String name, GeneratedVisit visit, boolean inAnswer,
      String description) {
    cases.add(new HardCase(name, "q1", visit.taskId(), visit.visitId(), inAnswer,
        OptionalLong.empty(), description));
  }

  // ---- q2: visit 1 failed, visit 2 succeeded, notes share at least W distinct tokens ----

  private void q2() {
    int w = h.minSharedTokens();
    LocalDate day = h.q1To().plusDays(60);
    q2Case("q2.shares-w-minus-1-with-repeats", w - 1, true, day, false, false,
        "W-1 shared distinct tokens; repeats inside each note make W or more pairs");
    q2Case("q2.shares-w-with-repeats", w, true, day.plusDays(10), false, true,
        "exactly W shared distinct tokens, some repeated inside a note");
    q2Case("q2.shares-w-plus-1", w + 1, false, day.plusDays(20), false, true,
        "W+1 shared distinct tokens");
    q2Case("q2.note-as-json-array", w, false, day.plusDays(30), true, true,
        "exactly W shared tokens, both notes written as JSON arrays");

    int[] shared = freshTokens(w + 1);
    List<GeneratedVisit> visits = task(visitsOnly, skillAt,
        new LocalDate[] {day.plusDays(40), day.plusDays(45)},
        new String[] {GeneratedVisit.SUCCESS, GeneratedVisit.SUCCESS},
        new int[][] {withFresh(shared), withFresh(shared)});
    addFirst(visits);
    q2Expect("q2.first-visit-succeeded", visits.get(0).taskId(), false, 0,
        "visits 1 and 2 share W+1 tokens, but visit 1 succeeded");

    shared = freshTokens(w + 1);
    visits = task(visitsOnly, skillAt,
        new LocalDate[] {day.plusDays(50), day.plusDays(55), day.plusDays(60)},
        new String[] {GeneratedVisit.FAIL, GeneratedVisit.FAIL, GeneratedVisit.SUCCESS},
        new int[][] {withFresh(shared), withFresh(shared), withFresh(shared)});
    addFirst(visits);
    q2Expect("q2.success-at-third-visit", visits.get(0).taskId(), false, 0,
        "visits 1, 2 and 3 share W+1 tokens, but the task succeeds at visit 3");
  }

  private void q2Case(String name, int sharedCount, boolean repeats, LocalDate day,
      boolean asArrays, boolean inAnswer, String description) {
    int[] shared = freshTokens(sharedCount);
    int[] first;
    int[] second;
    if (repeats) {
      int again = shared[Math.min(1, shared.length - 1)];
      first = concat(shared, new int[] {shared[0], shared[0]}, freshTokens(2));
      second = concat(reversed(shared), new int[] {again}, freshTokens(2));
    } else {
      first = concat(shared, freshTokens(2));
      second = concat(reversed(shared), freshTokens(2));
    }
    List<GeneratedVisit> visits = task(visitsOnly, skillAt,
        new LocalDate[] {day, day.plusDays(5)},
        new String[] {GeneratedVisit.FAIL, GeneratedVisit.SUCCESS}, new int[][] {first, second});
    VisitLineStyle style = asArrays ? VisitLineStyle.PLAIN.withNoteArray() : VisitLineStyle.PLAIN;
    for (GeneratedVisit visit : visits) {
      firstLines.add(new PlannedVisit(visit, style));
    }
    q2Expect(name, visits.get(0).taskId(), inAnswer, sharedCount, description);
  }

  private void q2Expect(String name, long taskId, boolean inAnswer, int shared,
      String description) {
    cases.add(new HardCase(name, "q2", taskId, 0, inAnswer,
        inAnswer ? OptionalLong.of(shared) : OptionalLong.empty(), description));
  }

  // ---- q3: nodes within H hops of N, following edges both ways ----

  private void q3() {
    int hops = h.maxHops();
    nodeExpect("q3.edge-only-on-far-end", "q3", chain[1], true, OptionalLong.of(1),
        "one hop from N; the edge is written only on this node's line, not on N's");
    nodeExpect("q3.exactly-h-hops", "q3", chain[hops], true, OptionalLong.of(hops),
        "exactly H hops from N along edges each written only on the far end's line");
    nodeExpect("q3.h-plus-1-hops", "q3", chain[hops + 1], false, OptionalLong.empty(),
        "exactly H+1 hops from N");
    nodeExpect("q3.center-excluded", "q3", h.centerNode(), false, OptionalLong.empty(),
        "N itself is reachable back through its neighbours but is not in the answer");
    nodeExpect("q3.isolated-node", "q3", isolated, false, OptionalLong.empty(),
        "declared alone on its line, with no edges at all");
    nodeExpect("q3.node-only-in-visits", "q3", visitsOnly, false, OptionalLong.empty(),
        "visited (the q1 and q2 tasks live here) but absent from the network");
  }

  // ---- q4: nodes of q3 with at least F failed visits dated in year Y ----

  private void q4() {
    int f = h.minFailedVisits();
    addFirst(failuresInYear(q4Exact, f));
    nodeExpect("q4.exactly-f-failures-in-year", "q4", q4Exact, true, OptionalLong.of(f),
        "H hops from N; exactly F failures in Y, on Y's first and last days among others, "
            + "and failures on the days just outside Y");
    List<GeneratedVisit> below = failuresInYear(q4Below, f - 1);
    addFirst(below);
    // The first task's second visit is the failure on 1 January of Y.
    resends.add(new PlannedVisit(below.get(1), VisitLineStyle.PLAIN));
    nodeExpect("q4.f-minus-1-failures-in-year", "q4", q4Below, false, OptionalLong.empty(),
        "F-1 failures in Y, failures on the days just outside Y, and one failure re-sent "
            + "identically in a later file: counting any of those would reach F");
    addFirst(failuresInYear(chain[h.maxHops() + 1], f + 2));
    nodeExpect("q4.beyond-h-hops", "q4", chain[h.maxHops() + 1], false, OptionalLong.empty(),
        "F+2 failures in Y, but H+1 hops from N");
  }

  /** Exactly {@code count} failed visits dated in Y at {@code node}, plus two just outside. */
  private List<GeneratedVisit> failuresInYear(int node, int count) {
    int y = h.year();
    List<GeneratedVisit> visits = new ArrayList<>();
    visits.addAll(task(node, skillAt,
        new LocalDate[] {LocalDate.of(y - 1, 12, 31), LocalDate.of(y, 1, 1),
            LocalDate.of(y, 1, 10)}, failuresThenSuccess(2), null));
    int remaining = count - 2;
    int tasks = (remaining + 2) / 3;
    int step = Math.max(5, 300 / Math.max(1, tasks));
    LocalDate start = LocalDate.of(y, 2, 1);
    for (int t = 0; t < tasks; t++) {
      int failures = Math.min(3, remaining);
      remaining -= failures;
      LocalDate[] dates = new LocalDate[failures + 1];
      for (int i = 0; i <= failures; i++) {
        dates[i] = start.plusDays((long) t * step + i);
      }
      visits.addAll(task(node, skillAt, dates, failuresThenSuccess(failures), null));
    }
    visits.addAll(task(node, skillAt,
        new LocalDate[] {LocalDate.of(y, 12, 31), LocalDate.of(y + 1, 1, 1),
            LocalDate.of(y + 1, 1, 8)},
        new String[] {GeneratedVisit.FAIL, GeneratedVisit.FAIL, GeneratedVisit.SUCCESS}, null));
    return visits;
  }

  // ---- q5: nodes of q3 with a visit in [from, to] whose note contains token T ----

  private void q5() {
    int t = h.token();
    LocalDate from = h.q5From();
    LocalDate to = h.q5To();
    LocalDate mid = middle(from, to);
    addFirst(task(q5First, skillAt, new LocalDate[] {from},
        new String[] {GeneratedVisit.SUCCESS}, new int[][] {concat(new int[] {t},
            freshTokens(2))}));
    nodeExpect("q5.token-on-first-day", "q5", q5First, true, OptionalLong.empty(),
        "a note with T on the range's first day");
    addFirst(task(q5Last, skillAt, new LocalDate[] {to.minusDays(3), to},
        failuresThenSuccess(1), new int[][] {freshTokens(3),
            concat(freshTokens(1), new int[] {t}, freshTokens(1), new int[] {t})}));
    nodeExpect("q5.token-on-last-day", "q5", q5Last, true, OptionalLong.empty(),
        "a note with T twice on the range's last day: the node is listed once");
    addFirst(task(q5Outside, skillAt, new LocalDate[] {from.minusDays(1)},
        new String[] {GeneratedVisit.SUCCESS}, new int[][] {concat(new int[] {t},
            freshTokens(2))}));
    addFirst(task(q5Outside, skillAt, new LocalDate[] {to.plusDays(1)},
        new String[] {GeneratedVisit.SUCCESS}, new int[][] {concat(freshTokens(2),
            new int[] {t})}));
    nodeExpect("q5.token-just-outside-range", "q5", q5Outside, false, OptionalLong.empty(),
        "notes with T one day before and one day after the range");
    addFirst(task(q5Decoy, skillAt, new LocalDate[] {mid},
        new String[] {GeneratedVisit.SUCCESS}, new int[][] {concat(new int[] {h.decoyToken()},
            freshTokens(2))}));
    nodeExpect("q5.decoy-token-only", "q5", q5Decoy, false, OptionalLong.empty(),
        "a note in the range with the decoy token (whose digits contain T's) but not T");
    int far = chain[h.maxHops() + 1];
    addFirst(task(far, skillAt, new LocalDate[] {mid}, new String[] {GeneratedVisit.SUCCESS},
        new int[][] {concat(new int[] {t}, freshTokens(2))}));
    nodeExpect("q5.beyond-h-hops", "q5", far, false, OptionalLong.empty(),
        "a note with T in the range, but H+1 hops from N");
  }

  private void nodeExpect(String name, String question, int node, boolean inAnswer,
      OptionalLong value, String description) {
    cases.add(new HardCase(name, question, node, 0, inAnswer, value, description));
  }

  // ---- building blocks ----

  private List<GeneratedVisit> task(int node, int skill, LocalDate[] dates, String[] outcomes,
      int[][] notes) {
    return task(nextTaskId++, node, skill, dates, outcomes, notes);
  }

  /** One task's visits, ids 1..n; notes of fresh tokens where {@code notes} is null. */
  private List<GeneratedVisit> task(long taskId, int node, int skill, LocalDate[] dates,
      String[] outcomes, int[][] notes) {
    List<GeneratedVisit> visits = new ArrayList<>();
    LocalDate reported = dates[0].minusDays(5);
    int nodeType = 1 + node % VisitGenerator.NODE_TYPES;
    for (int i = 0; i < dates.length; i++) {
      int[] note = notes == null ? freshTokens(3) : notes[i];
      visits.add(new GeneratedVisit(taskId, i + 1, node, dates[i], reported,
          VisitGenerator.ageAt(AGE_IN_2019, dates[i]), nodeType, TASK_TYPE, skill, note,
          outcomes[i]));
    }
    return visits;
  }

  private void addFirst(List<GeneratedVisit> visits) {
    for (GeneratedVisit visit : visits) {
      firstLines.add(new PlannedVisit(visit, VisitLineStyle.PLAIN));
    }
  }

  /** Dates a week apart, the last on {@code last}. */
  private static LocalDate[] datesEndingOn(LocalDate last, int count) {
    LocalDate[] dates = new LocalDate[count];
    for (int i = 0; i < count; i++) {
      dates[i] = last.minusDays(7L * (count - 1 - i));
    }
    return dates;
  }

  private static String[] failuresThenSuccess(int failures) {
    String[] outcomes = repeat(GeneratedVisit.FAIL, failures + 1);
    outcomes[failures] = GeneratedVisit.SUCCESS;
    return outcomes;
  }

  private static String[] repeat(String outcome, int count) {
    String[] outcomes = new String[count];
    Arrays.fill(outcomes, outcome);
    return outcomes;
  }

  private static LocalDate middle(LocalDate from, LocalDate to) {
    return from.plusDays(ChronoUnit.DAYS.between(from, to) / 2);
  }

  /**
   * Tokens no other hard-case note has used (until the vocabulary wraps), never T or the
   * decoy, so that only the tokens a case shares on purpose are shared.
   */
  private int[] freshTokens(int count) {
    int[] tokens = new int[count];
    for (int i = 0; i < count; i++) {
      while (nextQuietToken == h.token() || nextQuietToken == h.decoyToken()
          || nextQuietToken > VisitGenerator.MAX_TOKEN) {
        nextQuietToken = nextQuietToken > VisitGenerator.MAX_TOKEN
            ? FIRST_QUIET_TOKEN : nextQuietToken + 1;
      }
      tokens[i] = nextQuietToken++;
    }
    return tokens;
  }

  private int[] withFresh(int[] shared) {
    return concat(shared, freshTokens(2));
  }

  private static int[] reversed(int[] tokens) {
    int[] copy = new int[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      copy[i] = tokens[tokens.length - 1 - i];
    }
    return copy;
  }

  private static int[] concat(int[]... parts) {
    int length = 0;
    for (int[] part : parts) {
      length += part.length;
    }
    int[] all = new int[length];
    int at = 0;
    for (int[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }
}
