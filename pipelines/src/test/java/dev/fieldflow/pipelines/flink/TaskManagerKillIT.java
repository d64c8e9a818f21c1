package dev.fieldflow.pipelines.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.GeneratedVisit;
import dev.fieldflow.testdata.Params;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The continuous visit pipeline on a real Flink session cluster (one JobManager, one TaskManager,
 * separate JVMs started by {@code manage.sh cluster start}) loses its TaskManager to SIGKILL
 * while it ingests; {@code manage.sh cluster start} starts a new one, the job restarts from its
 * last checkpoint, and the database ends with exactly the generated visits: none missing, none
 * twice, every file done once. Files keep arriving before, during and after the outage. The
 * claim lease is the default (10 minutes), longer than the test may take: the files claimed
 * after the restored checkpoint, the one mid-load and those still queued, come back without it
 * (the load by the ledger check's abandoned-load takeover or by its claim repeated, the queued
 * ones by their claims repeated by the restored watch).
 */
@Tag("slow")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TaskManagerKillIT {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static final int FILES = 12;
  static final int LINES_PER_FILE = 2_500;
  /** Files that arrive before the test holds visits; the rest arrive while it holds and after. */
  static final int FILES_BEFORE_HOLD = 3;

  @TempDir Path dir;

  @Test
  void aTaskManagerKilledMidIngestIsReplacedAndEveryVisitEndsStoredExactlyOnce() throws Exception {
    long t0 = System.nanoTime();
    // No quirks and no hard cases: every visit is sent once, so the stored set does not depend
    // on the order in which files commit.
    Dataset data = Dataset.generate(Params.defaults().withSeed(29)
        .withVisits(FILES * LINES_PER_FILE).withLinesPerFile(LINES_PER_FILE));
    data.writeTo(dir.resolve("data"));
    List<String> files = data.visitFilePaths();
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.createDirectories(dir.resolve("home"));
    FlinkCluster cluster = new FlinkCluster(dir.resolve("home"));
    List<Long> pids = new ArrayList<>();
    String jobId = null;
    Thread writer = null;
    try {
      cluster.start(1);
      pids.addAll(cluster.pids());
      long killedPid = cluster.taskManagerPid(1);
      log(t0, "cluster up: " + pids + ", TaskManager " + killedPid);

      VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(
          "--runner=FlinkRunner",
          "--flinkMaster=" + cluster.master(),
          "--filesToStage=" + FlinkCluster.jobJar(),
          "--attachedMode=false",
          "--parallelism=1",
          "--batchSize=500",
          "--batchMaxBufferingMillis=200",
          "--dbConnectTimeoutSeconds=10",
          "--pollIntervalSeconds=1",
          "--checkpointingInterval=10000",
          "--finishBundleBeforeCheckpointing=true",
          "--numberOfExecutionRetries=20",
          "--executionRetryDelay=2000")
          .as(VisitPipelineOptions.class);
      options.setVisitsInput(in.toString());
      VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID());
      jobId = cluster.awaitJob("RUNNING", 60_000);
      log(t0, "job " + jobId + " submitted");

      // Files arrive one every 1.5 s, each moved in whole (a rename), in name order. After the
      // first three, the writer waits until the test holds visits: the first checkpoint may come
      // late (and Flink's REST view of it later still), and a file must arrive after the hold
      // for one to be mid-ingest when the TaskManager dies.
      AtomicReference<Throwable> writeFailure = new AtomicReference<>();
      CountDownLatch holding = new CountDownLatch(1);
      writer = new Thread(() -> {
        try {
          for (int i = 0; i < files.size(); i++) {
            if (i == FILES_BEFORE_HOLD && !holding.await(120, TimeUnit.SECONDS)) {
              throw new AssertionError("visits were never held");
            }
            Path source = dir.resolve("data").resolve(files.get(i));
            Files.move(source, in.resolve(source.getFileName()));
            Thread.sleep(1_500);
          }
        } catch (Throwable e) {
          writeFailure.set(e);
        }
      }, "visit-file-writer");
      writer.start();

      // Mid-ingest, in the gap the claim lease was for: two files done, and, claimed after the
      // last completed checkpoint, a file being loaded and a file queued behind it (the job
      // restored from that checkpoint has neither in its state). A load takes a fraction of a
      // second, so once a checkpoint has completed the test holds visits: loads in flight then
      // wait mid-transaction (and no checkpoint completes, as bundles finish before one).
      Connection hold = null;
      long deadline = System.currentTimeMillis() + 90_000;
      while (true) {
        long ack = latestCompletedAck(cluster, jobId);
        if (hold == null && ack > 0 && done() >= 2) {
          hold = POSTGRES.admin().dataSource().getConnection();
          hold.setAutoCommit(false);
          hold.createStatement().execute("LOCK TABLE fieldflow.visits IN SHARE MODE");
          holding.countDown();
          log(t0, "holding visits after checkpoint " + ack + " with " + done() + " file(s) done");
        }
        if (hold != null && POSTGRES.count(GAP_FILES.replace("path", "count(*)") + STARTED, ack) > 0
            && POSTGRES.count(GAP_FILES.replace("path", "count(*)") + QUEUED, ack) > 0) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("no file was mid-ingest after a checkpoint within 90 s: "
              + POSTGRES.rows("SELECT path, status, attempts, started_at FROM fieldflow.ingest_files")
              + "; checkpoints " + cluster.rest("/jobs/" + jobId + "/checkpoints"));
        }
        Thread.sleep(20);
      }
      long doneAtKill = done();
      long killedAt = System.nanoTime();
      ProcessHandle taskManager = ProcessHandle.of(killedPid).orElseThrow();
      taskManager.destroyForcibly(); // SIGKILL
      taskManager.onExit().get(30, TimeUnit.SECONDS);
      // The checkpoint the job restores (none completes without a TaskManager) and the files
      // claimed after it: only the lease can give them back to the restored job.
      long restoredAck = latestCompletedAck(cluster, jobId);
      List<Object> gapFiles = POSTGRES.rows(GAP_FILES, restoredAck).stream().map(r -> r.get(0)).toList();
      List<Object> queuedGapFiles = POSTGRES.rows(GAP_FILES + QUEUED, restoredAck).stream()
          .map(r -> r.get(0)).toList();
      log(t0, "SIGKILLed TaskManager " + killedPid + " with " + doneAtKill + " file(s) done, ledger "
          + POSTGRES.rows("SELECT status, count(*) FROM fieldflow.ingest_files GROUP BY status ORDER BY 1")
          + ", claimed after the last checkpoint: " + gapFiles + ", of them queued: " + queuedGapFiles);
      assertThat("a queued file claimed after the checkpoint", queuedGapFiles.isEmpty(), is(false));
      assertThat("files done when the TaskManager was killed", doneAtKill, is(not((long) FILES)));
      hold.rollback(); // the killed TaskManager's loads died with it; the next ones may write
      hold.close();

      // The operator's fix: start the cluster again, which replaces the dead TaskManager.
      cluster.start(1);
      long newPid = cluster.taskManagerPid(1); // the dead one's pid file is replaced
      assertThat("a new TaskManager", newPid, is(not(killedPid)));
      pids.add(newPid);
      log(t0, "new TaskManager " + newPid);

      long end = System.currentTimeMillis() + 150_000;
      while (done() < FILES) {
        if (System.currentTimeMillis() > end) {
          throw new AssertionError("after the restart, files in the ledger: "
              + POSTGRES.rows("SELECT path, status, attempts, error FROM fieldflow.ingest_files ORDER BY path")
              + "; job " + cluster.rest("/jobs/" + jobId).replaceAll("\"vertices\".*", ""));
        }
        Thread.sleep(200);
      }
      double recovery = (System.nanoTime() - killedAt) / 1e9;
      writer.join(30_000);
      assertThat("writing the files", writeFailure.get(), is((Throwable) null));
      String checkpoints = cluster.rest("/jobs/" + jobId + "/checkpoints");
      log(t0, "all " + FILES + " files done " + Math.round(recovery) + " s after the kill; attempts per file "
          + POSTGRES.rows("SELECT attempts, count(*) FROM fieldflow.ingest_files GROUP BY attempts ORDER BY 1")
          + "; checkpoints " + counts(checkpoints));
      assertThat("the job restored a checkpoint", number(checkpoints, "restored"), greaterThanOrEqualTo(1L));
      assertThat("seconds from the kill to every file done, against the claim lease", recovery,
          lessThan((double) VisitLedger.DEFAULT_LEASE.toSeconds()));
      for (Object path : queuedGapFiles) {
        assertThat(path + ", queued after the restored checkpoint, is taken back under its claim"
                + " (the same attempt, no reader death)",
            POSTGRES.rows("SELECT attempts, reader_deaths FROM fieldflow.ingest_files WHERE path = ?", path),
            equalTo(List.of(List.of(1, 0))));
      }
      Thread.sleep(3_000); // more polls and ledger checks: nothing is read again
      assertThat(jobState(cluster, jobId), equalTo("RUNNING"));

      // Exactly the generated visits, each once; every file done once, counted once.
      TreeSet<String> expected = data.visits().stream().map(TaskManagerKillIT::describe)
          .collect(Collectors.toCollection(TreeSet::new));
      assertThat("distinct generated visits", expected.size(), is(FILES * LINES_PER_FILE));
      List<String> stored = POSTGRES.rows("SELECT task_id || '|' || visit_id || '|' || node_id"
          + " || '|' || visit_date || '|' || node_age || '|' || engineer_skill_level || '|' || outcome || '|'"
          + " || array_to_string(ARRAY(SELECT DISTINCT t FROM unnest(note_tokens) t ORDER BY t), ',')"
          + " FROM fieldflow.visits").stream().map(r -> String.valueOf(r.get(0))).toList();
      assertThat("stored visits", stored.size(), is(expected.size()));
      TreeSet<String> storedSet = new TreeSet<>(stored);
      assertThat("visits missing", expected.stream().filter(v -> !storedSet.contains(v)).limit(5).toList(),
          equalTo(List.of()));
      assertThat("visits not expected", storedSet.stream().filter(v -> !expected.contains(v)).limit(5).toList(),
          equalTo(List.of()));
      assertThat(POSTGRES.rows("SELECT status, lines_read, records_read, rows_loaded, updates, duplicates,"
              + " rejected, count(*) FROM fieldflow.ingest_files WHERE pipeline = 'visit'"
              + " GROUP BY 1, 2, 3, 4, 5, 6, 7"),
          equalTo(List.of(List.of("done", (long) LINES_PER_FILE, (long) LINES_PER_FILE,
              (long) LINES_PER_FILE, 0L, 0L, 0L, (long) FILES))));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records"), is(0L));

      cluster.cancel(jobId);
      assertThat(cluster.awaitJob("CANCELED", 60_000), equalTo(jobId));
      jobId = null;
    } finally {
      if (writer != null) {
        writer.interrupt();
      }
      if (jobId != null) {
        try {
          cluster.cancel(jobId);
        } catch (Exception e) {
          log(t0, "cancel: " + e);
        }
      }
      pids.addAll(cluster.pids());
      cluster.stop();
      log(t0, "cluster stopped");
    }
    for (long pid : pids) {
      assertThat("process " + pid + " of the cluster after stop",
          ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), is(false));
    }
    assertThat(cluster.pids(), hasSize(0));
    log(t0, "done");
  }

  /**
   * Running files claimed after a time in epoch milliseconds (their load, one transaction, has
   * not committed).
   */
  private static final String GAP_FILES = "SELECT path FROM fieldflow.ingest_files f"
      + " WHERE status = 'running' AND started_at > to_timestamp(?::bigint / 1000.0)";

  /** Of {@link #GAP_FILES}, those whose load has begun. */
  private static final String STARTED = " AND load_started_attempt = attempts";

  /** Of {@link #GAP_FILES}, those claimed and queued: their load has not begun. */
  private static final String QUEUED = " AND load_started_attempt IS DISTINCT FROM attempts";

  /** When the last task acknowledged the latest completed checkpoint; 0 if none completed. */
  private static long latestCompletedAck(FlinkCluster cluster, String jobId) throws Exception {
    Matcher m = Pattern.compile("\"latest\":\\{\"completed\":\\{.*?\"latest_ack_timestamp\":(\\d+)")
        .matcher(cluster.rest("/jobs/" + jobId + "/checkpoints"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static long done() {
    return POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'");
  }

  private static String jobState(FlinkCluster cluster, String jobId) throws Exception {
    Matcher m = Pattern.compile("\"state\":\"([A-Z]+)\"").matcher(cluster.rest("/jobs/" + jobId));
    return m.find() ? m.group(1) : "?";
  }

  /** {@code "counts":{"restored":1,"total":9,...}} of the checkpoint statistics. */
  private static String counts(String checkpoints) {
    Matcher m = Pattern.compile("\"counts\":\\{[^}]*}").matcher(checkpoints);
    return m.find() ? m.group() : checkpoints;
  }

  private static long number(String checkpoints, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(counts(checkpoints));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static void log(long t0, String message) {
    System.out.printf("[TaskManagerKillIT +%.1fs] %s%n", (System.nanoTime() - t0) / 1e9, message);
  }

  private static String describe(GeneratedVisit v) {
    return v.taskId() + "|" + v.visitId() + "|" + v.nodeId() + "|" + v.visitDate() + "|" + v.nodeAge()
        + "|" + v.skillLevel() + "|" + v.outcome() + "|"
        + Arrays.stream(v.noteTokens()).distinct().sorted().mapToObj(Integer::toString)
            .collect(Collectors.joining(","));
  }
}
