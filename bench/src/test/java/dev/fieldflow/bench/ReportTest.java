package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  private static PipelineRunner runner(String name, String label, String parallelism) {
    return new PipelineRunner(name, label, Path.of("x.jar"), List.of(), List.of(parallelism), Optional.empty());
  }

  private static IngestThroughput.Trial trial(int trial, String method, double rowsPerSecond) {
    return new IngestThroughput.Trial(trial, method, 1000, 1000 / rowsPerSecond, 1000 / rowsPerSecond, Map.of());
  }

  /** A report of a 2-core machine with no measurements yet. */
  private static Report empty(Path root) {
    Report report = new Report(Bench.Plan.of(true), root);
    report.machine = new Machine(2, "test CPU", 4L << 30, "Java 17", "Linux", "0.1");
    report.started = Instant.parse("2026-11-29T06:00:00Z");
    report.finished = Instant.parse("2026-11-29T06:10:00Z");
    report.loadBefore = "1.0";
    report.loadAfter = "1.5";
    report.throughput = new IngestThroughput(null, root, 1000, 100);
    return report;
  }

  /** Two trials of every method but the cluster, which failed to start. */
  private static Report report(Path root) {
    Report report = empty(root);
    report.throughput.indexes().put("fieldflow.visits", List.of(
        new IngestThroughput.Index("visits_pkey", "CREATE UNIQUE INDEX ...", true, false, false),
        new IngestThroughput.Index("visits_note_tokens_idx", "CREATE INDEX ... USING gin", false, false, true),
        new IngestThroughput.Index("visits_failed_task_visit_idx", "CREATE INDEX ... WHERE", false, true, false)));
    report.runners.add(runner("direct", PipelineRunner.DIRECT, "--targetParallelism=2"));
    report.runners.add(runner("flink-local-p1", PipelineRunner.FLINK_EMBEDDED_P1, "--parallelism=1"));
    report.runners.add(runner("flink-local", PipelineRunner.FLINK_EMBEDDED, "--parallelism=2"));
    report.runners.add(runner("flink-cluster", PipelineRunner.FLINK_CLUSTER, "--parallelism=2"));
    report.notMeasured.put(PipelineRunner.FLINK_CLUSTER, "./manage.sh cluster start --taskmanagers=2 failed");
    FileProfiles.Sum profile = new FileProfiles.Sum(10, 40_000, List.of(20_000L, 1_000L, 4_000L, 13_000L, 1_000L, 1_000L));
    for (int t = 1; t <= 2; t++) {
      report.trials.add(trial(t, IngestThroughput.COPY, 100_000));
      report.trials.add(trial(t, IngestThroughput.COPY_INDEXED, 50_000));
      report.trials.add(trial(t, IngestThroughput.COPY_NO_GIN, 80_000));
      report.trials.add(trial(t, IngestThroughput.COPY_NO_PARTIAL, 62_500));
      report.trials.add(trial(t, IngestThroughput.JDBC, 20_000));
      report.trials.add(trial(t, PipelineRunner.DIRECT, 45_000).withProfile(profile));
      report.trials.add(trial(t, PipelineRunner.FLINK_EMBEDDED_P1, 30_000).withProfile(profile));
      report.trials.add(trial(t, PipelineRunner.FLINK_EMBEDDED, 48_000));
    }
    return report;
  }

  @Test
  void aReportOfMoreTrialsSaysHowItWasRunAndHowManyTrialsEachMedianHas(@TempDir Path root) throws IOException {
    Report three = empty(root);
    Report five = new Report(Bench.Plan.of(true).withTrials(5), root);
    five.machine = three.machine;
    five.started = three.started;
    five.finished = three.finished;
    five.loadBefore = three.loadBefore;
    five.loadAfter = three.loadAfter;
    five.throughput = three.throughput;

    three.write(root.resolve("three"));
    five.write(root.resolve("five"));

    assertThat(Files.readString(root.resolve("three/BENCHMARKS.md"), StandardCharsets.UTF_8), containsString(
        "Written by `./manage.sh bench --quick` (the harness in [`bench/`](../bench/src/main/java/dev/fieldflow/bench/Bench.java))"
        + " on 2026-11-29 06:00 UTC, in 10 min. Every figure is the median of 3 or more runs (throughput: 3 trials)"));
    assertThat(Files.readString(root.resolve("five/BENCHMARKS.md"), StandardCharsets.UTF_8), containsString(
        "Written by `./manage.sh bench --quick --trials=5` (the harness in [`bench/`](../bench/src/main/java/dev/fieldflow/bench/Bench.java))"
        + " on 2026-11-29 06:00 UTC, in 10 min. Every figure is the median of 3 or more runs (throughput: 5 trials)"));
  }

  @Test
  void ratiosArePairedPerTrial(@TempDir Path root) {
    Report report = report(root);
    assertThat(report.ratio(PipelineRunner.DIRECT, IngestThroughput.COPY_INDEXED).median(), closeTo(0.9, 1e-9));
    assertThat(report.ratio(PipelineRunner.FLINK_EMBEDDED, PipelineRunner.FLINK_EMBEDDED_P1).median(),
        closeTo(1.6, 1e-9));
    assertThat(report.ratio(PipelineRunner.FLINK_CLUSTER, IngestThroughput.COPY_INDEXED).present(), is(false));
  }

  @Test
  void rendersTargetsProfileAndIndexCostsWithARunnerNotMeasured(@TempDir Path root) throws IOException {
    Path out = root.resolve("out");
    report(root).write(out);
    String md = Files.readString(out.resolve("BENCHMARKS.md"), StandardCharsets.UTF_8);
    assertThat(Files.size(out.resolve(Report.CHART)) > 0, is(true));

    assertThat(md, containsString("| end to end ≥ 0.8 × COPY (all indexes of visits), fieldflow DirectRunner"
        + " (never below 0.5 ×) | 0.90 (0.90–0.90) × COPY; at or above the 0.5 × floor | 0.89 (met) |"));
    assertThat(md, containsString("| end to end ≥ 2.0 × JDBC batch insert, 1 thread, "
        + PipelineRunner.FLINK_EMBEDDED + " | 2.40 (2.40–2.40) × JDBC | 0.83 (met) |"));
    assertThat(md, containsString("fieldflow FlinkRunner local cluster (never below 0.5 ×) | not measured in this run"
        + " (./manage.sh cluster start --taskmanagers=2 failed) | – |"));
    assertThat(md, containsString("scaling from parallelism 1 to 2"));
    assertThat(md, containsString("| 1.60 (1.60–1.60) × | reported (no threshold) |"));

    assertThat(md, containsString("## 1b. Where the time goes"));
    // 10 files, 40 s summed over parallelism 2 in a 0.022 s run: the estimate says it plainly.
    assertThat(md, containsString("| " + PipelineRunner.DIRECT + " | 2 | 10 (10–10) | 0.0 (0.0–0.0) | 40.0 (40.0–40.0) | 20.0 (50 %)"
        + " | 1.0 (3 %) | 4.0 (10 %) | 13.0 (33 %) | 1.0 (3 %) | 1.0 (3 %) | -20.0 (-20.0–-20.0) |"));
    assertThat(md, containsString("| " + PipelineRunner.FLINK_EMBEDDED + " | 2 | no profile lines in its logs |"));
    assertThat(md, containsString("| " + PipelineRunner.FLINK_CLUSTER + " | 2 | not measured in this run |"));

    assertThat(md, containsString("| COPY (all indexes but the GIN on note_tokens) | none | 80,000 (80,000–80,000) | 1.60 (1.60–1.60) × | 38 % |"));
    assertThat(md, containsString("`visits_note_tokens_idx` (GIN on note_tokens)"));
    assertThat(md, containsString("## 2. Latency: file dropped → rows committed\n\nNot measured in this run."));

    for (String old : List.of("visit_staging", "unnest", "advisory", "stages every row")) {
      assertThat(md, not(containsString(old)));
    }
  }

  @Test
  void theCpuTableGivesEachSidesCoreSecondsPerMethodAndIsLeftOutWithoutFigures(@TempDir Path root) throws IOException {
    Report without = report(root);
    without.write(root.resolve("without"));
    assertThat(Files.readString(root.resolve("without/BENCHMARKS.md"), StandardCharsets.UTF_8),
        not(containsString("core-seconds")));

    Report report = report(root);
    report.trials.replaceAll(t -> switch (t.method()) {
      case IngestThroughput.COPY_INDEXED -> t.withCpu(Map.of(IngestThroughput.POSTGRES_CPU, 20.0 + t.trial(),
          IngestThroughput.LOADER_CPU, 3.0));
      case PipelineRunner.DIRECT -> t.withCpu(Map.of(IngestThroughput.POSTGRES_CPU, 40.0,
          IngestThroughput.LOADER_CPU, 12.0 + 2 * t.trial()));
      default -> t;
    });
    report.write(root.resolve("with"));
    String md = Files.readString(root.resolve("with/BENCHMARKS.md"), StandardCharsets.UTF_8);

    assertThat(md, containsString("| COPY (all indexes of visits) | 0.0 (0.0–0.0) | 21.5 (21.0–22.0) | 3.0 (3.0–3.0) | – |"));
    assertThat(md, containsString("| " + PipelineRunner.DIRECT + " | 0.0 (0.0–0.0) | 40.0 (40.0–40.0) | 15.0 (14.0–16.0) | – |"));
    assertThat(md, not(containsString("| " + IngestThroughput.JDBC + " | 0.0")));
  }

  @Test
  void theBestRatioTheMeasuredCpuAllowsIsPairedPerTrialAndExplainsTheWorstThroughputTarget(@TempDir Path root)
      throws IOException {
    Report report = empty(root);
    report.runners.add(runner("direct", PipelineRunner.DIRECT, "--targetParallelism=2"));
    for (int t = 1; t <= 2; t++) {
      // COPY 20 s and JDBC 40 s; fieldflow 40 s on 2 cores with 54 and 56 core-seconds of work.
      report.trials.add(trial(t, IngestThroughput.COPY_INDEXED, 50).withCpu(Map.of(
          IngestThroughput.POSTGRES_CPU, 19.0, IngestThroughput.LOADER_CPU, 0.5)));
      report.trials.add(trial(t, IngestThroughput.JDBC, 25));
      report.trials.add(trial(t, PipelineRunner.DIRECT, 25).withCpu(Map.of(
          IngestThroughput.POSTGRES_CPU, 40.0, IngestThroughput.LOADER_CPU, 12.0 + 2 * t)));
    }

    assertThat(report.cpuBound(PipelineRunner.DIRECT, IngestThroughput.COPY_INDEXED).min(), closeTo(20 / 28.0, 1e-9));
    assertThat(report.cpuBound(PipelineRunner.DIRECT, IngestThroughput.COPY_INDEXED).max(), closeTo(20 / 27.0, 1e-9));
    assertThat(report.cpuBound(PipelineRunner.DIRECT, IngestThroughput.JDBC).median(),
        closeTo((40 / 27.0 + 40 / 28.0) / 2, 1e-9));
    // No CPU figures for the JDBC loader: no bound, whatever its wall time.
    assertThat(report.cpuBound(IngestThroughput.JDBC, IngestThroughput.COPY_INDEXED).present(), is(false));

    report.write(root.resolve("out"));
    String md = Files.readString(root.resolve("out/BENCHMARKS.md"), StandardCharsets.UTF_8);
    assertThat(md, containsString("| " + PipelineRunner.DIRECT
        + " | 40.0 (40.0–40.0) | 40.0 (40.0–40.0) | 15.0 (14.0–16.0) | – | 0.69 (0.68–0.70) | 0.73 (0.71–0.74) |"));
    assertThat(md, containsString("| " + IngestThroughput.COPY_INDEXED
        + " | 20.0 (20.0–20.0) | 19.0 (19.0–19.0) | 0.5 (0.5–0.5) | – | 0.49 (0.49–0.49) | – |"));
    // ×JDBC 1.0 against 2.0 is the furthest target (factor 2.00); its note gives the JDBC bound.
    assertThat(md, containsString("**Furthest from its target: end to end ≥ 2.0 × " + IngestThroughput.JDBC + ", "
        + PipelineRunner.DIRECT + "** (factor 2.00)"));
    assertThat(md, containsString("allows at most 1.46 × JDBC on 2 cores"));
  }

  @Test
  void rendersPollingAndNotificationsSideBySideWithTheHeapPoints(@TempDir Path root) throws IOException {
    Report report = report(root);
    NotificationBench notifications = new NotificationBench(null, root, root, 4, java.time.Duration.ofMillis(500),
        List.of(1_000, 10_000));
    notifications.latencyRuns.add(new NotificationBench.LatencyRun("polling (1 s), DirectRunner", List.of(1.0, 2.0, 3.0, 4.0),
        Map.of("LIST", 2L, "HEAD", 8L, "GET", 4L), 4));
    notifications.latencyRuns.add(new NotificationBench.LatencyRun("notifications, DirectRunner", List.of(0.5, 0.5, 0.5, 1.0),
        Map.of("HEAD", 8L, "GET", 4L), 4));
    notifications.heap.add(new NotificationBench.HeapPoint(1_000, 60_000_000L, 77));
    notifications.heap.add(new NotificationBench.HeapPoint(10_000, 62_000_000L, 700));
    report.notifications = notifications;
    Path out = root.resolve("out");
    report.write(out);
    String md = Files.readString(out.resolve("BENCHMARKS.md"), StandardCharsets.UTF_8);

    assertThat(md, containsString("## Polling vs S3 event notifications (issue 11)"));
    assertThat(md, containsString("| notifications, DirectRunner | 0.50 s | 1.00 s | 1.00 s | 0.00 | 2.00 | 1.00 |"));
    assertThat(md, containsString("| polling (1 s), DirectRunner | 2.50 s | 4.00 s | 4.00 s | 0.50 | 2.00 | 1.00 |"));
    assertThat(md, containsString("| 1,000 | 60.0 MB | +0 % | 77 s |"));
    assertThat(md, containsString("| 10,000 | 62.0 MB | +3 % | 700 s |"));
  }

  @Test
  void aSectionMeasuredOnItsOwnReplacesItsNamesakeAndNothingElse() {
    String report = "# Report\n\nintro\n\n## A\n\nold a\n\n## Polling vs S3 event notifications (issue 11)\n\n"
        + "old table\n| 1 |\n\n## 3. Memory\n\nmemory\n";
    String section = "## Polling vs S3 event notifications (issue 11)\n\nnew table\n| 2 |\n\n";

    String replaced = Report.replaceSection(report, section, "measured on its own");

    assertThat(replaced, is("# Report\n\nintro\n\n## A\n\nold a\n\n## Polling vs S3 event notifications (issue 11)\n\n"
        + "measured on its own\n\nnew table\n| 2 |\n\n## 3. Memory\n\nmemory\n"));
  }

  @Test
  void theLastSectionIsReplacedToTheEnd() {
    String replaced = Report.replaceSection("# R\n\n## S\n\nold\n", "## S\n\nnew\n", "note");

    assertThat(replaced, is("# R\n\n## S\n\nnote\n\nnew\n\n"));
  }

  @Test
  void aReportWithoutTheSectionIsRefused() {
    IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> Report.replaceSection("# R\n\n## T\n", "## S\n\nnew\n", "note"));

    assertThat(refused.getMessage(), is("the report has no section '## S' to replace"));
  }

  @Test
  void aLatencyOnlyRunKeepsTheHeapTableOfTheRunThatMeasuredItAndSaysSo() {
    String report = "# R\n\n## Polling vs S3 event notifications (issue 11)\n\n"
        + "This section was measured by a run of its own, `Bench --notification-files=1000,100000`, finished T1.\n\n"
        + "old latency\n| a |\n\nLive heap of the pipeline JVM (...).\n\n| 100,000 | 27.0 MB |\n\n## 3. Memory\n\nm\n";
    String latencyOnly = "## Polling vs S3 event notifications (issue 11)\n\nnew latency\n| b |\n\n";

    String updated = Report.updateSection(report, latencyOnly, "Measured by `Bench --notification-files=none`, T2.", true);

    assertThat(updated, is("# R\n\n## Polling vs S3 event notifications (issue 11)\n\n"
        + "Measured by `Bench --notification-files=none`, T2. The heap table below is kept from the run that"
        + " measured it, which was a run of its own, `Bench --notification-files=1000,100000`, finished T1.\n\n"
        + "new latency\n| b |\n\nLive heap of the pipeline JVM (...).\n\n| 100,000 | 27.0 MB |\n\n## 3. Memory\n\nm\n"));
  }
  @Test
  void aFullRunWithoutHeapPointsKeepsTheHeapTableOfTheReportItReplacesAndNamesItsRun() {
    String previous = "# R\n\n## Polling vs S3 event notifications (issue 11)\n\n"
        + "This section was measured by a run of its own, `Bench --notification-files=none`, finished T2."
        + " The heap table below is kept from the run that measured it, which was a run of its own,"
        + " `Bench --notification-files=1000,100000`, finished T1.\n\n"
        + "old latency\n| a |\n\nLive heap of the pipeline JVM (...).\n\n| 100,000 | 27.0 MB |\n\n## 3. Memory\n\nold\n";
    String full = "# R2\n\n## Polling vs S3 event notifications (issue 11)\n\nnew latency\n| b |\n\n"
        + "## 3. Memory\n\nnew\n";

    String kept = Report.keepHeapTable(full, previous);

    assertThat(kept, is("# R2\n\n## Polling vs S3 event notifications (issue 11)\n\nnew latency\n| b |\n\n"
        + "The heap table below is kept from the run that measured it, which was a run of its own,"
        + " `Bench --notification-files=1000,100000`, finished T1.\n\n"
        + "Live heap of the pipeline JVM (...).\n\n| 100,000 | 27.0 MB |\n\n## 3. Memory\n\nnew\n"));
    assertThat("kept again by the next such run, still credited to the run that measured it",
        Report.keepHeapTable(full, kept), is(kept));
  }

  @Test
  void aFullRunKeepsNoHeapTableWhenItMeasuredOneOrTheOldReportHasNone() {
    String withHeap = "# R\n\n## Polling vs S3 event notifications (issue 11)\n\nlatency\n\n"
        + "Live heap of the pipeline JVM (new).\n\n| 1,000 | 26.0 MB |\n\n## 3. Memory\n\nm\n";
    String old = withHeap.replace("new", "old").replace("26.0", "99.0");
    String withoutHeap = "# R\n\n## Polling vs S3 event notifications (issue 11)\n\nlatency\n\n## 3. Memory\n\nm\n";

    assertThat(Report.keepHeapTable(withHeap, old), is(withHeap));
    assertThat(Report.keepHeapTable(withoutHeap, withoutHeap), is(withoutHeap));
  }
}
