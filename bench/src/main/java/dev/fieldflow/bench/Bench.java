package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code ./manage.sh bench [--quick] [--trials=N]}: runs every measurement of issues 6 and 10 on
 * generated data in the raw formats, each at least three times with baselines and fieldflow
 * interleaved ({@code --trials}: N throughput trials), and writes {@code BENCHMARKS.md} and
 * {@code benchmarks.png}.
 *
 * <pre>
 * java -cp bench/target/fieldflow-bench-*.jar:pipelines/target/fieldflow-bundled.jar \
 *     dev.fieldflow.bench.Bench [--quick] [--trials=N] [--out=DIR] [--root=DIR]
 *     dev.fieldflow.bench.Bench --throughput-only [--visits=N] [--trials=N]
 *         [--runners=direct,flink-local-p1,flink-local,flink-cluster]
 * </pre>
 *
 * Full runs write to {@code docs/}, quick runs to {@code bench/target/report/} (so a quick
 * check never replaces the committed report). Work files and the throwaway database live under
 * {@code bench/target/run/} and are deleted first.
 */
public final class Bench {
  private Bench() {}

  /** What one run measures: the full set, or the reduced one of {@code --quick}. */
  record Plan(boolean quick, int throughputVisits, int linesPerFile, int trials, int latencyRuns,
      int latencyFiles, int latencyLines, Duration latencySpacing, int analystVisits, int analystRuns,
      String trackedFiles) {
    static Plan of(boolean quick) {
      // Latency files are small (100 lines) and arrive far below the pipeline's throughput, so
      // the figure is the pipeline's reaction time, not a queue.
      return quick
          ? new Plan(true, 50_000, 10_000, 3, 1, 30, 100, Duration.ofMillis(500), 50_000, 3, "1000,10000")
          : new Plan(false, 1_000_000, 10_000, 3, 3, 30, 100, Duration.ofMillis(1000), 1_000_000, 9, "10000,100000");
    }

    /** This plan with {@code trials} throughput trials. */
    Plan withTrials(int trials) {
      return new Plan(quick, throughputVisits, linesPerFile, trials, latencyRuns, latencyFiles, latencyLines,
          latencySpacing, analystVisits, analystRuns, trackedFiles);
    }
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    boolean throughputOnly = false;
    boolean notificationsOnly = false;
    boolean updateReport = false;
    String notificationFiles = null;
    Integer visits = null;
    Integer trials = null;
    String runners = null;
    Path root = Path.of("").toAbsolutePath();
    Path out = null;
    for (String arg : args) {
      if (arg.equals("--quick")) {
        quick = true;
      } else if (arg.startsWith("--out=")) {
        out = Path.of(arg.substring(6)).toAbsolutePath();
      } else if (arg.equals("--notifications-only")) {
        notificationsOnly = true;
      } else if (arg.equals("--update-report")) {
        updateReport = true;
      } else if (arg.startsWith("--notification-files=")) {
        notificationFiles = arg.substring("--notification-files=".length());
        if (!notificationFiles.matches("none|\\d+(,\\d+)*")) {
          System.err.println("bench: --notification-files must be ascending file counts such as 1000,10000,100000,"
              + " or none, but was '" + notificationFiles + "'");
          System.exit(2);
        }
      } else if (arg.equals("--throughput-only")) {
        throughputOnly = true;
      } else if (arg.startsWith("--visits=")) {
        visits = Integer.parseInt(arg.substring(9));
      } else if (arg.startsWith("--trials=")) {
        if (!arg.substring(9).matches("\\d{1,6}")) {
          System.err.println("bench: --trials must be a whole number, but was '" + arg.substring(9) + "'");
          System.exit(2);
        }
        trials = Integer.parseInt(arg.substring(9));
      } else if (arg.startsWith("--runners=")) {
        runners = arg.substring(10);
        for (String name : runners.split(",")) {
          if (!PipelineRunner.NAMES.contains(name)) {
            System.err.println("bench: unknown runner '" + name + "' in --runners; use a comma-separated list of "
                + String.join(", ", PipelineRunner.NAMES));
            System.exit(2);
          }
        }
      } else if (arg.startsWith("--root=")) {
        root = Path.of(arg.substring(7)).toAbsolutePath();
      } else {
        System.err.println("bench: unknown option '" + arg + "'; use [--quick] [--trials=N] [--out=DIR] [--root=DIR]"
            + " [--throughput-only [--visits=N] [--trials=N] [--runners=" + String.join(",", PipelineRunner.NAMES)
            + "]] [--notifications-only [--update-report]] [--notification-files=1000,10000]");
        System.exit(2);
      }
    }
    if (out == null) {
      out = quick || notificationsOnly ? root.resolve("bench/target/report") : root.resolve("docs");
    }
    try {
      Plan plan = Plan.of(quick);
      int leastTrials = throughputOnly ? 1 : 3;
      if (trials != null && trials < leastTrials) {
        System.err.println("bench: --trials must be >= " + leastTrials
            + (throughputOnly ? "" : " for a report (a median and its spread)") + ", but was " + trials);
        System.exit(2);
      }
      if (trials != null && !throughputOnly) {
        // More throughput trials for a report of record on a noisy machine: the medians move less.
        plan = plan.withTrials(trials);
      }
      if (throughputOnly) {
        // A working measurement while changing the ingest path: throughput only, no report.
        plan = new Plan(plan.quick(), visits == null ? plan.throughputVisits() : visits,
            plan.linesPerFile(), trials == null ? plan.trials() : trials, 0, 0, 0, plan.latencySpacing(),
            0, 0, plan.trackedFiles());
      }
      Run run = new Run(plan, root, out, throughputOnly, runners);
      run.notificationHeapSteps = "none".equals(notificationFiles) ? List.of()
          : notificationFiles != null
          ? java.util.Arrays.stream(notificationFiles.split(",")).map(Integer::valueOf).toList()
          : quick ? List.of(1_000) : List.of(1_000, 10_000);
      if (updateReport && !notificationsOnly) {
        System.err.println("bench: --update-report goes with --notifications-only (a full run rewrites the whole report)");
        System.exit(2);
      }
      if (notificationsOnly) {
        run.notificationsOnly(updateReport ? root.resolve("docs/BENCHMARKS.md") : null,
            String.join(" ", args));
      } else {
        run.execute();
      }
    } catch (Exception e) {
      System.err.println("bench: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static final long STARTED = System.nanoTime();

  static void say(String message) {
    long seconds = (System.nanoTime() - STARTED) / 1_000_000_000L;
    System.out.printf("bench [%d:%02d]: %s%n", seconds / 60, seconds % 60, message);
    System.out.flush();
  }

  /** One benchmark run, from the empty work directory to the written report. */
  static final class Run {
    private final Plan plan;
    private final Path root;
    private final Path out;
    private final Path work;
    private final Report report;
    private final boolean throughputOnly;
    private final String runnerNames;

    Run(Plan plan, Path root, Path out, boolean throughputOnly, String runnerNames) {
      this.throughputOnly = throughputOnly;
      this.runnerNames = runnerNames;
      this.plan = plan;
      this.root = root;
      this.out = out;
      this.work = root.resolve("bench/target/run");
      this.report = new Report(plan, root);
    }

    void execute() throws Exception {
      stopWhatRunsUnderWork();
      deleteRecursively(work);
      Files.createDirectories(work);
      report.machine = Machine.here();
      report.started = Instant.now();
      report.loadBefore = Machine.currentLoadAverage();
      say((plan.quick() ? "quick" : "full") + " run; work files under " + root.relativize(work));

      try (BenchDatabase db = BenchDatabase.startAt(work.resolve("db"))) {
        Thread cleanup = new Thread(db::close, "bench-database-stop");
        Runtime.getRuntime().addShutdownHook(cleanup);
        report.postgres = db.serverVersion();
        say("PostgreSQL " + report.postgres + " on 127.0.0.1:" + db.port() + " (throwaway, under "
            + root.relativize(db.home()) + ")");
        throughput(db);
        if (throughputOnly) {
          Runtime.getRuntime().removeShutdownHook(cleanup);
          return;
        }
        latency(db);
        notifications(db);
        Runtime.getRuntime().removeShutdownHook(cleanup);
      }
      reusedBenchmarks();
      report.fileTrackingDocumented = FileTracking.fromDocs(root);
      report.finished = Instant.now();
      report.loadAfter = Machine.currentLoadAverage();
      Path replaced = out.resolve("BENCHMARKS.md");
      report.keepHeapFrom = Files.isRegularFile(replaced) ? Files.readString(replaced, StandardCharsets.UTF_8) : null;
      report.write(out);
      say("wrote " + out.resolve("BENCHMARKS.md") + " and " + out.resolve(Report.CHART));
    }

    private void throughput(BenchDatabase db) throws Exception {
      IngestThroughput bench = new IngestThroughput(db, work, plan.throughputVisits(), plan.linesPerFile());
      say("generating " + String.format("%,d", plan.throughputVisits()) + " visits in files of "
          + String.format("%,d", plan.linesPerFile()) + " lines, and their transformed CSV");
      bench.prepare();
      report.throughput = bench;

      // The jars as they are now: a rebuild by someone else during the run must not change what is measured.
      Path jars = work.resolve("jars");
      Files.createDirectories(jars);
      for (String jar : List.of("fieldflow-bundled.jar", "fieldflow-flink-bundled.jar")) {
        Path built = root.resolve("pipelines/target").resolve(jar);
        if (Files.isRegularFile(built)) {
          Files.copy(built, jars.resolve(jar));
        }
      }
      try (var thin = Files.newDirectoryStream(root.resolve("pipelines/target"), "fieldflow-pipelines-*.jar")) {
        for (Path built : thin) {
          String name = built.getFileName().toString();
          if (!name.endsWith("-tests.jar") && !name.endsWith("-sources.jar")) {
            Files.copy(built, jars.resolve(THIN_JAR));
            break;
          }
        }
      }
      this.jars = jars;
      List<String> wanted = runnerNames != null ? List.of(runnerNames.split(","))
          : plan.quick() ? PipelineRunner.NAMES.stream().filter(n -> !n.equals("flink-cluster")).toList()
          : PipelineRunner.NAMES;
      if (runnerNames == null && plan.quick()) {
        report.notMeasured.put(PipelineRunner.FLINK_CLUSTER, "not part of --quick (a cluster start"
            + " and job submission per run); the full run measures it");
      }
      // In NAMES' order, whatever the order of --runners.
      List<PipelineRunner> runners = new ArrayList<>(PipelineRunner.NAMES.stream().filter(wanted::contains)
          .map(n -> PipelineRunner.named(n, root, jars)).toList());
      List<PipelineRunner> usable = new ArrayList<>();
      for (PipelineRunner runner : runners) {
        report.runners.add(runner);
        if (runner.unavailable().isPresent()) {
          report.notMeasured.put(runner.label(), runner.unavailable().get());
          say("not measuring " + runner.label() + ": " + runner.unavailable().get());
        } else {
          usable.add(runner);
        }
      }
      trainClassArchives(usable);
      boolean cluster = usable.stream().anyMatch(r -> r.name().equals("flink-cluster"));
      if (cluster && !startCluster()) {
        usable.removeIf(r -> r.name().equals("flink-cluster"));
        cluster = false;
      }
      if (cluster) {
        // Our own cluster on free ports: the profile's 127.0.0.1:8081 may be another one's.
        for (int i = 0; i < usable.size(); i++) {
          if (usable.get(i).name().equals("flink-cluster")) {
            usable.set(i, onOurCluster(usable.get(i)));
          }
        }
      }
      try {
        List<String> methods = new ArrayList<>(IngestThroughput.BASELINES);
        usable.forEach(r -> methods.add(r.label()));
        for (int trial = 1; trial <= plan.trials(); trial++) {
          // Rotate the order so no method always runs first (cold) or last (after the others' garbage).
          List<String> order = new ArrayList<>();
          for (int k = 0; k < methods.size(); k++) {
            order.add(methods.get((k + trial - 1) % methods.size()));
          }
          for (String method : order) {
            IngestThroughput.Trial result = switch (method) {
              case IngestThroughput.COPY -> bench.copy(trial, method, "bench.visits_copy");
              case IngestThroughput.COPY_INDEXED -> bench.copy(trial, method, "bench.visits_copy_indexed");
              case IngestThroughput.COPY_NO_GIN -> bench.copy(trial, method, "bench.visits_copy_no_gin");
              case IngestThroughput.COPY_NO_PARTIAL -> bench.copy(trial, method, "bench.visits_copy_no_partial");
              case IngestThroughput.JDBC -> bench.jdbc(trial);
              default -> {
                PipelineRunner runner = usable.stream().filter(r -> r.label().equals(method)).findFirst().orElseThrow();
                yield runFieldflow(bench, trial, runner);
              }
            };
            if (result == null) {
              // A runner that failed once is not retried: its reason is in the report.
              methods.remove(method);
            } else {
              report.trials.add(result);
              say(String.format("throughput trial %d/%d %-50s %,10.0f rows/s (%.1f s)%s", trial, plan.trials(),
                  method, result.rowsPerSecond(), result.seconds(), result.profile().present()
                      ? "; " + result.profile().describe() : ""));
            }
          }
        }
      } finally {
        if (cluster) {
          manage("cluster", "stop");
        }
      }
    }

    private Path jars;
    /** The pipelines' own classes (no dependencies), as copied into {@link #jars}. */
    private static final String THIN_JAR = "fieldflow-pipelines.jar";
    private int flinkRestPort;
    private int flinkRpcPort;

    private Path flinkHome() {
      return work.resolve("flink-home");
    }

    private IngestThroughput.Trial runFieldflow(IngestThroughput bench, int trial, PipelineRunner runner) {
      Map<String, Supplier<OptionalLong>> extra = new LinkedHashMap<>();
      Map<String, DoubleSupplier> extraCpu = new LinkedHashMap<>();
      boolean cluster = runner.name().equals("flink-cluster");
      if (cluster) {
        String conf = flinkHome().resolve("flink/conf").toString();
        extra.put("Flink JobManager", () -> peakOf("StandaloneSessionClusterEntrypoint", conf));
        extra.put("Flink TaskManager", () -> peakOf("TaskManagerRunner", conf));
        // Where the cluster runner's files load: the client JVM only submits and waits.
        extraCpu.put(IngestThroughput.CLUSTER_CPU, () -> ProcessCpu.seconds(ProcessMemory.pidsWithCommandLine(
            "StandaloneSessionClusterEntrypoint", conf)) + ProcessCpu.seconds(
                ProcessMemory.pidsWithCommandLine("TaskManagerRunner", conf)));
      }
      try {
        // On the cluster the files load in the TaskManagers: their logs, not the client's, hold the profiles.
        Map<Path, Long> before = cluster ? taskManagerLogSizes() : Map.of();
        IngestThroughput.Trial result = bench.fieldflow(trial, runner, extra, extraCpu);
        if (cluster) {
          Path tmLog = work.resolve("logs/throughput-" + runner.name() + "-" + trial + "-taskmanagers.log");
          appendedSince(before, tmLog);
          result = result.withProfile(FileProfiles.ofLogs(List.of(tmLog)));
        }
        return result;
      } catch (Exception e) {
        report.notMeasured.put(runner.label() + " (trial " + trial + ")", e.getMessage());
        say(runner.label() + " trial " + trial + " failed: " + e.getMessage());
        return null;
      }
    }

    private Map<Path, Long> taskManagerLogSizes() throws IOException {
      Map<Path, Long> sizes = new LinkedHashMap<>();
      Path logs = flinkHome().resolve("flink/log");
      if (Files.isDirectory(logs)) {
        try (Stream<Path> files = Files.list(logs)) {
          for (Path log : (Iterable<Path>) files.filter(p -> p.getFileName().toString().matches("taskmanager-\\d+\\.log"))
              .sorted()::iterator) {
            sizes.put(log, Files.size(log));
          }
        }
      }
      return sizes;
    }

    /** Copies what the TaskManagers logged since {@code before} into {@code copy}. */
    private void appendedSince(Map<Path, Long> before, Path copy) throws IOException {
      Files.createDirectories(copy.getParent());
      try (java.io.OutputStream out = Files.newOutputStream(copy)) {
        for (Path log : taskManagerLogSizes().keySet()) {
          try (java.io.InputStream in = Files.newInputStream(log)) {
            in.skipNBytes(Math.min(before.getOrDefault(log, 0L), Files.size(log)));
            in.transferTo(out);
          }
        }
      }
    }

    private static OptionalLong peakOf(String... markers) {
      return ProcessMemory.pidsWithCommandLine(markers).stream()
          .map(ProcessMemory::peakRss).filter(OptionalLong::isPresent)
          .mapToLong(OptionalLong::getAsLong).max().stream().mapToObj(OptionalLong::of).findFirst()
          .orElse(OptionalLong.empty());
    }

    /**
     * The cluster runner submitting to our cluster, as manage.sh submits (its job_jar_staging):
     * a cluster started with this very job jar has it on every JVM's classpath and loads it
     * first, so only the pipelines' thin jar is staged instead of uploading the whole jar again.
     */
    private PipelineRunner onOurCluster(PipelineRunner runner) throws IOException, InterruptedException {
      String master = "127.0.0.1:" + flinkRestPort;
      PipelineRunner onOurs = runner.withBeamOption("--flinkMaster=" + master);
      Path thin = jars.resolve(THIN_JAR);
      if (Files.isRegularFile(thin)
          && manage("cluster", "holds", master, jars.resolve("fieldflow-flink-bundled.jar").toString())) {
        return onOurs.withBeamOption("--filesToStage=" + thin);
      }
      return onOurs;
    }

    private boolean startCluster() throws IOException, InterruptedException {
      if (!Files.readString(root.resolve("manage.sh")).contains("mode_cluster")) {
        report.notMeasured.put(PipelineRunner.FLINK_CLUSTER, "manage.sh has no cluster mode yet");
        return false;
      }
      flinkRestPort = freePort();
      flinkRpcPort = freePort();
      // Two TaskManagers (2 slots each): the job's parallelism 2 may run on both.
      if (!manage("cluster", "start", "--taskmanagers=" + CLUSTER_TASKMANAGERS)) {
        report.notMeasured.put(PipelineRunner.FLINK_CLUSTER, "./manage.sh cluster start --taskmanagers="
            + CLUSTER_TASKMANAGERS + " failed; see bench/target/run/logs/manage-cluster-start.log");
        return false;
      }
      return true;
    }

    /**
     * Before the work directory is deleted: a killed run, or an operator who started the run's
     * database by hand to look at it ({@code FIELDFLOW_HOME=bench/target/run/db ./manage.sh db
     * start}), may have left processes on it: the database and its analyst watchdog, the bench's
     * Flink cluster. {@code manage.sh stop} ends what runs under each of those homes.
     */
    private void stopWhatRunsUnderWork() throws IOException, InterruptedException {
      for (Path home : List.of(work.resolve("db"), flinkHome())) {
        if (!Files.isDirectory(home)) {
          continue;
        }
        // Logged beside the work directory, which is deleted next.
        Path log = work.resolveSibling("manage-stop-" + home.getFileName() + ".log");
        if (!manageIn(home, log, "stop")) {
          throw new IllegalStateException("./manage.sh stop with FIELDFLOW_HOME=" + home
              + " failed; see " + log + ", stop what runs there, then run the bench again");
        }
      }
    }

    /**
     * Writes the class-data sharing archive of each jar the runners run, as manage.sh does beside
     * the built jars (an archive holds the jar's path and time, so the copies need their own):
     * trained on the DirectRunner or on Flink embedded, never on the cluster. A failed training
     * leaves the jar without an archive, and its runs read their classes from the jar.
     */
    private void trainClassArchives(List<PipelineRunner> usable) throws IOException, InterruptedException {
      Map<Path, PipelineRunner> trainers = new LinkedHashMap<>();
      for (PipelineRunner runner : usable) {
        trainers.putIfAbsent(runner.jar(), runner.name().equals("flink-cluster")
            ? PipelineRunner.flinkEmbedded(root, jars) : runner);
      }
      for (PipelineRunner trainer : trainers.values()) {
        Path log = work.resolve("logs/startup-training-" + trainer.name() + ".log");
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(trainer.trainingCommand()).directory(root.toFile())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean trained = process.waitFor(5, TimeUnit.MINUTES) && process.exitValue() == 0;
        if (!trained) {
          process.destroyForcibly();
          Files.deleteIfExists(trainer.classArchive());
        }
        say((trained ? "class-data sharing archive for " : "no class-data sharing archive for ")
            + trainer.jar().getFileName() + (trained ? "" : " (see " + root.relativize(log) + ")"));
      }
    }

    private boolean manage(String... arguments) throws IOException, InterruptedException {
      // Named by the action (manage-cluster-start.log), not its options.
      Path log = work.resolve("logs/manage-" + String.join("-", List.of(arguments).subList(0, Math.min(2,
          arguments.length))) + ".log");
      // The cluster's state (conf, logs, pids, checkpoints) under the run, never the user's .fieldflow.
      return manageIn(flinkHome(), log, arguments);
    }

    private boolean manageIn(Path home, Path log, String... arguments) throws IOException, InterruptedException {
      Files.createDirectories(log.getParent());
      List<String> command = new ArrayList<>(List.of(root.resolve("manage.sh").toString()));
      command.addAll(List.of(arguments));
      ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().put("FIELDFLOW_HOME", home.toString());
      builder.environment().put("FIELDFLOW_FLINK_PORT", Integer.toString(flinkRestPort));
      builder.environment().put("FIELDFLOW_FLINK_RPC_PORT", Integer.toString(flinkRpcPort));
      Process process = builder.start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroy();
        return false;
      }
      return process.exitValue() == 0;
    }

    List<Integer> notificationHeapSteps = List.of(1_000, 10_000);

    /**
     * {@code --notifications-only}: the polling vs notifications section alone, written to
     * {@code NOTIFICATIONS.md} in the output directory (a quick loop while working on it), and,
     * with {@code --update-report}, into {@code reportFile} in place of its section of that name:
     * the 100,000-file heap point alone takes an hour, more than a full run can carry.
     */
    void notificationsOnly(Path reportFile, String command) throws Exception {
      stopWhatRunsUnderWork();
      deleteRecursively(work);
      Files.createDirectories(work);
      copyJars();
      try (BenchDatabase db = BenchDatabase.startAt(work.resolve("db"))) {
        notifications(db);
      }
      StringBuilder md = new StringBuilder("# Polling vs S3 event notifications\n\nWritten by `Bench --notifications-only`"
          + " on " + Instant.now() + ".\n\n");
      report.notifications.section(md);
      Files.createDirectories(out);
      Files.writeString(out.resolve("NOTIFICATIONS.md"), md.toString(), StandardCharsets.UTF_8);
      say("wrote " + out.resolve("NOTIFICATIONS.md"));
      if (reportFile != null) {
        StringBuilder section = new StringBuilder();
        report.notifications.section(section);
        String old = Files.readString(reportFile, StandardCharsets.UTF_8);
        String note = "This section was measured by a run of its own, `Bench " + command + "` ("
            + "`./manage.sh bench` with the same options), finished " + Instant.now() + " on the same kind"
            + " of machine (" + Machine.here().cores() + " cores, load average " + Machine.currentLoadAverage()
            + " at the end); the other sections come from the full run above.";
        Files.writeString(reportFile, Report.updateSection(old, section.toString(), note,
            !report.notifications.measuredHeap()), StandardCharsets.UTF_8);
        say("replaced the notifications section of " + reportFile);
      }
    }

    private void copyJars() throws IOException {
      Path copied = work.resolve("jars");
      Files.createDirectories(copied);
      for (String jar : List.of("fieldflow-bundled.jar", "fieldflow-flink-bundled.jar")) {
        Path built = root.resolve("pipelines/target").resolve(jar);
        if (Files.isRegularFile(built) && !Files.exists(copied.resolve(jar))) {
          Files.copy(built, copied.resolve(jar));
        }
      }
      this.jars = copied;
    }

    private void notifications(BenchDatabase db) {
      NotificationBench bench = plan.quick()
          ? new NotificationBench(db, root, work, 20, Duration.ofMillis(500), notificationHeapSteps)
          : new NotificationBench(db, root, work, 30, Duration.ofMillis(1000), notificationHeapSteps);
      report.notifications = bench;
      bench.run(PipelineRunner.direct(root, jars), PipelineRunner.flinkEmbedded(root, jars));
      if (bench.notMeasured != null) {
        report.notMeasured.put("polling vs notifications", bench.notMeasured);
      }
    }

    private void latency(BenchDatabase db) throws Exception {
      IngestLatency bench = new IngestLatency(db, work, plan.latencyFiles(), plan.latencyLines(), plan.latencySpacing());
      report.latency = bench;
      PipelineRunner runner = PipelineRunner.direct(root, jars);
      for (int run = 1; run <= plan.latencyRuns(); run++) {
        for (int poll : new int[] {1, 5}) {
          say("latency run " + run + "/" + plan.latencyRuns() + ", poll " + poll + " s: " + plan.latencyFiles()
              + " files of " + plan.latencyLines() + " lines, one every " + plan.latencySpacing().toMillis() + " ms");
          IngestLatency.Run result = bench.measure(runner, poll, run);
          report.latencyRuns.add(result);
          say(String.format("latency poll %d s run %d: p50 %.2f s, p95 %.2f s (committed, as seen)", poll, run,
              Stats.percentile(result.observedSeconds(), 50), Stats.percentile(result.observedSeconds(), 95)));
        }
      }
    }

    private void reusedBenchmarks() throws IOException, InterruptedException {
      say("analysts' questions on " + String.format("%,d", plan.analystVisits()) + " visits and file tracking of "
          + plan.trackedFiles() + " files (AnalystQuestionsBenchmark, WatchStateBenchmark, through Maven)");
      Path log = work.resolve("logs/reused-benchmarks.log");
      ReusedBenchmarks.Results results = ReusedBenchmarks.run(root, plan.analystVisits(), plan.analystRuns(),
          plan.trackedFiles(), work.resolve("analyst-questions.md"), log);
      if (results.analyst().isEmpty()) {
        report.notMeasured.put("analysts' questions", "AnalystQuestionsBenchmark did not run or failed; see "
            + root.relativize(log));
      }
      if (results.fileTracking().isEmpty()) {
        report.notMeasured.put("file tracking at scale", "WatchStateBenchmark did not run or failed; see "
            + root.relativize(log));
      }
      report.analyst = results.analyst();
      report.fileTracking = results.fileTracking();
      report.reusedCommand = results.command();
    }
  }

  /** TaskManagers of the bench's local cluster. */
  static final int CLUSTER_TASKMANAGERS = 2;

  static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
