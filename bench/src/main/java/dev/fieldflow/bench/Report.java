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
import java.util.stream.Collectors;

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
    List<String> methods = new ArrayList<>(List.of(IngestThroughput.COPY, IngestThroughput.COPY_INDEXED,
        IngestThroughput.JDBC));
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

  /** The ratio to COPY of the same trial (paired, so it survives drift between trials). */
  private Stats ratioToCopy(String method) {
    List<Double> ratios = new ArrayList<>();
    for (IngestThroughput.Trial t : trials) {
      if (!t.method().equals(method)) {
        continue;
      }
      trials.stream().filter(c -> c.trial() == t.trial() && c.method().equals(IngestThroughput.COPY)).findFirst()
          .ifPresent(c -> ratios.add(t.rowsPerSecond() / c.rowsPerSecond()));
    }
    return Stats.of(ratios);
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
          Stats.percentile(seen, 95), poll + 2));
    }
    Chart.write(out.resolve(CHART), String.format("fieldflow benchmarks, %s (%s run, %d cores)",
        DateTimeFormatter.ISO_LOCAL_DATE.format(started.atZone(ZoneOffset.UTC)), plan.quick() ? "quick" : "full",
        machine.cores()), bars, groups);
    Files.writeString(out.resolve("BENCHMARKS.md"), markdown(), StandardCharsets.UTF_8);
  }

  private String markdown() {
    StringBuilder md = new StringBuilder();
    String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(started.atZone(ZoneOffset.UTC));
    md.append("# Benchmarks\n\n")
        .append("Written by `./manage.sh bench").append(plan.quick() ? " --quick" : "").append("` (the harness in ")
        .append("[`bench/`](../bench/src/main/java/dev/fieldflow/bench/Bench.java)) on ").append(date).append(", in ")
        .append(Duration.between(started, finished).toMinutes()).append(" min. Every figure is the median of ")
        .append(plan.trials()).append(" or more runs with the spread (min–max) in brackets. Baselines and fieldflow ")
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
        .append("The machine was shared: other engineers' builds and tests ran during the measurements, so ")
        .append("absolute figures are noisy; compare the paired ratios.\n\n");

    targets(md);
    throughputSection(md);
    latencySection(md);
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
        .append("./manage.sh bench           # this report (up to an hour); writes docs/BENCHMARKS.md\n```\n\n")
        .append("What runs, exactly:\n\n- throughput: `java ")
        .append(PipelineRunner.PIPELINE_JAVA_OPTIONS.stream().collect(Collectors.joining(" ")))
        .append(" -jar pipelines/target/fieldflow-bundled.jar visit --visitsInput=DIR/ --once` plus the runner's ")
        .append("`runner-profiles/NAME.args` (as `manage.sh visit --runner=NAME`), with `FIELDFLOW_HOME` pointing at ")
        .append("the throwaway database; the tables are emptied and checkpointed before each run.\n")
        .append("- latency: the same jar without `--once`, `--pollIntervalSeconds=1|5`, on an empty directory.\n")
        .append("- analysts' questions and file tracking: `").append(reusedCommand).append("`\n");
    return md.toString();
  }

  private void targets(StringBuilder md) {
    md.append("## Against the targets\n\n| target | measured | factor (measured / target) |\n|---|---|---|\n");
    Map<String, Double> factors = new LinkedHashMap<>();
    for (PipelineRunner runner : runners) {
      if (!runner.name().startsWith("flink")) {
        continue;
      }
      Stats ratio = ratioToCopy(runner.label());
      String target = "throughput ≥ 0.5 × COPY, " + runner.label();
      if (ratio.present()) {
        double factor = 0.5 / ratio.median();
        factors.put(target, factor);
        md.append("| ").append(target).append(" | ").append(ratio.format("%.2f")).append(" × COPY | ")
            .append(String.format("%.1f", factor)).append(factor > 1 ? " (missed) |\n" : " (met) |\n");
      } else {
        md.append("| ").append(target).append(" | not measured yet | – |\n");
      }
    }
    Stats directRatio = ratioToCopy(PipelineRunner.DIRECT);
    if (directRatio.present()) {
      md.append("| (DirectRunner, for reference; the target is for Flink) | ")
          .append(directRatio.format("%.2f")).append(" × COPY | ")
          .append(String.format("%.1f", 0.5 / directRatio.median())).append(" |\n");
    }
    for (int poll : new int[] {1, 5}) {
      List<Double> seen = pooled(runsAt(poll), true);
      String target = "latency p95 ≤ poll + 2 s = " + (poll + 2) + " s, poll " + poll + " s";
      if (seen.isEmpty()) {
        md.append("| ").append(target).append(" | not measured | – |\n");
        continue;
      }
      double p95 = Stats.percentile(seen, 95);
      double factor = p95 / (poll + 2);
      factors.put(target, factor);
      md.append("| ").append(target).append(" | ").append(String.format("%.2f s", p95)).append(" | ")
          .append(String.format("%.2f", factor)).append(factor > 1 ? " (missed) |\n" : " (met) |\n");
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
          .append(" | ").append(String.format("%.2f", factor)).append(factor > 1 ? " (missed) |\n" : " (met) |\n");
    }
    md.append("| state per tracked file bounded | ").append(fileTracking.isPresent() || fileTrackingDocumented.isPresent()
        ? "bytes per tracked file: see [4. File tracking at scale](#4-file-tracking-at-scale) | – |\n"
        : "not measured yet | – |\n");
    factors.entrySet().stream().max(Map.Entry.comparingByValue()).ifPresent(worst -> md.append("\n**Furthest from ")
        .append("its target: ").append(worst.getKey()).append("** (factor ").append(String.format("%.2f", worst.getValue()))
        .append("). ").append(why(worst.getKey())).append("\n"));
    md.append('\n');
  }

  private static String why(String target) {
    if (target.startsWith("throughput")) {
      return "COPY streams finished rows into one table with its key. fieldflow does more per row: it reads and "
          + "parses the JSON, stages every row (an `INSERT … SELECT unnest(…)` into `visit_staging`), then merges "
          + "each file into `nodes`, `tasks` and `visits` (which carries two b-tree and one GIN index besides its "
          + "key: COPY into a table with all of them already reaches only ~0.3 × COPY (PK only)), counting each "
          + "line as new, update or duplicate; commits run one file at a time under an advisory lock, and on 2 "
          + "cores the pipeline JVM and PostgreSQL compete for the CPU. The split between these costs has not "
          + "been profiled yet; the \"busy\" column shows how much of the gap is start-up.";
    }
    if (target.startsWith("latency")) {
      return "A file waits on average half a poll interval to be listed, then for the claim, its batches "
          + "(`--batchMaxBufferingMillis`, 2 s by default) and its commit.";
    }
    return "The pipeline JVM's resident set is its heap (capped by -Xmx) plus metaspace, code cache, thread "
        + "stacks and direct buffers.";
  }

  private void throughputSection(StringBuilder md) {
    md.append("## 1. Ingest throughput\n\n")
        .append(String.format("%,d visits (seed 20191003, no quirks) in %d raw JSON-lines files of %,d lines, ",
            throughput.visits(), (throughput.visits() + throughput.linesPerFile() - 1) / throughput.linesPerFile(),
            throughput.linesPerFile()))
        .append(String.format("%,d distinct rows committed by every method (checked after each run). ",
            throughput.expectedRows()))
        .append("rows/s = committed rows / wall time. ")
        .append("fieldflow is timed end to end as a child process (`visit --once`: JVM start, pipeline ")
        .append("construction, listing, parsing, staging, merging, exit); \"busy\" divides by the ledger's first ")
        .append("`started_at` to last `finished_at` instead (without JVM start-up and shutdown). ")
        .append("COPY loads the same rows already transformed (parsed by fieldflow's `VisitParser` into a CSV ")
        .append("by the harness, not timed) with pgjdbc's `CopyManager` into a table of the same shape ")
        .append("(`LIKE fieldflow.visits`, with its checks and primary key), and into one with every index ")
        .append("of `fieldflow.visits`. The JDBC loader reads and parses the raw files itself and inserts ")
        .append("with a plain `INSERT` in batches of 1,000 (one commit each, no `reWriteBatchedInserts`), ")
        .append("as the origin's sink did. Baselines write `visits` only; fieldflow also writes `tasks`, ")
        .append("`nodes`, the staging table and the ledger.\n\n")
        .append("| method | rows/s, end to end | × COPY (PK only), paired | rows/s, busy | runs |\n")
        .append("|---|---:|---:|---:|---:|\n");
    for (String method : methods()) {
      Stats rate = rate(method);
      if (!rate.present()) {
        md.append("| ").append(method).append(" | not measured yet | | | 0 |\n");
        continue;
      }
      md.append("| ").append(method).append(" | ").append(rate.format("%,.0f")).append(" | ")
          .append(ratioToCopy(method).format("%.2f")).append(" | ")
          .append(method.startsWith("fieldflow") ? busyRate(method).format("%,.0f") : "same").append(" | ")
          .append(rate.n()).append(" |\n");
    }
    md.append('\n');
  }

  private void latencySection(StringBuilder md) {
    md.append("## 2. Latency: file dropped → rows committed\n\n")
        .append(String.format("The continuous pipeline (DirectRunner, `%s`) watches an empty local directory; the ",
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
      md.append(String.format("| %d s | %d × %d | %.2f s%s | %.2f s%s | %.2f s | %.2f s | %.2f s | ≤ %d s |%n", poll,
          runs.size(), latency.files(), Stats.percentile(seen, 50), spread(perRun(runs, 50)),
          Stats.percentile(seen, 95), spread(perRun(runs, 95)), Stats.percentile(ledger, 50),
          Stats.percentile(ledger, 95), Stats.percentile(seen, 100), poll + 2));
    }
    md.append("\nS3 (S3Proxy) latency: not measured yet (local directory only in this harness).\n\n");
  }

  private static String spread(Stats s) {
    return s.n() > 1 ? String.format(" (%.2f–%.2f)", s.min(), s.max()) : "";
  }

  private void memorySection(StringBuilder md) {
    md.append("## 3. Memory\n\n")
        .append("Peak resident set (`VmHWM` from `/proc/PID/status`, sampled every 100 ms) of the pipeline ")
        .append("JVM, started with `").append(PipelineRunner.PIPELINE_JAVA_OPTIONS.stream().collect(Collectors.joining(" ")))
        .append("` (manage.sh's default); PostgreSQL as the peak PSS summed over the postmaster and its ")
        .append("backends (default settings: `shared_buffers` 128 MB). Median (min–max) over runs, MB.\n\n")
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
}
