package dev.fieldflow.testdata;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Draws the random tasks and their visits: tasks at network nodes with 1..k visits, dates
 * mostly in 2019-2021, failures before a final visit that usually succeeds, and notes whose
 * words follow a Zipf law (so some tokens repeat within a note) and that partly repeat the
 * previous visit's note (so some tasks share many tokens between visits 1 and 2).
 */
final class VisitGenerator {

  /** Note tokens are 0..MAX_TOKEN. */
  static final int MAX_TOKEN = 2000;

  static final long FIRST_TASK_ID = 1000;
  static final int NODE_TYPES = 6;
  static final int TASK_TYPES = 12;
  static final int SKILL_LEVELS = 5;

  private static final LocalDate FIRST_DAY = LocalDate.of(2019, 1, 1);
  private static final LocalDate LAST_DAY = LocalDate.of(2021, 12, 31);
  private static final double[] SKILL_WEIGHTS = {0.15, 0.25, 0.30, 0.20, 0.10};

  private final Params params;
  private final Random random;
  private final double[] tokenCumulative = zipf(MAX_TOKEN + 1, 0.9);
  private final LocalDate[] days;
  private final long firstEpochDay;

  VisitGenerator(Params params, Random random) {
    this.params = params;
    this.random = random;
    this.firstEpochDay = FIRST_DAY.minusYears(1).toEpochDay();
    this.days = new LocalDate[6 * 366];
  }

  /** Each node's type, stable across its visits; index 0 unused. */
  static int[] nodeTypes(int nodes, Random random) {
    int[] types = new int[nodes + 1];
    for (int node = 1; node <= nodes; node++) {
      types[node] = 1 + random.nextInt(NODE_TYPES);
    }
    return types;
  }

  /** Each node's age in years on 2019-01-01; index 0 unused. */
  static int[] nodeAges(int nodes, Random random) {
    int[] ages = new int[nodes + 1];
    for (int node = 1; node <= nodes; node++) {
      ages[node] = 1 + random.nextInt(40);
    }
    return ages;
  }

  static int ageAt(int ageIn2019, LocalDate date) {
    return Math.max(0, ageIn2019 + date.getYear() - 2019);
  }

  /** Exactly {@code params.visits()} visits, task by task, visit ids 1-based. */
  List<GeneratedVisit> generate(int[] nodeTypes, int[] nodeAges) {
    List<GeneratedVisit> visits = new ArrayList<>(params.visits());
    long taskId = FIRST_TASK_ID;
    while (visits.size() < params.visits()) {
      taskId += 1 + random.nextInt(3);
      int node = 1 + random.nextInt(params.nodes());
      int taskType = 1 + random.nextInt(TASK_TYPES);
      int count = 1;
      while (count < params.maxVisitsPerTask() && random.nextDouble() < 0.45) {
        count++;
      }
      count = Math.min(count, params.visits() - visits.size());
      LocalDate reported = reportedDate();
      LocalDate date = reported.plusDays(random.nextInt(22));
      int[] note = new int[0];
      for (int visitId = 1; visitId <= count; visitId++) {
        boolean last = visitId == count;
        String outcome = last
            ? (random.nextDouble() < 0.85 ? GeneratedVisit.SUCCESS : GeneratedVisit.FAIL)
            : (random.nextDouble() < 0.90 ? GeneratedVisit.FAIL : GeneratedVisit.SUCCESS);
        note = nextNote(note);
        visits.add(new GeneratedVisit(taskId, visitId, node, day(date), day(reported),
            ageAt(nodeAges[node], date), nodeTypes[node], taskType, skillLevel(), note,
            outcome));
        date = date.plusDays(1 + random.nextInt(30));
      }
    }
    return visits;
  }

  /** The largest task id {@link #generate} can use for {@code visits} visits. */
  static long maxTaskId(int visits) {
    return FIRST_TASK_ID + 3L * visits;
  }

  private LocalDate reportedDate() {
    double where = random.nextDouble();
    if (where < 0.02) {
      return LocalDate.of(2018, 10, 1).plusDays(random.nextInt(92));
    }
    if (where < 0.04) {
      return LocalDate.of(2022, 1, 1).plusDays(random.nextInt(90));
    }
    long span = LAST_DAY.toEpochDay() - FIRST_DAY.toEpochDay() - 60;
    return FIRST_DAY.plusDays(random.nextInt((int) span));
  }

  private int skillLevel() {
    double target = random.nextDouble();
    double sum = 0;
    for (int i = 0; i < SKILL_WEIGHTS.length; i++) {
      sum += SKILL_WEIGHTS[i];
      if (target < sum) {
        return i + 1;
      }
    }
    return SKILL_LEVELS;
  }

  /** A note of 3..12 tokens that keeps about half of the previous one; sometimes empty. */
  private int[] nextNote(int[] previous) {
    if (random.nextInt(100) < 2) {
      return new int[0];
    }
    int length = 3 + random.nextInt(10);
    int[] note = new int[length];
    int filled = 0;
    for (int token : previous) {
      if (filled < length && random.nextBoolean()) {
        note[filled++] = token;
      }
    }
    while (filled < length) {
      note[filled++] = token();
    }
    return note;
  }

  private int token() {
    int at = Arrays.binarySearch(tokenCumulative, random.nextDouble());
    int index = at >= 0 ? at + 1 : -at - 1;
    return Math.min(index, MAX_TOKEN);
  }

  /** Shares one LocalDate per day: a million visits need only a few thousand dates. */
  private LocalDate day(LocalDate date) {
    long index = date.toEpochDay() - firstEpochDay;
    if (index < 0 || index >= days.length) {
      return date;
    }
    LocalDate shared = days[(int) index];
    if (shared == null) {
      days[(int) index] = date;
      return date;
    }
    return shared;
  }

  /** Cumulative probabilities of ranks 1..size under Zipf's law, normalised to end at 1. */
  private static double[] zipf(int size, double exponent) {
    double[] cumulative = new double[size];
    double sum = 0;
    for (int rank = 1; rank <= size; rank++) {
      sum += 1.0 / StrictMath.pow(rank, exponent);
      cumulative[rank - 1] = sum;
    }
    for (int i = 0; i < size; i++) {
      cumulative[i] /= sum;
    }
    return cumulative;
  }
}
