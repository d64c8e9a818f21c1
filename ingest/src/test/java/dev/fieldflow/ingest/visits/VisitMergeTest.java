package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.ReadLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge counts every line as if it were applied on its own, in file order: loaded,
 * update or duplicate, also for repeats inside a chunk, across chunks, and when two loads of
 * the same new visit run at once. One load per test, through {@link VisitFileLoad}, against
 * a real PostgreSQL.
 */
class VisitMergeTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files, fieldflow.rejected_records,"
        + " fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  /** A visit line: task, visit, node age (the content that changes), outcome. */
  private static String line(long task, int visit, int age, String outcome) {
    return String.format(Locale.ROOT, "{\"task_id\": \"TASK%d\", \"node_id\": \"NODE%d\","
        + " \"visit_id\": %d, \"visit_date:\": \"2020-01-02\", \"original_reported_date\":"
        + " \"2019-12-30\", \"node_age\": %d, \"node_type\": \"TYPE2\", \"task_type\": \"TASK6\","
        + " \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"1 2 3\", \"outcome\": \"%s\"}",
        task, task % 7, visit, age, outcome);
  }

  /** A visit line naming {@code node} of {@code nodeType} for a task of {@code taskType}. */
  private static String line(long task, int visit, int node, int nodeType, int taskType) {
    return String.format(Locale.ROOT, "{\"task_id\": \"TASK%d\", \"node_id\": \"NODE%d\","
        + " \"visit_id\": %d, \"visit_date:\": \"2020-01-02\", \"original_reported_date\":"
        + " \"2019-12-30\", \"node_age\": 3, \"node_type\": \"TYPE%d\", \"task_type\": \"TASK%d\","
        + " \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"1 2 3\", \"outcome\": \"FAIL\"}",
        task, node, visit, nodeType, taskType);
  }

  private static LoadSettings settings(int chunkRows) {
    return new LoadSettings(chunkRows, ReadLimits.defaults(), java.time.Duration.ofSeconds(5),
        java.time.Duration.ofSeconds(60), 0.5, false);
  }

  private VisitFile claimed(String name, String... lines) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    VisitLedger.Listed listed = new VisitLedger.Listed(file.toString(),
        "size:" + Files.size(file), Files.size(file), 0);
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      return VisitLedger.claim(c, UUID.randomUUID(),
          List.of(new VisitLedger.Claim(listed, UUID.randomUUID())), false).get(0);
    }
  }

  /** Loads {@code file} in one committed transaction; {loaded, updates, duplicates, rejected}. */
  private static List<Long> load(VisitFile file, int chunkRows) throws Exception {
    return load(file, chunkRows, new LoadProfile());
  }

  private static List<Long> load(VisitFile file, int chunkRows, LoadProfile profile) throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        Connection reference = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      reference.setAutoCommit(false);
      VisitMerge.Summary s = VisitFileLoad.run(c, reference, file, settings(chunkRows),
          VisitFileLoad.Mode.FAST, profile);
      c.commit();
      SequentialScans.flush(c, reference);
      return List.of(s.loaded(), s.updates(), s.duplicates(), s.rejected());
    }
  }

  private static List<List<Object>> stored() {
    return POSTGRES.rows("SELECT task_id, visit_id, node_age, outcome, source_line"
        + " FROM fieldflow.visits ORDER BY task_id, visit_id");
  }

  @Test
  void newVisitsAreLoadedWithTheirTasksAndNodes() throws Exception {
    VisitFile a = claimed("a.jsonl", line(1, 1, 10, "FAIL"), line(1, 2, 10, "SUCCESS"), line(2, 1, 5, "FAIL"));

    assertThat(load(a, 1_000), equalTo(List.of(3L, 0L, 0L, 0L)));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.tasks"), is(2L));
    assertThat(POSTGRES.rows("SELECT status, lines_read, rows_loaded FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("done", 3L, 3L))));
  }

  @Test
  void aChunkOfNewVisitsIsCopiedStraightIntoVisitsInKeyOrder() throws Exception {
    VisitFile a = claimed("a.jsonl", line(3, 1, 10, "FAIL"), line(1, 2, 10, "SUCCESS"),
        line(2, 1, 5, "FAIL"), line(1, 1, 10, "FAIL"));
    LoadProfile profile = new LoadProfile();

    assertThat(load(a, 1_000, profile), equalTo(List.of(4L, 0L, 0L, 0L)));
    assertThat("lines through the stage", profile.stagedLines, is(0L));
    assertThat("rows in the order they were written",
        POSTGRES.rows("SELECT task_id, visit_id FROM fieldflow.visits ORDER BY ctid"),
        equalTo(List.of(List.of(1L, 1), List.of(1L, 2), List.of(2L, 1), List.of(3L, 1))));
  }

  @Test
  void theLastLineThatNamesATaskOrANodeGivesItsAttributesInOneChunkAndAcrossChunks() throws Exception {
    String[] lines = {line(1, 1, 8, 2, 6), line(2, 1, 8, 3, 1), line(1, 2, 9, 4, 5), line(3, 1, 9, 1, 2)};
    List<List<Object>> tasks = List.of(List.of(1L, 5, 9), List.of(2L, 1, 8), List.of(3L, 2, 9));
    List<List<Object>> nodes = List.of(List.of(8, 3), List.of(9, 1));
    for (int chunkRows : new int[] {1_000, 1}) {
      emptyModel();
      load(claimed("a-" + chunkRows + ".jsonl", lines), chunkRows);

      assertThat("tasks, chunks of " + chunkRows, POSTGRES.rows(
          "SELECT task_id, task_type, node_id FROM fieldflow.tasks ORDER BY task_id"), equalTo(tasks));
      assertThat("nodes, chunks of " + chunkRows, POSTGRES.rows(
          "SELECT node_id, node_type FROM fieldflow.nodes ORDER BY node_id"), equalTo(nodes));
    }
  }

  private static List<List<Object>> taskAndNodes() {
    return POSTGRES.rows("SELECT 'task', task_id, task_type, node_id FROM fieldflow.tasks"
        + " UNION ALL SELECT 'node', node_id, node_type, NULL FROM fieldflow.nodes ORDER BY 1, 2");
  }

  @Test
  void anIdenticalRecordResentAfterALaterFileChangedItsTaskAndNodeChangesNothing() throws Exception {
    // Task 1's visit 1 at node 5 (type 1, task type 1); a later file's visit 2 moves the task to
    // type 2 at node 6 and node 5 to type 3; then the first record comes again, whole or in a
    // file of new visits (the plain copy and the stage both).
    for (boolean withNewVisit : new boolean[] {false, true}) {
      emptyModel();
      load(claimed("a.jsonl", line(1, 1, 5, 1, 1)), 1_000);
      load(claimed("b.jsonl", line(1, 2, 6, 2, 2), line(2, 1, 5, 3, 4)), 1_000);
      List<List<Object>> before = taskAndNodes();
      List<List<Object>> visitsBefore = stored();
      VisitFile resent = withNewVisit
          ? claimed("c.jsonl", line(1, 1, 5, 1, 1), line(3, 1, 7, 1, 4))
          : claimed("c.jsonl", line(1, 1, 5, 1, 1));

      assertThat("counts", load(resent, 1_000),
          equalTo(List.of(withNewVisit ? 1L : 0L, 0L, 1L, 0L)));
      List<List<Object>> after = new ArrayList<>(taskAndNodes());
      if (withNewVisit) {
        after.removeIf(r -> r.get(0).equals("task") && r.get(1).equals(3L)
            || r.get(0).equals("node") && r.get(1).equals(7L));
      }
      assertThat("tasks and nodes, with a new visit: " + withNewVisit, after, equalTo(before));
      assertThat(POSTGRES.rows("SELECT task_type, node_id FROM fieldflow.tasks WHERE task_id = 1"),
          equalTo(List.of(List.of(2, 6))));
      List<List<Object>> visitsAfter = new ArrayList<>(stored());
      visitsAfter.removeIf(r -> r.get(0).equals(3L));
      assertThat(visitsAfter, equalTo(visitsBefore));
    }
  }

  @Test
  void aRecordThatChangesOnlyItsTaskOrNodeAttributesIsAnUpdateAndWritesThem() throws Exception {
    load(claimed("a.jsonl", line(1, 1, 5, 1, 1), line(2, 1, 6, 1, 1)), 1_000);

    // Visit (1, 1) again with task type 7; visit (2, 1) again with node type 9.
    assertThat(load(claimed("b.jsonl", line(1, 1, 5, 1, 7), line(2, 1, 6, 9, 1)), 1_000),
        equalTo(List.of(0L, 2L, 0L, 0L)));
    assertThat(POSTGRES.rows("SELECT task_id, task_type FROM fieldflow.tasks ORDER BY task_id"),
        equalTo(List.of(List.of(1L, 7), List.of(2L, 1))));
    assertThat(POSTGRES.rows("SELECT node_id, node_type FROM fieldflow.nodes ORDER BY node_id"),
        equalTo(List.of(List.of(5, 1), List.of(6, 9))));
    assertThat("the visits keep their records' attributes", POSTGRES.rows(
        "SELECT task_id, task_type, node_type FROM fieldflow.visits ORDER BY task_id"),
        equalTo(List.of(List.of(1L, 7, 1), List.of(2L, 1, 9))));
  }

  @Test
  void aNewVisitOfAStoredTaskWritesItsChangedAttributesThroughThePlainCopy() throws Exception {
    load(claimed("a.jsonl", line(1, 1, 5, 1, 1)), 1_000);
    LoadProfile profile = new LoadProfile();

    assertThat(load(claimed("b.jsonl", line(1, 2, 6, 4, 3)), 1_000, profile),
        equalTo(List.of(1L, 0L, 0L, 0L)));
    assertThat("lines through the stage", profile.stagedLines, is(0L));
    assertThat(taskAndNodes(), equalTo(List.of(Arrays.asList("node", 5L, 1, null),
        Arrays.asList("node", 6L, 4, null), List.of("task", 1L, 3, 6))));
  }

  @Test
  void inAChunkOfRepeatsTheLastLineThatChangedSomethingGivesTheAttributes() throws Exception {
    load(claimed("a.jsonl", line(1, 1, 5, 1, 1)), 1_000);

    // Visit (1, 2) loaded with task type 4, then visit (1, 1) re-sent as stored (a duplicate,
    // task type 1): the task keeps type 4. The repeat of (1, 2) sends the chunk to the stage.
    assertThat(load(claimed("b.jsonl", line(1, 2, 5, 1, 4), line(1, 2, 5, 1, 4),
        line(1, 1, 5, 1, 1)), 1_000), equalTo(List.of(1L, 0L, 2L, 0L)));
    assertThat(POSTGRES.rows("SELECT task_type FROM fieldflow.tasks WHERE task_id = 1"),
        equalTo(List.of(List.of(4))));
  }

  @Test
  void aResentFileCountsIdenticalLinesAsDuplicatesAndChangedOnesAsUpdates() throws Exception {
    load(claimed("a.jsonl", line(1, 1, 10, "FAIL"), line(2, 1, 5, "FAIL")), 1_000);
    VisitFile b = claimed("b.jsonl", line(1, 1, 10, "FAIL"), line(2, 1, 6, "SUCCESS"), line(3, 1, 1, "FAIL"));

    assertThat(load(b, 1_000), equalTo(List.of(1L, 1L, 1L, 0L)));
    assertThat(stored(), equalTo(List.of(List.of(1L, 1, 10, "FAIL", 1L),
        List.of(2L, 1, 6, "SUCCESS", 2L), List.of(3L, 1, 1, "FAIL", 3L))));
  }

  @Test
  void aChunkOfNewVisitsWithOneStoredLastInKeyOrderIsCountedAsIfThePlainCopyNeverRan() throws Exception {
    load(claimed("a.jsonl", line(9, 1, 10, "FAIL")), 1_000);
    // The copy writes (1, 1) and (2, 1) before it meets the stored (9, 1).
    VisitFile b = claimed("b.jsonl", line(2, 1, 5, "FAIL"), line(9, 1, 11, "FAIL"), line(1, 1, 7, "SUCCESS"));
    LoadProfile profile = new LoadProfile();

    assertThat(load(b, 1_000, profile), equalTo(List.of(2L, 1L, 0L, 0L)));
    assertThat("lines through the stage", profile.stagedLines, is(3L));
    assertThat(stored(), equalTo(List.of(List.of(1L, 1, 7, "SUCCESS", 3L),
        List.of(2L, 1, 5, "FAIL", 1L), List.of(9L, 1, 11, "FAIL", 2L))));
    assertThat(POSTGRES.count("SELECT sum(rows_loaded) FROM fieldflow.ingest_files"), is(3L));
  }

  @Test
  void aVisitRepeatedInOneChunkIsCountedAgainstTheLineBeforeAndItsLastLineWins() throws Exception {
    VisitFile a = claimed("a.jsonl", line(1, 1, 10, "FAIL"), line(1, 1, 11, "FAIL"),
        line(1, 1, 11, "FAIL"), line(2, 1, 5, "FAIL"));

    assertThat(load(a, 1_000), equalTo(List.of(2L, 1L, 1L, 0L)));
    assertThat(stored(), equalTo(List.of(List.of(1L, 1, 11, "FAIL", 2L), List.of(2L, 1, 5, "FAIL", 4L))));
  }

  @Test
  void aVisitRepeatedAcrossChunksCountsExactlyAsInOneChunk() throws Exception {
    VisitFile a = claimed("a.jsonl", line(1, 1, 10, "FAIL"), line(1, 1, 11, "FAIL"),
        line(1, 1, 11, "FAIL"), line(2, 1, 5, "FAIL"));

    assertThat(load(a, 1), equalTo(List.of(2L, 1L, 1L, 0L)));
    assertThat(stored(), equalTo(List.of(List.of(1L, 1, 11, "FAIL", 2L), List.of(2L, 1, 5, "FAIL", 4L))));
  }

  @Test
  void twoLoadsOfTheSameNewVisitAtOnceCountItLoadedOnceAndDuplicateOnce() throws Exception {
    VisitFile a = claimed("a.jsonl", line(1, 1, 10, "FAIL"), line(2, 1, 5, "FAIL"));
    VisitFile b = claimed("b.jsonl", line(1, 1, 10, "FAIL"), line(3, 1, 7, "FAIL"));
    List<Long> first;
    CompletableFuture<List<Long>> second;
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        Connection reference = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      reference.setAutoCommit(false);
      VisitMerge.Summary s = VisitFileLoad.run(c, reference, a, settings(1_000), VisitFileLoad.Mode.FAST);
      first = List.of(s.loaded(), s.updates(), s.duplicates(), s.rejected());
      // b starts while a is not committed: it must wait for a's visit (1, 1), then count it.
      second = CompletableFuture.supplyAsync(() -> {
        try {
          return load(b, 1_000);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long deadline = System.currentTimeMillis() + 30_000;
      while (POSTGRES.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
          + " AND query LIKE 'COPY fieldflow.visits %'") == 0) {
        assertThat("b waits for a within 30 s", System.currentTimeMillis() < deadline, is(true));
        Thread.sleep(20);
      }
      c.commit();
    }

    assertThat(first, equalTo(List.of(2L, 0L, 0L, 0L)));
    assertThat(second.get(30, TimeUnit.SECONDS), equalTo(List.of(1L, 0L, 1L, 0L)));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(3L));
    assertThat(POSTGRES.count("SELECT sum(rows_loaded) FROM fieldflow.ingest_files"), is(3L));
  }

  @Test
  void aDoneFileIsNotLoadedAgain() throws Exception {
    VisitFile a = claimed("a.jsonl", line(1, 1, 10, "FAIL"));
    load(a, 1_000);

    List<String> again = new ArrayList<>();
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        Connection reference = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      reference.setAutoCommit(false);
      VisitMerge.Summary s = VisitFileLoad.run(c, reference, a, settings(1_000), VisitFileLoad.Mode.FAST);
      c.commit();
      again.add(String.valueOf(s.alreadyDone()));
      again.add(String.valueOf(s.loaded()));
    }
    assertThat(again, equalTo(List.of("true", "1")));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(1L));
  }

  /**
   * The look-ups by key in a load (the stored task of each staged task, the q2 refresh's visits 1
   * and 2 at commit, the reference checks) stay index probes when the statistics make a key look
   * common: under LIMIT 1 the planner would otherwise scan the whole table once per key. The
   * statistics are made so on purpose (n_distinct 1 for the task ids of tasks and visits); the
   * load must then scan neither table, as the statistics system counts scans.
   */
  @Test
  void statisticsThatMakeATaskIdLookCommonDoNotTurnKeyLookUpsIntoScans() throws Exception {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    for (long task = 1; task <= 300; task++) {
      first.add(line(task, 1, 10, "FAIL"));
      second.add(line(task, 2, 10, "SUCCESS"));
      second.add(line(task + 1_000, 1, 3, "FAIL"));
    }
    assertThat(loadCountingScans(claimed("a.jsonl", first.toArray(String[]::new))), is(0L));
    VisitFile b = claimed("b.jsonl", second.toArray(String[]::new));
    try {
      for (String table : List.of("fieldflow.tasks", "fieldflow.visits")) {
        POSTGRES.execute("ALTER TABLE " + table + " ALTER COLUMN task_id SET (n_distinct = 1)");
        POSTGRES.execute("ANALYZE " + table);
      }

      assertThat(loadCountingScans(b), is(0L));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(900L));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.second_visit_successes"), is(300L));
    } finally {
      for (String table : List.of("fieldflow.tasks", "fieldflow.visits")) {
        POSTGRES.execute("ALTER TABLE " + table + " ALTER COLUMN task_id RESET (n_distinct)");
      }
    }
  }

  /** Loads {@code file} and returns the sequential scans of tasks and visits it made. */
  private static long loadCountingScans(VisitFile file) throws Exception {
    long before = sequentialScansOfTasksAndVisits();
    load(file, 10_000);
    return sequentialScansOfTasksAndVisits() - before;
  }

  private static long sequentialScansOfTasksAndVisits() {
    return SequentialScans.of(POSTGRES, "fieldflow.tasks", "fieldflow.visits");
  }
}
