package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Writes {@code BENCHMARKS.md} and its chart from the measurements of one run. */
final class Report {
  static final String CHART = "benchmarks.png";
  private static final double MB = 1024 * 1024;
  private static final double RSS_TARGET_MB = 512;

  private final Bench.Plan plan;
  private final Path root;
  Machine machine;
  Instant started;
  Instant finished;
  String loadBefore;
  String loadAfter;
  String postgres = "unknown";
  IngestThroughput throughput;
  final List<IngestThroughput.Trial> trials = new ArrayList<>();
  final List<PipelineRunner> runners = new ArrayList<>();
  final Map<String, String> notMeasured = new LinkedHashMap<>();
  IngestLatency latency;
  /** Polling vs S3 event notifications (issue 11); null when not run. */
  NotificationBench notifications;

  /**
   * The report this one replaces, whose notifications heap table a run that measured no heap
   * points ({@code --notification-files=none}) keeps; null when there is none.
   */
  String keepHeapFrom;
  final List<IngestLatency.Run> latencyRuns = new ArrayList<>();
  Optional<String> analyst = Optional.empty();
  String reusedCommand = "";
  Optional<String> fileTracking = Optional.empty();
  Optional<String> fileTrackingDocumented = Optional.empty();

  Report(Bench.Plan plan, Path root) {
    this.plan = plan;
    this.root = root;
  }

  private List<String> methods() {
    List<String> methods = new ArrayList<>(IngestThroughput.BASELINES);
    runners.forEach(r -> methods.add(r.label()));
    return methods;
  }

  private Stats rate(String method) {
    return Stats.of(trials.stream().filter(t -> t.method().equals(method)).map(t -> t.rowsPerSecond()).toList());
  }

  private Stats busyRate(String method) {
    return Stats.of(trials.stream().filter(t -> t.method().equals(method))
        .map(t -> t.rows() / t.busySeconds()).toList());
  }

  /**
   * rows/s of {@code method} over rows/s of {@code baseline} in the same trial (paired, so it
   * survives drift between trials); no values when either was not measured.
   */
  Stats ratio(String method, String baseline) {
    return paired(method, baseline, (t, c) -> t.rowsPerSecond() / c.rowsPerSecond());
  }

  /**
   * Per trial of {@code method} with CPU figures: the most × {@code baseline} its CPU work allows
   * on this machine's cores (the baseline's wall time in that trial over all core-seconds / cores).
   */
  Stats cpuBound(String method, String baseline) {
    return paired(method, baseline, (t, c) -> t.cpuSeconds().isEmpty() ? null
        : c.seconds() / (totalCpu(t) / machine.cores()));
  }

  /**
   * {@code figure} of each trial of {@code method} and {@code baseline}'s run in the same trial
   * (paired, so it survives drift between trials); trials where either is missing, or the figure
   * is null, give no value.
   */
  private Stats paired(String method, String baseline,
      BiFunction<IngestThroughput.Trial, IngestThroughput.Trial, Double> figure) {
    List<Double> values = new ArrayList<>();
    for (IngestThroughput.Trial t : trials) {
      if (t.method().equals(method)) {
        trials.stream().filter(c -> c.trial() == t.trial() && c.method().equals(baseline)).findFirst()
            .map(c -> figure.apply(t, c)).ifPresent(values::add);
      }
    }
    return Stats.of(values);
  }

  private Stats peak(List<Map<String, Long>> peaks, String name) {
    return Stats.of(peaks.stream().filter(p -> p.containsKey(name)).map(p -> p.get(name) / MB).toList());
  }

  private Stats peakOf(String method, String name) {
    return peak(trials.stream().filter(t -> t.method().equals(method)).map(IngestThroughput.Trial::peakBytes).toList(),
        name);
  }

  private List<IngestLatency.Run> runsAt(int poll) {
    return latencyRuns.stream().filter(r -> r.pollSeconds() == poll).toList();
  }

  private static List<Double> pooled(List<IngestLatency.Run> runs, boolean observed) {
    return runs.stream().flatMap(r -> (observed ? r.observedSeconds() : r.ledgerSeconds()).stream()).toList();
  }

  private static Stats perRun(List<IngestLatency.Run> runs, double p) {
    return Stats.of(runs.stream().map(r -> Stats.percentile(r.observedSeconds(), p)).toList());
  }

  void write(Path out) throws IOException {
    Files.createDirectories(out);
    List<Chart.Bar> bars = new ArrayList<>();
    for (String method : methods()) {
      boolean baseline = !method.startsWith("fieldflow");
      bars.add(new Chart.Bar(method, rate(method), baseline ? Chart.BASELINE : Chart.FIELDFLOW));
    }
    List<Chart.LatencyGroup> groups = new ArrayList<>();
    for (int poll : new int[] {1, 5}) {
      List<Double> seen = pooled(runsAt(poll), true);
      groups.add(new Chart.LatencyGroup("poll " + poll + " s", Stats.percentile(seen, 50),
          Stats.percentile(seen, 95), latencyTarget(poll)));
    }
    Chart.write(out.resolve(CHART), String.format("fieldflow benchmarks, %s (%s run, %d cores)",
        DateTimeFormatter.ISO_LOCAL_DATE.format(started.atZone(ZoneOffset.UTC)), plan.quick() ? "quick" : "full",
        machine.cores()), bars, groups);
    String md = keepHeapFrom == null ? markdown() : keepHeapTable(markdown(), keepHeapFrom);
    Files.writeString(out.resolve("BENCHMARKS.md"), md, StandardCharsets.UTF_8);
  }

  private String markdown() {
    StringBuilder md = new StringBuilder();
    String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(started.atZone(ZoneOffset.UTC));
    md.append("# Benchmarks\n\n")
        .append("Written by `./manage.sh bench").append(plan.quick() ? " --quick" : "")
        .append(plan.trials() == Bench.Plan.of(plan.quick()).trials() ? "" : " --trials=" + plan.trials())
        .append("` (the harness in ")
        .append("[`bench/`](../bench/src/main/java/dev/fieldflow/bench/Bench.java)) on ").append(date).append(", in ")
        .append(Duration.between(started, finished).toMinutes()).append(" min. Every figure is the median of ")
        .append(Math.min(plan.trials(), Bench.Plan.of(plan.quick()).trials()))
        .append(" or more runs (throughput: ").append(plan.trials()).append(" trials)")
        .append(" with the spread (min–max) in brackets. Baselines and fieldflow ")
        .append("run interleaved within each trial (order rotated per trial), and ratios are taken per trial, so ")
        .append("they hold when the machine's speed drifts; absolute rates move more than ratios.\n\n")
        .append("![throughput and latency](").append(CHART).append(")\n\n");

    md.append("## Machine\n\n| | |\n|---|---|\n")
        .append("| CPU | ").append(machine.cpuModel()).append(", ").append(machine.cores()).append(" cores (`nproc`) |\n")
        .append(String.format("| memory | %.1f GiB |%n", machine.memoryBytes() / (1024.0 * MB)))
        .append("| OS | ").append(machine.os()).append(" |\n")
        .append("| Java | ").append(machine.java()).append(" |\n")
        .append("| PostgreSQL | ").append(postgres).append(" (the embedded local server, default settings, ")
        .append("throwaway data directory, on the same machine) |\n")
        .append("| load average | ").append(loadBefore).append(" before, ").append(loadAfter).append(" after |\n\n")
        .append("The harness cannot see what else ran on the machine; the load average above is the hint. ");
    if (runners.stream().anyMatch(r -> r.label().equals(PipelineRunner.FLINK_CLUSTER) && r.unavailable().isEmpty())) {
      md.append("The bench's own local Flink cluster (a JobManager and ").append(Bench.CLUSTER_TASKMANAGERS)
          .append(" TaskManagers) stays up from the first trial to the last, so that its runs find it warm; ")
          .append("idle, it takes about a tenth of one core (measured: 2.9 s of CPU in 30 s), which every other ")
          .append("run shares the machine with. ");
    }
    md.append("A run that keeps both cores busy feels such noise more than a one-session baseline, so absolute ")
        .append("figures move from run to run; compare the paired ratios.\n\n");

    targets(md);
    throughputSection(md);
    profileSection(md);
    latencySection(md);
    if (notifications != null) {
      notifications.section(md);
    }
    memorySection(md);
    fileTrackingSection(md);
    analystSection(md);

    if (!notMeasured.isEmpty()) {
      md.append("## Not measured in this run\n\n");
      notMeasured.forEach((what, why) -> md.append("- **").append(what).append("**: ").append(why).append('\n'));
      md.append('\n');
    }
    md.append("## How to rerun\n\n```bash\n")
        .append("./manage.sh build\n")
        .append("./manage.sh bench --quick   # reduced set, < 5 min; writes bench/target/report/\n")
        .append("./manage.sh bench           # this report (up to an hour); writes docs/BENCHMARKS.md\n")
        .append("./manage.sh bench --trials=5   # 5 throughput trials instead of 3: medians that move less\n```\n\n")
        .append("What runs, exactly:\n\n- throughput: `java ")
        .append(Stream.concat(PipelineRunner.PIPELINE_JAVA_OPTIONS.stream(),
            PipelineRunner.BOUNDED_RUN_JAVA_OPTIONS.stream()).collect(Collectors.joining(" ")))
        .append(" -jar pipelines/target/fieldflow-bundled.jar visit --visitsInput=DIR/ --once` (as manage.sh runs a ")
        .append("bounded run: C1 only; the Flink runners: ")
        .append("`fieldflow-flink-bundled.jar` with Flink's Java 17 flags; each jar with its class-data sharing ")
        .append("archive, `-XX:SharedArchiveFile=`, written before the trials by the jar's `startup-training` as ")
        .append("manage.sh writes it beside a built jar) plus the runner's ")
        .append("`runner-profiles/NAME.args` (as `manage.sh visit --runner=NAME`), with `FIELDFLOW_HOME` pointing at ")
        .append("the throwaway database. Before each run, baselines and fieldflow alike, the tables any run writes are ")
        .append("emptied, the harness waits until no autovacuum worker is busy, and checkpoints: a run does not pay ")
        .append("for the rows an earlier one left to autovacuum. ")
        .append("Embedded parallelism 1 is the flink-local profile with `--parallelism=1`; the local cluster is ")
        .append("`./manage.sh cluster start --taskmanagers=").append(Bench.CLUSTER_TASKMANAGERS)
        .append("` on free ports under `bench/target/run/flink-home`, the flink-cluster profile pointed at it.\n")
        .append("- throughput only, no report (a quick measurement while changing the write path): `java -cp ")
        .append("bench/target/fieldflow-bench-*.jar:pipelines/target/fieldflow-bundled.jar dev.fieldflow.bench.Bench ")
        .append("--throughput-only [--visits=N] [--trials=N] [--runners=").append(String.join(",", PipelineRunner.NAMES))
        .append("]`; the child logs with the per-file profiles stay in `bench/target/run/logs/`.\n")
        .append("- latency: the same jar without `--once`, `--pollIntervalSeconds=1|5`, on an empty directory.\n")
        .append("- analysts' questions and file tracking: `").append(reusedCommand).append("`\n");
    return md.toString();
  }

  /** The fieldflow runners the targets of issue 10 are for, in the table's order. */
  private static final List<String> TARGET_RUNNERS = List.of(PipelineRunner.DIRECT, PipelineRunner.FLINK_EMBEDDED,
      PipelineRunner.FLINK_CLUSTER);
  private static final double COPY_TARGET = 0.8;
  private static final double COPY_FLOOR = 0.5;
  private static final double JDBC_TARGET = 2.0;

  /** The p95 file→rows latency a continuous run may reach: 3.5 s at a 1 s poll (as before v2), poll + 2 s else. */
  static double latencyTarget(int poll) {
    return poll == 1 ? 3.5 : poll + 2;
  }

  private static String status(double factor) {
    return String.format("%.2f", factor) + (factor > 1 ? " (missed)" : " (met)");
  }

  private void targets(StringBuilder md) {
    md.append("## Against the targets\n\n")
        .append("The targets of issue 10 (ingest core v2). Throughput ratios are paired: fieldflow's rows/s ")
        .append("over the baseline's rows/s in the same trial, median (min–max) over trials. The factor is ")
        .append("how far a figure is from its target: above 1 the target is missed by that factor.\n\n")
        .append("| target | measured | factor (> 1: missed) |\n|---|---|---|\n");
    Map<String, Double> factors = new LinkedHashMap<>();
    Map<String, String> cpuNotes = new LinkedHashMap<>();
    for (String runner : TARGET_RUNNERS) {
      String target = "end to end ≥ " + COPY_TARGET + " × " + IngestThroughput.COPY_INDEXED + ", " + runner
          + " (never below " + COPY_FLOOR + " ×)";
      Stats toCopy = ratio(runner, IngestThroughput.COPY_INDEXED);
      if (!toCopy.present()) {
        md.append("| ").append(target).append(" | ").append(notMeasuredText(runner)).append(" | – |\n");
      } else {
        double factor = COPY_TARGET / toCopy.median();
        factors.put(target, factor);
        cpuNotes.put(target, cpuBoundNote(runner, IngestThroughput.COPY_INDEXED, "COPY (all indexes)"));
        md.append("| ").append(target).append(" | ").append(toCopy.format("%.2f")).append(" × COPY; ")
            .append(toCopy.median() >= COPY_FLOOR ? "at or above" : "**below**").append(" the ").append(COPY_FLOOR)
            .append(" × floor").append(toCopy.min() < COPY_FLOOR && toCopy.median() >= COPY_FLOOR
                ? " (below it in at least one trial)" : "").append(" | ").append(status(factor)).append(" |\n");
      }
    }
    for (String runner : TARGET_RUNNERS) {
      String target = "end to end ≥ " + JDBC_TARGET + " × " + IngestThroughput.JDBC + ", " + runner;
      Stats toJdbc = ratio(runner, IngestThroughput.JDBC);
      if (!toJdbc.present()) {
        md.append("| ").append(target).append(" | ").append(notMeasuredText(runner)).append(" | – |\n");
      } else {
        double factor = JDBC_TARGET / toJdbc.median();
        factors.put(target, factor);
        cpuNotes.put(target, cpuBoundNote(runner, IngestThroughput.JDBC, "JDBC"));
        md.append("| ").append(target).append(" | ").append(toJdbc.format("%.2f")).append(" × JDBC | ")
            .append(status(factor)).append(" |\n");
      }
    }
    Stats scaling = ratio(PipelineRunner.FLINK_EMBEDDED, PipelineRunner.FLINK_EMBEDDED_P1);
    md.append("| FlinkRunner embedded writes in parallel: scaling from parallelism 1 to 2 (rows/s at 2 / rows/s ")
        .append("at 1; 1.00 = no gain, 2.00 = linear) | ")
        .append(scaling.present() ? scaling.format("%.2f") + " ×" : "not measured in this run (needs both "
            + PipelineRunner.FLINK_EMBEDDED_P1 + " and " + PipelineRunner.FLINK_EMBEDDED + ")")
        .append(" | reported (no threshold) |\n");
    Stats clusterScaling = ratio(PipelineRunner.FLINK_CLUSTER, PipelineRunner.FLINK_EMBEDDED_P1);
    if (clusterScaling.present()) {
      md.append("| (for reference) local cluster, parallelism 2 on ").append(Bench.CLUSTER_TASKMANAGERS)
          .append(" TaskManagers, over embedded parallelism 1 | ").append(clusterScaling.format("%.2f"))
          .append(" × | – |\n");
    }
    for (int poll : new int[] {1, 5}) {
      List<Double> seen = pooled(runsAt(poll), true);
      String target = "continuous: file→rows p95 ≤ " + String.format("%.1f s", latencyTarget(poll)) + " at a "
          + poll + " s poll" + (poll == 1 ? " (no worse than before v2)" : " (poll + 2 s)");
      if (seen.isEmpty()) {
        md.append("| ").append(target).append(" | not measured | – |\n");
        continue;
      }
      double p95 = Stats.percentile(seen, 95);
      double factor = p95 / latencyTarget(poll);
      factors.put(target, factor);
      md.append("| ").append(target).append(" | ").append(String.format("%.2f s", p95)).append(" | ")
          .append(status(factor)).append(" |\n");
    }
    List<Map<String, Long>> allPeaks = new ArrayList<>();
    trials.stream().filter(t -> t.method().startsWith("fieldflow")).forEach(t -> allPeaks.add(t.peakBytes()));
    latencyRuns.forEach(r -> allPeaks.add(r.peakBytes()));
    double rss = allPeaks.stream().filter(p -> p.containsKey("pipeline JVM"))
        .mapToDouble(p -> p.get("pipeline JVM") / MB).max().orElse(Double.NaN);
    if (!Double.isNaN(rss)) {
      double factor = rss / RSS_TARGET_MB;
      factors.put("pipeline JVM RSS ≤ 512 MB", factor);
      md.append("| pipeline JVM RSS ≤ 512 MB (largest peak of any run, `").append(PipelineRunner.PIPELINE_JAVA_OPTIONS
          .stream().collect(Collectors.joining(" "))).append("`) | ").append(String.format("%.0f MB", rss))
          .append(" | ").append(status(factor)).append(" |\n");
    }
    md.append("| profile of where the time goes, with how it was measured | ")
        .append(trials.stream().anyMatch(t -> t.profile().present())
            ? "see [1b. Where the time goes](#1b-where-the-time-goes) | – |\n" : "no file profiles in this run's logs | – |\n");
    md.append("| state per tracked file bounded | ").append(fileTracking.isPresent() || fileTrackingDocumented.isPresent()
        ? "bytes per tracked file: see [4. File tracking at scale](#4-file-tracking-at-scale) | – |\n"
        : "not measured yet | – |\n");
    factors.entrySet().stream().max(Map.Entry.comparingByValue()).ifPresent(worst -> md.append("\n**Furthest from ")
        .append("its target: ").append(worst.getKey()).append("** (factor ").append(String.format("%.2f", worst.getValue()))
        .append("). ").append(why(worst.getKey())).append(cpuNotes.getOrDefault(worst.getKey(), "")).append("\n"));
    md.append('\n');
  }

  private String notMeasuredText(String runner) {
    String reason = notMeasured.get(runner);
    if (reason == null) {
      reason = notMeasured.entrySet().stream().filter(e -> e.getKey().startsWith(runner + " (trial"))
          .map(Map.Entry::getValue).findFirst().orElse(null);
    }
    return "not measured in this run" + (reason == null ? "" : " (" + reason.replace("|", "\\|") + ")");
  }

  private static String why(String target) {
    if (target.startsWith("end to end")) {
      return "COPY streams finished rows into one table. fieldflow, per file and in one transaction, reads and "
          + "parses the JSON, inserts the lines' new nodes and tasks set-based from a temporary stage (in a "
          + "short transaction of their own), copies the rows (binary COPY, sorted by key) straight into "
          + "`visits` when they are all new (else through a temporary stage and an upsert whose `RETURNING` "
          + "gives the loaded / updated / duplicate counts and moves the attributes of the tasks and nodes "
          + "of the lines it wrote), "
          + "quarantines rejected lines and marks the file done in the ledger, on top of the triggers that "
          + "check references and keep the q2 summary; files load in parallel, one database session each, "
          + "with no global lock. "
          + "The merge maintains every index of `visits` as the COPY baseline does, and on 2 cores the pipeline "
          + "JVM and PostgreSQL compete for the CPU. [1b](#1b-where-the-time-goes) shows which phase the time "
          + "goes to, and the index-cost baselines in [1](#1-ingest-throughput) what each index class costs.";
    }
    if (target.startsWith("continuous")) {
      return "A file waits on average half a poll interval to be listed, then for its claim and its load: one "
          + "transaction (nodes and tasks, COPY into visits, ledger) that commits as soon as the file is read, without "
          + "waiting for other files.";
    }
    return "The pipeline JVM's resident set is its heap (capped by -Xmx) plus metaspace, code cache, thread "
        + "stacks and direct buffers.";
  }

  /** What the CPU of {@code runner}'s runs allows at best against {@code baseline}; empty when not measured. */
  private String cpuBoundNote(String runner, String baseline, String baselineName) {
    Stats bound = cpuBound(runner, baseline);
    if (!bound.present()) {
      return "";
    }
    return String.format(" The CPU this runner's runs used (PostgreSQL, the pipeline and any Flink processes "
        + "together) allows at most %.2f × %s on %d cores, with every core busy from start to end "
        + "([1b](#1b-where-the-time-goes)): a target above that needs less work per visit, not better "
        + "overlap.", bound.median(), baselineName, machine.cores());
  }

  private static String indexList(List<IngestThroughput.Index> indexes) {
    if (indexes == null || indexes.isEmpty()) {
      return "none";
    }
    return indexes.stream().map(i -> "`" + i.name() + "`" + (i.primary() ? " (primary key)" : i.partial() ? " (partial)"
        : i.ginOnNoteTokens() ? " (GIN on note_tokens)" : "")).collect(Collectors.joining(", "));
  }

  private void throughputSection(StringBuilder md) {
    md.append("## 1. Ingest throughput\n\n");
    if (throughput == null) {
      md.append("Not measured in this run.\n\n");
      return;
    }
    md.append(String.format("%,d visits (seed 20191003, no quirks) in %d raw JSON-lines files of %,d lines, ",
            throughput.visits(), (throughput.visits() + throughput.linesPerFile() - 1) / throughput.linesPerFile(),
            throughput.linesPerFile()))
        .append(String.format("%,d distinct rows committed by every method (checked after each run). ",
            throughput.expectedRows()))
        .append("rows/s = committed rows / wall time. ")
        .append("fieldflow is timed end to end as a child process (`visit --once`: JVM start, pipeline ")
        .append("construction, listing, then per file one transaction: read, parse, set-based upsert of `nodes` ")
        .append("and `tasks`, binary COPY into `visits` (through a temporary stage and an upsert only for files ")
        .append("with stored visits, none here), quarantine, ledger; then exit); ")
        .append("\"busy\" divides by the ledger's first `started_at` to last `finished_at` instead (without JVM ")
        .append("start-up and shutdown). ")
        .append("COPY loads the same rows already transformed (parsed by fieldflow's `VisitParser` into a CSV ")
        .append("by the harness, not timed) with pgjdbc's `CopyManager` into a table of the same shape ")
        .append("(`LIKE fieldflow.visits`, with its checks and primary key), into one with every index ")
        .append("of `fieldflow.visits`, and into two with every index but one class (below). The JDBC loader ")
        .append("reads and parses the raw files itself and inserts with a plain `INSERT` in batches of 1,000 ")
        .append("(one commit each, no `reWriteBatchedInserts`), as the origin's sink did. Baselines write ")
        .append("`visits` only; fieldflow also writes `tasks`, `nodes`, their stage and the ledger. (This is the ")
        .append("visit write path; the network pipeline still writes through `GroupIntoBatches` and `JdbcIO` and ")
        .append("is not measured here.)\n\n")
        .append("| method | rows/s, end to end | × COPY (PK only), paired | × COPY (all indexes), paired | rows/s, busy | runs |\n")
        .append("|---|---:|---:|---:|---:|---:|\n");
    for (String method : methods()) {
      Stats rate = rate(method);
      if (!rate.present()) {
        md.append("| ").append(method).append(" | not measured in this run | | | | 0 |\n");
        continue;
      }
      md.append("| ").append(method).append(" | ").append(rate.format("%,.0f")).append(" | ")
          .append(ratio(method, IngestThroughput.COPY).format("%.2f")).append(" | ")
          .append(ratio(method, IngestThroughput.COPY_INDEXED).format("%.2f")).append(" | ")
          .append(method.startsWith("fieldflow") ? busyRate(method).format("%,.0f") : "same").append(" | ")
          .append(rate.n()).append(" |\n");
    }
    md.append('\n');
    indexCosts(md);
  }

  /** What each index class of visits costs COPY, from the baselines without it (paired). */
  private void indexCosts(StringBuilder md) {
    Map<String, List<IngestThroughput.Index>> indexes = throughput.indexes();
    md.append("### What the indexes of visits cost\n\n")
        .append("`fieldflow.visits` has, as its catalog (`pg_index`) lists them: ")
        .append(indexList(indexes.get("fieldflow.visits"))).append(". ")
        .append("Each COPY baseline's table is `LIKE fieldflow.visits INCLUDING ALL` with one class of ")
        .append("indexes dropped, found in the catalog (a GIN whose key holds `note_tokens`; `indpred IS NOT ")
        .append("NULL` for the partial analyst indexes), not by name. \"Speed-up without it\" is the paired ")
        .append("rows/s over COPY (all indexes); \"share\" is the part of the all-indexes COPY's time that ")
        .append("the class accounts for (1 − 1 / speed-up).\n\n")
        .append("| COPY into a table with | its indexes | rows/s | speed-up without it, paired | share of the all-indexes COPY |\n")
        .append("|---|---|---:|---:|---:|\n");
    for (String method : List.of(IngestThroughput.COPY, IngestThroughput.COPY_NO_GIN, IngestThroughput.COPY_NO_PARTIAL,
        IngestThroughput.COPY_INDEXED)) {
      Stats rate = rate(method);
      Stats speedUp = ratio(method, IngestThroughput.COPY_INDEXED);
      boolean comparison = !method.equals(IngestThroughput.COPY_INDEXED) && speedUp.present();
      md.append("| ").append(method).append(" | ").append(indexList(indexes.get(method))).append(" | ")
          .append(rate.present() ? rate.format("%,.0f") : "not measured").append(" | ")
          .append(comparison ? speedUp.format("%.2f") + " ×" : "–").append(" | ")
          .append(comparison ? String.format("%.0f %%", 100 * (1 - 1 / speedUp.median())) : "–").append(" |\n");
    }
    md.append('\n');
  }

  private void profileSection(StringBuilder md) {
    md.append("## 1b. Where the time goes\n\n")
        .append("Each file is loaded in one transaction, and its log line (INFO, `dev.fieldflow.ingest.visits.")
        .append("IngestVisitFiles`) ends with its profile (`LoadProfile`): wall-clock milliseconds measured in ")
        .append("the thread that loads the file, split into *nodes*, *tasks* and *visits* (the merge into each ")
        .append("table: nodes and tasks set-based from their stage; visits the binary COPY of the file's rows, ")
        .append("or their stage and upsert, maintaining every index of `visits`), *ledger* (marking the file ")
        .append("done), *commit* (from the end of the load to ")
        .append("the end of its transaction's commit: the WAL flush and the deferred refresh of the q2 summary ")
        .append("`second_visit_successes`, which commits take one at a time), and *read+parse+stage*: the rest of ")
        .append("the file's time, i.e. reading, decompressing and parsing the lines and encoding their rows (and ")
        .append("locking the file's ledger row and creating the stages). Visits includes the ")
        .append("triggers on `visits`. The harness sums these fields over ")
        .append("all files of a run from each child's log (`bench/target/run/logs/throughput-RUNNER-TRIAL.log`; ")
        .append("on the local cluster, the TaskManagers' logs appended during the run). Figures are the median ")
        .append("over trials; a phase's share is of the summed file time of all trials.\n\n")
        .append("Files load in parallel (up to the runner's parallelism at once), so per-file times overlap: ")
        .append("the summed file time can exceed the run's wall time, and a phase's time includes waiting for ")
        .append("the CPU or for PostgreSQL while the other file runs. \"Outside the file loads\" is the ")
        .append("process's wall time minus summed file time / parallelism: JVM start-up, pipeline construction, ")
        .append("listing and claiming, shutdown, and any time a worker sat idle; it is an estimate ")
        .append("that assumes every worker was busy while files loaded.\n\n")
        .append("| runner | parallelism | files | wall time, s | summed file time, s |");
    FileProfiles.PHASES.forEach(p -> md.append(' ').append(p).append(", s (share) |"));
    md.append(" outside the file loads, s |\n|---|---:|---:|---:|---:|");
    FileProfiles.PHASES.forEach(p -> md.append("---:|"));
    md.append("---:|\n");
    for (PipelineRunner runner : runners) {
      List<IngestThroughput.Trial> runs = trials.stream()
          .filter(t -> t.method().equals(runner.label()) && t.profile().present()).toList();
      String parallelism = runner.parallelism().isPresent() ? Integer.toString(runner.parallelism().getAsInt()) : "?";
      if (runs.isEmpty()) {
        md.append("| ").append(runner.label()).append(" | ").append(parallelism).append(" | ")
            .append(rate(runner.label()).present() ? "no profile lines in its logs" : "not measured in this run")
            .append(" |");
        md.append(" |".repeat(3 + FileProfiles.PHASES.size())).append('\n');
        continue;
      }
      long allTotal = runs.stream().mapToLong(t -> t.profile().totalMs()).sum();
      md.append("| ").append(runner.label()).append(" | ").append(parallelism).append(" | ")
          .append(Stats.of(runs.stream().map(t -> (double) t.profile().files()).toList()).format("%.0f")).append(" | ")
          .append(Stats.of(runs.stream().map(IngestThroughput.Trial::seconds).toList()).format("%.1f")).append(" | ")
          .append(Stats.of(runs.stream().map(t -> t.profile().totalMs() / 1000.0).toList()).format("%.1f")).append(" |");
      for (String phase : FileProfiles.PHASES) {
        long allPhase = runs.stream().mapToLong(t -> t.profile().phase(phase)).sum();
        md.append(' ').append(String.format("%.1f", Stats.of(runs.stream().map(t -> t.profile().phase(phase) / 1000.0)
            .toList()).median())).append(String.format(" (%.0f %%)", allTotal == 0 ? 0.0 : 100.0 * allPhase / allTotal))
            .append(" |");
      }
      md.append(' ').append(runner.parallelism().isPresent()
          ? Stats.of(runs.stream().map(t -> t.profile().outsideSeconds(t.seconds(), runner.parallelism().getAsInt()))
              .toList()).format("%.1f")
          : "– (parallelism unknown)").append(" |\n");
    }
    md.append('\n');
    cpuTable(md);
  }

  /**
   * The CPU each side used in the timed runs: where the work is, and how much of the 2 × wall
   * core-seconds the machine had it took.
   */
  private void cpuTable(StringBuilder md) {
    if (trials.stream().allMatch(t -> t.cpuSeconds().isEmpty())) {
      return;
    }
    md.append("CPU used during each timed run, in core-seconds (median (min–max) over trials), read from ")
        .append("`/proc/PID/stat`: *PostgreSQL* is the postmaster and everything it ran (backends, autovacuum, ")
        .append("checkpointer, WAL writer: its own time, its ended children's, each live child's); *loader* is ")
        .append("the pipeline JVM for fieldflow (its whole life, counted once it has exited) and the harness's ")
        .append("loading thread for a baseline (reading, converting and sending the rows). On the local cluster ")
        .append("the files load in the TaskManagers, counted apart (with the JobManager). A run of W seconds on ")
        .append(machine.cores()).append(" cores had ").append(machine.cores()).append(" × W core-seconds. ")
        .append("*Machine used* is all the core-seconds of the run over that. *Best × COPY at this CPU* is, per ")
        .append("trial, COPY's wall time (all indexes, same trial) over the shortest wall time this much work ")
        .append("could take with every core busy from start to end (all core-seconds / ").append(machine.cores())
        .append("): a ratio to COPY that fieldflow could not pass by overlapping its work better, only by ")
        .append("doing less of it.\n\n")
        .append("| method | wall time, s | PostgreSQL, core-s | loader, core-s | ")
        .append(IngestThroughput.CLUSTER_CPU).append(", core-s | machine used | best × COPY at this CPU |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|\n");
    List<String> methods = new ArrayList<>(List.of(IngestThroughput.COPY_INDEXED, IngestThroughput.JDBC));
    runners.forEach(r -> methods.add(r.label()));
    for (String method : methods) {
      List<IngestThroughput.Trial> runs = trials.stream()
          .filter(t -> t.method().equals(method) && !t.cpuSeconds().isEmpty()).toList();
      if (runs.isEmpty()) {
        continue;
      }
      md.append("| ").append(method).append(" | ")
          .append(Stats.of(runs.stream().map(IngestThroughput.Trial::seconds).toList()).format("%.1f"));
      for (String side : List.of(IngestThroughput.POSTGRES_CPU, IngestThroughput.LOADER_CPU,
          IngestThroughput.CLUSTER_CPU)) {
        md.append(" | ").append(Stats.of(runs.stream().filter(t -> t.cpuSeconds().containsKey(side))
            .map(t -> t.cpuSeconds().get(side)).toList()).format("%.1f"));
      }
      md.append(" | ").append(Stats.of(runs.stream()
              .map(t -> totalCpu(t) / (machine.cores() * t.seconds())).toList()).format("%.2f"))
          .append(" | ").append(method.startsWith("fieldflow")
              ? cpuBound(method, IngestThroughput.COPY_INDEXED).format("%.2f") : "–")
          .append(" |\n");
    }
    md.append('\n');
  }

  private static double totalCpu(IngestThroughput.Trial t) {
    return t.cpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
  }

  private void latencySection(StringBuilder md) {
    md.append("## 2. Latency: file dropped → rows committed\n\n");
    if (latency == null) {
      md.append("Not measured in this run.\n\n");
      return;
    }
    md.append(String.format("The continuous pipeline (DirectRunner, `%s`) watches an empty local directory; the ",
            PipelineRunner.PIPELINE_JAVA_OPTIONS.stream().collect(Collectors.joining(" "))))
        .append(String.format("harness drops %d files of %,d visit lines into it, one every %.1f s ", latency.files(),
            latency.linesPerFile(), latency.spacing().toMillis() / 1000.0))
        .append("(written beside it, then renamed in), per run. \"As seen\": from the rename to the moment the ")
        .append("harness, polling the ledger every 50 ms, sees the file `done` (after its commit). \"Ledger\": ")
        .append("to the ledger's `finished_at`, which is the start of the commit transaction (`now()`), so a ")
        .append("little earlier. Percentiles pool all files of all runs; the spread is of the per-run values.\n\n")
        .append("| poll interval | runs × files | p50 as seen | p95 as seen | p50 ledger | p95 ledger | max as seen | target p95 |\n")
        .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (int poll : new int[] {1, 5}) {
      List<IngestLatency.Run> runs = runsAt(poll);
      if (runs.isEmpty()) {
        md.append("| ").append(poll).append(" s | not measured | | | | | | |\n");
        continue;
      }
      List<Double> seen = pooled(runs, true);
      List<Double> ledger = pooled(runs, false);
      md.append(String.format("| %d s | %d × %d | %.2f s%s | %.2f s%s | %.2f s | %.2f s | %.2f s | ≤ %.1f s |%n", poll,
          runs.size(), latency.files(), Stats.percentile(seen, 50), spread(perRun(runs, 50)),
          Stats.percentile(seen, 95), spread(perRun(runs, 95)), Stats.percentile(ledger, 50),
          Stats.percentile(ledger, 95), Stats.percentile(seen, 100), latencyTarget(poll)));
    }
    md.append("\nThis section watches a local directory. Latency from S3 (S3Proxy), by polling and by S3"
        + " event notifications, is the next section's.\n\n");
  }

  private static String spread(Stats s) {
    return s.n() > 1 ? String.format(" (%.2f–%.2f)", s.min(), s.max()) : "";
  }

  private void memorySection(StringBuilder md) {
    md.append("## 3. Memory\n\n")
        .append("Peak resident set (`VmHWM` from `/proc/PID/status`, the kernel's high-water mark, read once a second) of the pipeline ")
        .append("JVM, started with `").append(PipelineRunner.PIPELINE_JAVA_OPTIONS.stream().collect(Collectors.joining(" ")))
        .append("` (manage.sh's default); PostgreSQL as the peak PSS summed over the postmaster and its ")
        .append("backends (default settings: `shared_buffers` 128 MB), sampled once a second (more often, the ")
        .append("sampler's own reads of `/proc` took about 8 % of a core, which the two-core fieldflow runs paid ")
        .append("and the one-session baselines did not). Median (min–max) over runs, MB.\n\n")
        .append("| run | pipeline JVM peak RSS | PostgreSQL peak PSS | Flink JobManager | Flink TaskManager |\n")
        .append("|---|---:|---:|---:|---:|\n");
    for (String method : methods()) {
      if (!rate(method).present()) {
        continue;
      }
      md.append("| throughput: ").append(method).append(" | ")
          .append(method.startsWith("fieldflow") ? peakOf(method, "pipeline JVM").format("%.0f") : "–").append(" | ")
          .append(peakOf(method, "postgres").format("%.0f")).append(" | ")
          .append(peakOf(method, "Flink JobManager").format("%.0f")).append(" | ")
          .append(peakOf(method, "Flink TaskManager").format("%.0f")).append(" |\n");
    }
    for (int poll : new int[] {1, 5}) {
      List<Map<String, Long>> peaks = runsAt(poll).stream().map(IngestLatency.Run::peakBytes).toList();
      if (peaks.isEmpty()) {
        continue;
      }
      md.append("| latency, continuous, poll ").append(poll).append(" s | ").append(peak(peaks, "pipeline JVM").format("%.0f"))
          .append(" | ").append(peak(peaks, "postgres").format("%.0f")).append(" | – | – |\n");
    }
    md.append('\n');
  }

  private void fileTrackingSection(StringBuilder md) {
    md.append("## 4. File tracking at scale\n\n");
    if (fileTracking.isPresent()) {
      md.append("The continuous pipeline's discovery (Beam's `Watch` behind `FileIO.matchAll().continuously()`) ")
          .append("tracking ").append(plan.trackedFiles().replace(",", " and ")).append(" empty local files, as ")
          .append("measured in this run by the visit pipeline's own harness, `WatchStateBenchmark` (heap used ")
          .append("after GC minus the same watch over an empty directory; no database):\n\n")
          .append(fileTracking.get()).append("\n\n");
    }
    if (fileTrackingDocumented.isPresent()) {
      md.append("As recorded in [INGESTING-VISITS.md](INGESTING-VISITS.md#heap-per-tracked-file):\n\n")
          .append(fileTrackingDocumented.get().lines().map(l -> l.startsWith("#") ? "#" + l : l)
              .collect(Collectors.joining("\n"))).append("\n\n");
    }
    if (fileTracking.isEmpty() && fileTrackingDocumented.isEmpty()) {
      md.append("Not measured in this run (see below), and not yet recorded in ")
          .append("[INGESTING-VISITS.md](INGESTING-VISITS.md#heap-per-tracked-file).\n\n");
    }
  }

  private void analystSection(StringBuilder md) {
    md.append("## 5. Analysts' questions\n\n");
    if (analyst.isEmpty()) {
      md.append("Not measured in this run (see below).\n\n");
      return;
    }
    // Reused as it is: AnalystQuestionsBenchmark's own report, its headings one level down.
    String text = analyst.get();
    int plans = text.indexOf("\n## Plans");
    String body = plans < 0 ? text : text.substring(0, plans);
    md.append(body.lines().filter(l -> !l.startsWith("# "))
        .map(l -> l.startsWith("## ") ? "#" + l : l).collect(Collectors.joining("\n")).strip())
        .append("\n\nQuery plans: in `bench/target/run/analyst-questions.md` after a run.\n\n");
  }

  /**
   * Where the section headed {@code heading} lies in {@code report}: from its heading to the next
   * {@code ## } heading (or the end), as {start, end}; null when the report has no such section.
   */
  private static int[] sectionBounds(String report, String heading) {
    int start = report.startsWith(heading + "\n") ? 0 : report.indexOf("\n" + heading + "\n");
    if (start < 0) {
      return null;
    }
    start = start == 0 ? 0 : start + 1;
    int end = report.indexOf("\n## ", start + heading.length());
    return new int[] {start, end < 0 ? report.length() : end + 1};
  }

  /** The section of {@code report} headed {@code heading} (to the next {@code ## }), or "". */
  static String section(String report, String heading) {
    int[] bounds = sectionBounds(report, heading);
    return bounds == null ? "" : report.substring(bounds[0], bounds[1]);
  }

  /** The first paragraph after a section's heading. */
  static String firstParagraph(String section) {
    String body = section.substring(section.indexOf('\n') + 1).strip();
    int end = body.indexOf("\n\n");
    return end < 0 ? body : body.substring(0, end);
  }

  /**
   * {@code report} with {@code section} in place of its namesake, {@code note} first; with {@code
   * keepHeap} (a notifications run that measured no heap points, {@code --notification-files=none})
   * the heap table of the section it replaces is kept, and the note says which run measured it.
   */
  static String updateSection(String report, String section, String note, boolean keepHeap) {
    String text = section;
    if (keepHeap) {
      String previous = section(report, section.substring(0, section.indexOf('\n')));
      java.util.Optional<String> heap = NotificationBench.heapPart(previous);
      if (heap.isPresent()) {
        text = section.stripTrailing() + "\n" + heap.get();
        note += " " + KEPT_HEAP + heapProvenance(previous);
      }
    }
    return replaceSection(report, text, note);
  }

  /** How a section that kept the heap table of an earlier run starts to say which run that was. */
  static final String KEPT_HEAP = "The heap table below is kept from the run that measured it, which was ";

  private static final java.util.regex.Pattern KEPT_FROM =
      java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(KEPT_HEAP) + "([^\n]*)");

  /**
   * The run that measured the heap table of a rendered notifications section: named where the
   * section kept the table from an earlier run, else the section's own first paragraph.
   */
  static String heapProvenance(String section) {
    java.util.regex.Matcher kept = KEPT_FROM.matcher(section);
    if (kept.find()) {
      return kept.group(1);
    }
    return firstParagraph(section).replaceFirst("^This section was measured by ", "")
        .replaceFirst("; the other sections come from the full run above\\.$", ".");
  }

  /**
   * A full report whose notifications section measured no heap points ({@code
   * --notification-files=none}) with the heap table of {@code previousReport}'s section (the
   * committed report it replaces) kept below its own tables, and a line that says which run
   * measured it; {@code report} unchanged when either section is missing or already has one.
   */
  static String keepHeapTable(String report, String previousReport) {
    String heading = NotificationBench.HEADING;
    int[] bounds = sectionBounds(report, heading);
    String previous = section(previousReport, heading);
    java.util.Optional<String> heap = NotificationBench.heapPart(previous);
    if (bounds == null || heap.isEmpty()) {
      return report;
    }
    String current = report.substring(bounds[0], bounds[1]);
    if (NotificationBench.heapPart(current).isPresent() || current.startsWith(heading + "\n\nNot measured")) {
      return report;
    }
    String kept = current.stripTrailing() + "\n\n" + KEPT_HEAP + heapProvenance(previous) + "\n" + heap.get();
    return report.substring(0, bounds[0]) + kept + report.substring(bounds[1]);
  }

  /**
   * {@code report} with its section headed like {@code section}'s first line (up to the next
   * {@code ## } heading) replaced by {@code section}, {@code note} as the section's first
   * paragraph.
   *
   * @throws IllegalStateException if the report has no such section
   */
  static String replaceSection(String report, String section, String note) {
    String heading = section.substring(0, section.indexOf('\n'));
    int[] bounds = sectionBounds(report, heading);
    if (bounds == null) {
      throw new IllegalStateException("the report has no section '" + heading + "' to replace");
    }
    String body = section.substring(heading.length()).replaceFirst("^\n*", "");
    String replaced = heading + "\n\n" + note + "\n\n" + body;
    if (!replaced.endsWith("\n\n")) {
      replaced = replaced.endsWith("\n") ? replaced + "\n" : replaced + "\n\n";
    }
    return report.substring(0, bounds[0]) + replaced + report.substring(bounds[1]);
  }
}
