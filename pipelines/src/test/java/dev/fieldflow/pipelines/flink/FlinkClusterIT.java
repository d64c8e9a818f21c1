package dev.fieldflow.pipelines.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.network.NetworkSnapshotSummary;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.ClusterJobWatch;
import dev.fieldflow.pipelines.NetworkPipeline;
import dev.fieldflow.pipelines.NetworkPipelineOptions;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import dev.fieldflow.pipelines.visits.ElasticMqServer;
import dev.fieldflow.pipelines.visits.S3Events;
import dev.fieldflow.pipelines.visits.S3ProxyServer;
import dev.fieldflow.pipelines.visits.VisitLines;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.GeneratedNetwork;
import dev.fieldflow.testdata.GeneratedVisit;
import dev.fieldflow.testdata.Manifest;
import dev.fieldflow.testdata.Params;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both pipelines on a real Flink 1.19 session cluster (one JobManager, one TaskManager) started by {@code manage.sh cluster}: the job jar is submitted over REST, the
 * TaskManager writes to a real PostgreSQL on 127.0.0.1 with the password that travels inside the
 * job, and the database ends exactly as the generated data set says. Stopping the cluster leaves
 * no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// A job whose TaskManager died waits for slots forever: fail instead of hanging the build.
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)
class FlinkClusterIT {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir static Path dir;

  static FlinkCluster cluster;
  static Dataset data;

  @BeforeAll
  static void startClusterAndWriteData() throws Exception {
    data = Dataset.generate(Params.defaults().withSeed(11).withNodes(120).withEdges(600)
        .withVisits(400).withLinesPerFile(150).withQuirks(true).withBadLines(6).withBadNetworkLines(3));
    data.writeTo(dir.resolve("data"));
    Files.createDirectories(dir.resolve("home"));
    cluster = new FlinkCluster(dir.resolve("home"));
    cluster.start(1);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster == null) {
      return;
    }
    List<Long> pids = cluster.pids();
    cluster.stop();
    for (long pid : pids) {
      assertThat("process " + pid + " of the cluster after stop",
          ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), is(false));
    }
    assertThat(cluster.pids(), hasSize(0));
  }

  /** Options that send the job to the test's cluster with the Flink job jar. */
  static <T extends PipelineOptions> T onCluster(Class<T> type, String... more) {
    return PipelineOptionsFactory.fromArgs(clusterArgs(more)).as(type);
  }

  /** The command-line arguments of {@link #onCluster}. */
  static String[] clusterArgs(String... more) {
    String[] args = {
      "--runner=FlinkRunner",
      "--flinkMaster=" + cluster.master(),
      "--filesToStage=" + FlinkCluster.jobJar(),
      "--parallelism=1",
      "--batchSize=200",
      "--batchMaxBufferingMillis=200",
      "--dbConnectTimeoutSeconds=10",
    };
    String[] all = Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  @Test
  @Order(1)
  void theNetworkPipelineLoadsExactlyTheGeneratedNetworkOnTheCluster() throws Exception {
    NetworkPipelineOptions options = onCluster(NetworkPipelineOptions.class);
    options.setNetworkInput(dir.resolve("data").resolve("network").resolve("*").toString());

    NetworkSnapshotSummary summary = NetworkPipeline.run(options, POSTGRES.writer());

    Manifest.NetworkCounts expected = data.manifest().network();
    TreeSet<String> expectedEdges = new TreeSet<>();
    for (GeneratedNetwork.Edge e : data.network().edges()) {
      expectedEdges.add(e.low() + "-" + e.high());
      expectedEdges.add(e.high() + "-" + e.low());
    }
    assertThat(new TreeSet<>(column("SELECT node_id || '-' || adj_node_id FROM fieldflow.network_edges")),
        equalTo(expectedEdges));
    assertThat(summary.nodes(), equalTo(expected.nodes()));
    assertThat((long) summary.edges(), equalTo(expected.edges()));
    assertThat(summary.rejectedLines(), equalTo(expected.rejected()));
    assertThat(POSTGRES.rows("SELECT lines_read, rejected, records_read, rows_loaded, duplicates, status"
            + " FROM fieldflow.ingest_files WHERE pipeline = 'network'"),
        equalTo(List.of(List.of(expected.dataLines(), expected.rejected(), expected.neighbourTokens(),
            expected.edges(), expected.selfLoops() + expected.repeatedEdges(), "done"))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records WHERE pipeline = 'network'"),
        is(expected.rejected()));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.network_staging"), is(0L));
  }

  @Test
  @Order(2)
  void theVisitPipelineOnceIngestsExactlyTheGeneratedVisitsOnTheCluster() throws Exception {
    // The data set's "last ingested wins" follows file names; files of one run commit in the
    // order they finish. So the files arrive one run at a time, in name order.
    Path in = Files.createDirectories(dir.resolve("in"));
    for (String file : data.visitFilePaths()) {
      Path source = dir.resolve("data").resolve(file);
      Files.move(source, in.resolve(source.getFileName()));
      VisitPipelineOptions options = onCluster(VisitPipelineOptions.class);
      options.setVisitsInput(in.toString());
      options.setOnce(true);

      VisitLedger.RunSummary run = VisitPipeline.runOnce(options, POSTGRES.writer());

      assertThat(run.describe(), run.filesDone(), is(1L));
      assertThat(run.describe(), run.filesFailed(), is(0L));
    }

    Manifest.VisitTotals expected = data.manifest().visits();
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE pipeline = 'visit'"
        + " AND status = 'done'"), is((long) expected.files()));
    TreeSet<String> expectedVisits =
        data.visits().stream().map(FlinkClusterIT::describe).collect(Collectors.toCollection(TreeSet::new));
    TreeSet<String> stored = new TreeSet<>(column("SELECT task_id || '|' || visit_id || '|' || node_id"
        + " || '|' || visit_date || '|' || node_age || '|' || engineer_skill_level || '|' || outcome || '|'"
        + " || array_to_string(ARRAY(SELECT DISTINCT t FROM unnest(note_tokens) t ORDER BY t), ',')"
        + " FROM fieldflow.visits"));
    assertThat("stored visits", stored.size(), is(expectedVisits.size()));
    assertThat("visits missing", difference(expectedVisits, stored), equalTo(List.of()));
    assertThat("visits not expected", difference(stored, expectedVisits), equalTo(List.of()));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.tasks"), is(expected.tasks()));
    assertThat(POSTGRES.count("SELECT sum(rejected) FROM fieldflow.ingest_files WHERE pipeline = 'visit'"),
        is(expected.rejected()));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records WHERE pipeline = 'visit'"),
        is(expected.rejected()));
  }

  @Test
  @Order(3)
  void theDatabasePasswordReachesTheTaskManagerButNoLogOrCommandLine() throws Exception {
    DatabaseConfig writer = POSTGRES.writer();
    assertThat(cluster.logs(), not(containsString(writer.password())));
    for (long pid : cluster.pids()) {
      String commandLine = ProcessHandle.of(pid).flatMap(p -> p.info().arguments())
          .map(a -> String.join(" ", a)).orElse("");
      assertThat(commandLine, not(containsString(writer.password())));
    }
    assertThat(cluster.rest("/overview"), containsString("\"taskmanagers\":1"));
  }

  /**
   * Notification mode on the cluster: the TaskManager reads S3 event messages from a real
   * ElasticMQ queue and the objects from a real S3Proxy, claims each announced file before it
   * deletes the message, backfills an object that was there before the job, and checkpoints
   * while it runs. Every file is ingested once, the queue ends empty.
   */
  @Test
  @Order(4)
  void theNotificationPipelineIngestsAnnouncedAndBackfilledFilesOnTheClusterWithCheckpoints()
      throws Exception {
    System.setProperty("aws.disableEc2Metadata", "true");
    String jobId = null;
    try (S3ProxyServer s3 = S3ProxyServer.start(); ElasticMqServer sqs = ElasticMqServer.start()) {
      String bucket = "flink-events";
      s3.createBucket(bucket);
      String queue = sqs.createQueue("flink-events", 5, 3);
      s3.put(bucket, "visits/before.jsonl", utf8(VisitLines.visits(7_000, 9)));
      VisitPipelineOptions options = onCluster(VisitPipelineOptions.class,
          "--attachedMode=false", "--checkpointingInterval=2000", "--pollIntervalSeconds=1");
      options.setVisitsInput("s3://" + bucket + "/visits/");
      s3.configure(options);
      options.setNotifications(queue);
      options.setBackfillIntervalSeconds(3600); // once at start, then not within this test

      VisitPipeline.start(options, POSTGRES.writer(), java.util.UUID.randomUUID());
      jobId = cluster.awaitJob("RUNNING", 60_000);
      s3.put(bucket, "visits/a b.jsonl", utf8(VisitLines.visits(7_100, 11)));
      s3.put(bucket, "visits/c+d.jsonl", utf8(VisitLines.visits(7_200, 13)));
      s3.put(bucket, "visits/e.jsonl", utf8(VisitLines.visits(7_300, 17)));
      sqs.send(queue, S3Events.created(bucket, "visits/a b.jsonl", "visits/c+d.jsonl"));
      sqs.send(queue, S3Events.created(bucket, "visits/e.jsonl"));
      sqs.send(queue, S3Events.created(bucket, "visits/e.jsonl")); // a duplicate

      long deadline = System.currentTimeMillis() + 120_000;
      while (POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'"
              + " AND path LIKE 's3://flink-events/%'") < 4 || sqs.messagesLeft(queue) > 0
          || completedCheckpoints(jobId) < 1) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("after 120 s: ledger " + POSTGRES.rows("SELECT path, status, error"
              + " FROM fieldflow.ingest_files WHERE path LIKE 's3://flink-events/%'") + ", messages left "
              + sqs.messagesLeft(queue) + ", checkpoints " + cluster.rest("/jobs/" + jobId + "/checkpoints"));
        }
        Thread.sleep(200);
      }
      assertThat(POSTGRES.rows("SELECT path, lines_read, rows_loaded, attempts FROM fieldflow.ingest_files"
              + " WHERE path LIKE 's3://flink-events/%' ORDER BY path"),
          equalTo(List.of(
              List.of("s3://flink-events/visits/a b.jsonl", 11L, 11L, 1),
              List.of("s3://flink-events/visits/before.jsonl", 9L, 9L, 1),
              List.of("s3://flink-events/visits/c+d.jsonl", 13L, 13L, 1),
              List.of("s3://flink-events/visits/e.jsonl", 17L, 17L, 1))));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits WHERE source_file LIKE 's3://flink-events/%'"),
          is(50L));
      assertThat(sqs.messagesLeft(queue + "-dlq"), is(0L));
      cluster.cancel(jobId);
      jobId = null;
    } finally {
      if (jobId != null) {
        cluster.cancel(jobId);
      }
    }
  }

  /**
   * The launch holds back the result that Flink's own client returned (its poll may be up to 2 s
   * late); the watch returns as soon as the JobManager lists the job FINISHED, while the launch is
   * still held.
   */
  @Test
  @Order(5)
  void aWatchedLaunchEndsOnceTheJobManagerListsTheJobFinished() throws Exception {
    Watched job = Watched.onCluster();
    Pipeline pipeline = job.pipeline();
    pipeline.apply("Three", Create.of(1, 2, 3)).apply("Count", Count.globally());
    ClusterJobWatch watch = job.watch();
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean launchReturned = new AtomicBoolean();
    try {
      PipelineResult result = watch.start(() -> {
        PipelineResult flinks = pipeline.run();
        awaitQuietly(release);
        launchReturned.set(true);
        return flinks;
      });

      assertThat(result.getState(), is(PipelineResult.State.DONE));
      assertThat("the launch is still held", launchReturned.get(), is(false));
      assertThat(cluster.rest("/jobs/overview"), matchesPattern(
          "(?s).*\\{[^}]*\"name\":\"" + job.name() + "\"[^}]*\"state\":\"FINISHED\".*"));
    } finally {
      release.countDown();
    }
  }

  /** A job that fails is not finished: the launch's own error (the FlinkRunner's) is thrown. */
  @Test
  @Order(6)
  void aWatchedLaunchOfAFailingJobThrowsTheRunnersError() throws Exception {
    Watched job = Watched.onCluster();
    Pipeline pipeline = job.pipeline();
    pipeline.apply("ReadNothing", TextIO.read().from(dir.resolve("no-such-file-*.txt").toString())
        .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW));
    ClusterJobWatch watch = job.watch();

    RuntimeException failed = assertThrows(RuntimeException.class, () -> watch.start(pipeline::run));

    StringBuilder causes = new StringBuilder();
    for (Throwable t = failed; t != null; t = t.getCause()) {
      causes.append(t).append('\n');
    }
    assertThat(causes.toString(), containsString("no-such-file-"));
  }

  /**
   * What a launcher's shutdown hook does on Ctrl-C: the watch cancels the job of the launch in
   * progress on the JobManager, and the launch ends, instead of the job going on without it. A
   * job that never finishes is launched as the continuous pipeline launches it ({@code
   * startUnbounded}); a bounded launch's cancel is order 8's.
   */
  @Test
  @Order(7)
  void aWatchCancelsTheJobOfItsLaunchInProgress() throws Exception {
    Watched job = Watched.onCluster();
    Pipeline pipeline = job.pipeline();
    pipeline.apply("One", Create.of(1)).apply("WaitForCancel", ParDo.of(new SleepForever()));
    ClusterJobWatch watch = job.watch();
    assertThat("no launch in progress yet", watch.cancel(), is(false));
    java.util.concurrent.CompletableFuture<Object> launch = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
          try {
            return watch.startUnbounded(pipeline::run).getState();
          } catch (Exception e) {
            return e;
          }
        });
    String running = "(?s).*\\{[^}]*\"name\":\"" + job.name() + "\"[^}]*\"state\":\"RUNNING\".*";
    long deadline = System.currentTimeMillis() + 60_000;
    while (!cluster.rest("/jobs/overview").matches(running)) {
      assertThat("job " + job.name() + " RUNNING within 60 s; launch: " + launch,
          System.currentTimeMillis() < deadline, is(true));
      Thread.sleep(100);
    }

    assertThat(watch.cancel(), is(true));

    assertThat(cluster.rest("/jobs/overview"), matchesPattern(
        "(?s).*\\{[^}]*\"name\":\"" + job.name() + "\"[^}]*\"state\":\"CANCELED\".*"));
    Object ended = launch.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat("the launch ended with the job: " + ended, ended,
        not(equalTo(PipelineResult.State.DONE)));
    assertThat("once the launch has ended there is nothing to cancel", watch.cancel(), is(false));
  }

  /**
   * Ctrl-C or SIGTERM to {@code visit --once} on a cluster cancels the job, as it ends an embedded
   * run: the stop is recorded first (the files in flight count no reader death), the job ends
   * CANCELED, and the files it had not loaded stay for the next run, not loaded by a job that goes
   * on without its launcher.
   */
  @Test
  @Order(8)
  void aSignalledOnceLauncherCancelsItsJobOnTheCluster() throws Exception {
    Path input = dir.resolve("stopped");
    Files.createDirectories(input);
    Files.write(input.resolve("a.jsonl"), utf8(VisitLines.visits(8_000, 40)));
    Files.write(input.resolve("b.jsonl"), utf8(VisitLines.visits(8_100, 40)));
    String jobName = "fieldflow-stop-test-" + System.nanoTime();
    DatabaseConfig db = POSTGRES.writer();
    List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.dev.fieldflow=info",
        "dev.fieldflow.pipelines.Main", "visit", "--once", "--visitsInput=" + input,
        "--jdbcUrl=" + db.jdbcUrl(), "--dbUser=" + db.user(), "--jobName=" + jobName));
    command.addAll(List.of(clusterArgs()));
    Path log = Path.of("target", "flink-once-stopped.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("FIELDFLOW_DB_PASSWORD", db.password());
    builder.environment().put("FIELDFLOW_HOME", dir.resolve("home").toString());
    String files = "SELECT count(*) FROM fieldflow.ingest_files WHERE path LIKE '%/stopped/%'";
    Process launcher;
    String held;
    // The job's first load waits for this lock mid-file, so the job is still running when stopped.
    try (java.sql.Connection hold = POSTGRES.admin().dataSource().getConnection()) {
      hold.setAutoCommit(false);
      hold.createStatement().execute("LOCK TABLE fieldflow.visits IN SHARE MODE");
      launcher = builder.start();
      long deadline = System.currentTimeMillis() + 120_000;
      while (POSTGRES.count(files + " AND status = 'running' AND load_started_attempt = attempts") < 1) {
        assertThat("launcher alive; log " + log, launcher.isAlive(), is(true));
        assertThat("a load begins within 120 s; log " + log, System.currentTimeMillis() < deadline, is(true));
        Thread.sleep(100);
      }
      // Files load in no set order: the one that began is held, the other waits its turn.
      held = (String) POSTGRES.rows("SELECT path FROM fieldflow.ingest_files WHERE path LIKE"
          + " '%/stopped/%' AND load_started_attempt = attempts").get(0).get(0);
      launcher.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the same shutdown hook
      String cancelling = "(?s).*\\{[^}]*\"name\":\"" + jobName + "\"[^}]*\"state\":\"(CANCELLING|CANCELED)\".*";
      while (!cluster.rest("/jobs/overview").matches(cancelling)) {
        assertThat("the job is cancelled within 60 s of the signal; log " + log,
            System.currentTimeMillis() < deadline + 60_000, is(true));
        Thread.sleep(100);
      }
      hold.rollback();
    }
    assertThat("the launcher ends; log " + log, launcher.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), is(true));

    assertThat(cluster.rest("/jobs/overview"), matchesPattern(
        "(?s).*\\{[^}]*\"name\":\"" + jobName + "\"[^}]*\"state\":\"CANCELED\".*"));
    assertThat("the stop is recorded for the run", POSTGRES.count("SELECT count(*) FROM"
        + " fieldflow.stopped_runs s JOIN fieldflow.ingest_files f USING (run_id)"
        + " WHERE f.path = ?", held), is(1L));
    assertThat("no reader death counted", POSTGRES.count(files + " AND reader_deaths > 0"), is(0L));
    // The held file's statement was in PostgreSQL when the lock went: it may commit. The other
    // file would load right after it in a job that went on without its launcher.
    assertThat("the file after the held one is not loaded by the cancelled job; ledger "
            + POSTGRES.rows("SELECT path, status FROM fieldflow.ingest_files WHERE path LIKE '%/stopped/%'"),
        POSTGRES.count(files + " AND path <> ? AND status = 'done'", held), is(0L));
  }

  /** Holds its bundle until its task is cancelled (Flink interrupts the task's thread). */
  private static final class SleepForever extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer n, OutputReceiver<Integer> out) throws InterruptedException {
      Thread.sleep(Long.MAX_VALUE);
      out.output(n);
    }
  }

  /** A pipeline for the test's cluster, its job name, and the watch its launcher would use. */
  private record Watched(Pipeline pipeline, String name, ClusterJobWatch watch) {
    static Watched onCluster() {
      String[] args = clusterArgs();
      PipelineOptions options = PipelineOptionsFactory.fromArgs(args).as(VisitPipelineOptions.class);
      return new Watched(Pipeline.create(options), options.getJobName(),
          ClusterJobWatch.of(args, options.getJobName()).orElseThrow());
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long completedCheckpoints(String jobId) throws Exception {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"completed\":(\\d+)")
        .matcher(cluster.rest("/jobs/" + jobId + "/checkpoints"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static List<String> difference(TreeSet<String> a, TreeSet<String> b) {
    return a.stream().filter(x -> !b.contains(x)).limit(5).toList();
  }

  private static List<String> column(String sql) {
    return POSTGRES.rows(sql).stream().map(r -> String.valueOf(r.get(0))).sorted().toList();
  }

  private static String describe(GeneratedVisit v) {
    return v.taskId() + "|" + v.visitId() + "|" + v.nodeId() + "|" + v.visitDate() + "|" + v.nodeAge()
        + "|" + v.skillLevel() + "|" + v.outcome() + "|"
        + Arrays.stream(v.noteTokens()).distinct().sorted().mapToObj(Integer::toString)
            .collect(Collectors.joining(","));
  }
}
