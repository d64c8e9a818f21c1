package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL (its own process) stopped for 20 s in the middle of an ingest by the continuous
 * visit pipeline (its own JVM, as {@code manage.sh visit} runs it).
 */
@Tag("slow")
class OutageVisitPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static final int FILES = 30;
  static final int LINES = 1_000;
  static final String LOG = "outage-visit-pipeline";
  /** A file's load (the COPY of its new visits) waiting for the table the test holds. */
  static final String BLOCKED_WRITE = "wait_event_type = 'Lock' AND query LIKE 'COPY fieldflow.visits %'";

  @TempDir Path dir;

  @Test
  void postgresStoppedFor20SecondsMidIngestTheRunRetriesRecoversAndEndsWithExactCounts() throws Exception {
    for (int f = 0; f < FILES; f++) {
      write(dir.resolve("in").resolve(String.format("visits-%03d.jsonl", f)), visits(f * 100_000L, LINES));
    }
    Process pipeline = null;
    // Hold the visits table so that a file's load is in flight when PostgreSQL stops: the
    // outage then hits a load mid-transaction, not only the ledger steps.
    try (Connection lock = POSTGRES.admin().dataSource().getConnection()) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE fieldflow.visits IN ACCESS EXCLUSIVE MODE");
      pipeline = VisitProcess.launch(POSTGRES, dir, LOG);
      awaitBlockedBatchWrite(pipeline);
      POSTGRES.stop();
    } catch (Throwable e) {
      if (pipeline != null) {
        pipeline.destroyForcibly(); // never leave a pipeline running against the next test
        pipeline.waitFor(30, TimeUnit.SECONDS);
      }
      throw e;
    }
    try {
      Thread.sleep(20_000);
      POSTGRES.start();
      // Files that arrive after the outage are picked up too.
      write(dir.resolve("in").resolve("after.jsonl"), visits(9_000_000L, 10));
      awaitDone(POSTGRES, FILES + 1, 180_000);
      assertThat("the pipeline is still running", pipeline.isAlive(), is(true));
    } finally {
      pipeline.destroy(); // SIGTERM: the operator's stop
      pipeline.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"), is(FILES + 1L));
    assertThat(POSTGRES.rows("SELECT DISTINCT lines_read, rows_loaded, updates, duplicates, rejected, status"
            + " FROM fieldflow.ingest_files WHERE path NOT LIKE '%after.jsonl'"),
        equalTo(List.of(List.of((long) LINES, (long) LINES, 0L, 0L, 0L, "done"))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is((long) FILES * LINES + 10));
    // The load cut off by the outage waited for PostgreSQL and ran again in place.
    assertThat(VisitProcess.logText(LOG), containsString("PostgreSQL is back"));
  }

  /**
   * Loads commit asynchronously (the default): a crash of PostgreSQL may undo the last loads it
   * acknowledged, ledger row and rows together. Their files are running again in the ledger;
   * the live run takes them over after the claim lease and loads them again, so every file ends
   * loaded once with exact counts. The other sessions (claims) commit synchronously, as on a
   * production server (this test server's default is asynchronous for every session).
   */
  @Test
  void postgresCrashingMidIngestLosesNoFileAndLoadsNoneTwice() throws Exception {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
    POSTGRES.execute("ALTER ROLE fieldflow_writer SET synchronous_commit = on");
    Path in = dir.resolve("crash");
    for (int f = 0; f < FILES; f++) {
      write(in.resolve("in").resolve(String.format("visits-%03d.jsonl", f)), visits(f * 100_000L, LINES));
    }
    Process pipeline = VisitProcess.launch(POSTGRES, in, LOG + "-crash", "--claimLeaseSeconds=5");
    try {
      awaitDone(POSTGRES, FILES / 3, 180_000);
      POSTGRES.crash();
      Thread.sleep(2_000);
      POSTGRES.start();
      awaitDone(POSTGRES, FILES, 180_000);
      assertThat("the pipeline is still running", pipeline.isAlive(), is(true));
    } finally {
      pipeline.destroy();
      pipeline.waitFor(30, TimeUnit.SECONDS);
      if (POSTGRES.isRunning()) {
        POSTGRES.execute("ALTER ROLE fieldflow_writer RESET synchronous_commit");
      }
    }
    assertThat(POSTGRES.rows("SELECT DISTINCT lines_read, rows_loaded, updates, duplicates, rejected, status"
            + " FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of((long) LINES, (long) LINES, 0L, 0L, 0L, "done"))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"), is((long) FILES));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is((long) FILES * LINES));
  }

  @Test
  void aLoadCutOffByTheServerIsRetriedInPlaceAndTheWaveEndsWithExactCounts() throws Exception {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
    for (int f = 0; f < 3; f++) {
      write(dir.resolve(String.format("once-%d.jsonl", f)), visits(f * 100_000L, 500));
    }
    CompletableFuture<VisitLedger.RunSummary> run;
    try (Connection lock = POSTGRES.admin().dataSource().getConnection()) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE fieldflow.visits IN ACCESS EXCLUSIVE MODE");
      run = CompletableFuture.supplyAsync(() -> {
        try {
          return VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      awaitBlockedBatchWrite(run::isDone);
      // What a server restart does to each session: FATAL 57P01.
      POSTGRES.count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE " + BLOCKED_WRITE);
    }
    VisitLedger.RunSummary summary = run.get(120, TimeUnit.SECONDS);
    assertThat(summary.describe(), summary.filesDone(), is(3L));
    assertThat(summary.describe(), summary.loaded(), is(1_500L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(1_500L));
    assertThat("no file needed a second claim: the load retried in place",
        POSTGRES.count("SELECT max(attempts) FROM fieldflow.ingest_files"), is(1L));
  }

  private static void awaitBlockedBatchWrite(Process pipeline) throws InterruptedException {
    awaitBlockedBatchWrite(() -> !pipeline.isAlive());
  }

  private static void awaitBlockedBatchWrite(BooleanSupplier ended) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (POSTGRES.count("SELECT count(*) FROM pg_stat_activity WHERE " + BLOCKED_WRITE) == 0) {
      assertThat("pipeline still running", ended.getAsBoolean(), is(false));
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("no load waited for the visits table within 120 s");
      }
      Thread.sleep(50);
    }
  }
}
