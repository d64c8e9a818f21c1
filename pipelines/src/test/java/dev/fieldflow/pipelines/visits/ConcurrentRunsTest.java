package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.RetryingDatabase;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs on the same database never steal each other's live files: a run is alive while one of
 * its sessions holds its advisory lock; only a dead run's files are orphans. A second continuous
 * pipeline on the same input is refused; advisory locks are the writer's alone.
 */
class ConcurrentRunsTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files, fieldflow.stopped_runs,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  @Test
  void aBackfillLeavesTheQueuedFilesOfALiveRunAloneAndTakesThemOnceThatRunIsGone() throws Exception {
    write(dir.resolve("queued.jsonl"), visits(1, 40));
    write(dir.resolve("free.jsonl"), visits(1_000, 60));
    UUID liveRun = UUID.randomUUID();
    // A live run (one of its sessions connected) that has claimed queued.jsonl, not loaded it yet.
    RetryingDatabase live = RetryingDatabase.forRun(POSTGRES.writer(), Duration.ofSeconds(5), liveRun);
    VisitLedger.Claim claim = new VisitLedger.Claim(listed("queued.jsonl"), UUID.randomUUID());
    live.inTransaction("claiming as the live run",
        c -> VisitLedger.claim(c, liveRun, List.of(claim), false));
    try {
      VisitLedger.RunSummary backfill = once();

      assertThat(backfill.describe(), backfill.filesDone(), is(1L));
      assertThat(backfill.heldElsewhere(), equalTo(List.of(
          new VisitLedger.HeldFile(dir.resolve("queued.jsonl").toString(), liveRun))));
      assertThat(backfill.describe(), containsString("1 file(s) left to run " + liveRun
          + ", which is loading them now"));
      assertThat(POSTGRES.rows("SELECT status, attempts, run_id::text FROM fieldflow.ingest_files"
              + " WHERE path LIKE '%queued.jsonl'"),
          equalTo(List.of(List.of("running", 1, liveRun.toString()))));
    } finally {
      live.close(); // the run dies: its session, and with it its lock, is gone
    }

    VisitLedger.RunSummary after = once();

    assertThat(after.describe(), after.filesDone(), is(1L));
    assertThat(POSTGRES.rows("SELECT status, attempts, rows_loaded FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%queued.jsonl'"), equalTo(List.of(List.of("done", 2, 40L))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(100L));
  }

  @Test
  void aLiveRunsQueuedFilePastItsLeaseIsStillNotTakenByAnotherRun() throws Exception {
    write(dir.resolve("queued.jsonl"), visits(1, 40));
    UUID liveRun = UUID.randomUUID();
    UUID otherRun = UUID.randomUUID();
    Duration lease = Duration.ofMinutes(10);
    RetryingDatabase live = RetryingDatabase.forRun(POSTGRES.writer(), Duration.ofSeconds(5), liveRun);
    VisitLedger.Claim claim = new VisitLedger.Claim(listed("queued.jsonl"), UUID.randomUUID());
    live.inTransaction("claiming as the live run",
        c -> VisitLedger.claim(c, liveRun, List.of(claim), false, lease));
    try {
      // Queued in the live run for longer than the lease.
      POSTGRES.execute("UPDATE fieldflow.ingest_files SET started_at = now() - interval '11 minutes'");
      try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
        assertThat(VisitLedger.claim(c, otherRun,
            List.of(new VisitLedger.Claim(listed("queued.jsonl"), UUID.randomUUID())), false, lease),
            equalTo(List.of()));
        assertThat(VisitLedger.unfinished(c, otherRun, 10, lease), equalTo(List.of()));
      }
      assertThat(POSTGRES.rows("SELECT status, attempts, run_id::text FROM fieldflow.ingest_files"),
          equalTo(List.of(List.of("running", 1, liveRun.toString()))));
    } finally {
      live.close();
    }
    // Gone now: its file is an orphan for any run.
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      List<VisitFile> taken = VisitLedger.claim(c, otherRun,
          List.of(new VisitLedger.Claim(listed("queued.jsonl"), UUID.randomUUID())), false, lease);
      assertThat(taken.size(), is(1));
      assertThat(taken.get(0).attempt(), is(2));
    }
  }

  @Test
  void aPipelineStoppedBySignalMidFileDoesNotCountAReaderDeath() throws Exception {
    write(dir.resolve("in").resolve("held.jsonl"), visits(1, 40));
    Process pipeline;
    // Visits held: the file's load begins, then waits mid-file for the lock.
    try (Connection hold = POSTGRES.admin().dataSource().getConnection()) {
      hold.setAutoCommit(false);
      hold.createStatement().execute("LOCK TABLE fieldflow.visits IN SHARE MODE");
      pipeline = VisitProcess.launch(POSTGRES, dir, "graceful-stop");
      long deadline = System.currentTimeMillis() + 60_000;
      while (POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"
          + " WHERE status = 'running' AND load_started_attempt = attempts") < 1) {
        assertThat("pipeline alive", pipeline.isAlive(), is(true));
        assertThat("a load begins within 60 s", System.currentTimeMillis() < deadline, is(true));
        Thread.sleep(100);
      }
      pipeline.destroy(); // SIGTERM, as ./manage.sh stop sends
      while (POSTGRES.count("SELECT count(*) FROM fieldflow.stopped_runs s JOIN fieldflow.ingest_files f"
          + " USING (run_id)") < 1) {
        assertThat("the stop is recorded within 60 s", System.currentTimeMillis() < deadline + 60_000,
            is(true));
        Thread.sleep(100);
      }
      hold.rollback();
    }
    assertThat("the stopped pipeline ends", pipeline.waitFor(60, TimeUnit.SECONDS), is(true));
    assertThat(POSTGRES.rows("SELECT status, reader_deaths FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("running", 0))));

    VisitLedger.RunSummary next = VisitPipeline.runOnce(
        VisitPipelineTest.options(dir.resolve("in").toString()), POSTGRES.writer());

    assertThat(next.describe(), next.filesDone(), is(1L));
    assertThat(POSTGRES.rows("SELECT status, attempts, reader_deaths, rows_loaded FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("done", 2, 0, 40L))));
  }

  @Test
  void aFileWhoseReaderDiedOnceIsReadAgainAndOneWhoseReaderDiedTwiceIsFailedUntilAOnceRun()
      throws Exception {
    write(dir.resolve("died-once.jsonl"), visits(1, 30));
    write(dir.resolve("died-twice.jsonl"), visits(1_000, 20));
    // A run that is gone (no session holds its lock) was loading both files when it died.
    UUID deadRun = UUID.randomUUID();
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      for (String name : List.of("died-once.jsonl", "died-twice.jsonl")) {
        VisitFile file = VisitLedger.claim(c, deadRun,
            List.of(new VisitLedger.Claim(listed(name), UUID.randomUUID())), false).get(0);
        VisitLedger.markLoadStarted(c, file);
      }
    }
    // died-twice.jsonl had killed a reader before.
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET reader_deaths = 1 WHERE path LIKE '%died-twice.jsonl'");

    VisitLedger.RunSummary first = once();

    assertThat(first.describe(), first.filesDone(), is(1L));
    assertThat(first.describe(), first.filesFailed(), is(1L));
    assertThat(POSTGRES.rows("SELECT status, reader_deaths, coalesce(retry_after = 'infinity', false),"
            + " coalesce(error LIKE 'reader_died: %', false)"
            + " FROM fieldflow.ingest_files ORDER BY path"),
        equalTo(List.of(List.of("done", 1, false, false), List.of("failed", 2, true, true))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(30L));

    VisitLedger.RunSummary again = once(); // --once tries failed files at once

    assertThat(again.describe(), again.filesDone(), is(1L));
    assertThat(POSTGRES.rows("SELECT status, rows_loaded FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%died-twice.jsonl'"), equalTo(List.of(List.of("done", 20L))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(50L));
  }

  /**
   * A job submitted detached has no launcher to record its stop: ./manage.sh stop records it by
   * the run id (visit-stopped) before it cancels the job.
   */
  @Test
  void aRunRecordedAsStoppedByItsIdCountsNoReaderDeathForItsFileInFlight() throws Exception {
    write(dir.resolve("in-flight.jsonl"), visits(1, 25));
    UUID detachedRun = UUID.randomUUID();
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      VisitFile file = VisitLedger.claim(c, detachedRun,
          List.of(new VisitLedger.Claim(listed("in-flight.jsonl"), UUID.randomUUID())), false).get(0);
      VisitLedger.markLoadStarted(c, file);
    }

    VisitPipeline.recordStopped(POSTGRES.writer(), detachedRun.toString());
    VisitLedger.RunSummary next = once();

    assertThat(next.describe(), next.filesDone(), is(1L));
    assertThat(POSTGRES.rows("SELECT status, reader_deaths, rows_loaded FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("done", 0, 25L))));
  }

  @Test
  void aStoppedRunIsNamedByItsRunId() {
    IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> VisitPipeline.recordStopped(POSTGRES.writer(), "0123abcd"));

    assertThat(refused.getMessage(), equalTo("--run must be a run id (a UUID), but was '0123abcd'"));
  }

  @Test
  void aSecondContinuousPipelineOnTheSameInputIsRefusedWithWhatToDo() throws Exception {
    write(dir.resolve("in").resolve("a.jsonl"), visits(1, 10));
    Process first = VisitProcess.launch(POSTGRES, dir, "concurrent-runs-first");
    try {
      long deadline = System.currentTimeMillis() + 60_000;
      while (POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'") < 1) {
        assertThat("first pipeline alive", first.isAlive(), is(true));
        assertThat("first file done within 60 s", System.currentTimeMillis() < deadline, is(true));
        Thread.sleep(100);
      }
      Process second = VisitProcess.launch(POSTGRES, dir, "concurrent-runs-second");
      assertThat("the second pipeline ends by itself", second.waitFor(60, TimeUnit.SECONDS), is(true));
      assertThat(second.exitValue(), is(1));
      assertThat(VisitProcess.logText("concurrent-runs-second"),
          containsString("another continuous visit pipeline is already ingesting"));
      assertThat("the first one goes on", first.isAlive(), is(true));
    } finally {
      first.destroy();
      first.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** "the same input" whatever its spelling: /x/./in/ passed beside /x/in. */
  @Test
  void aContinuousInputSpelledAnotherWayIsTheSameInputAndRefused() throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("in"));
    String plain = VisitPipeline.continuousInput(VisitPipelineTest.options(dir.resolve("in").toString()));
    String dotted = VisitPipeline.continuousInput(VisitPipelineTest.options(dir + "/./in/"));
    String climbed = VisitPipeline.continuousInput(VisitPipelineTest.options(dir + "/in/../in"));

    assertThat(dotted, equalTo(plain));
    assertThat(climbed, equalTo(plain));
    try (dev.fieldflow.ingest.visits.ContinuousInputLock first =
        dev.fieldflow.ingest.visits.ContinuousInputLock.take(POSTGRES.writer(), plain)) {
      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> dev.fieldflow.ingest.visits.ContinuousInputLock.take(POSTGRES.writer(), dotted));
      assertThat(refused.getMessage(),
          containsString("another continuous visit pipeline is already ingesting"));
    }
  }

  @Test
  void theAnalystCannotTakeAnAdvisoryLock() throws Exception {
    try (Connection c = POSTGRES.analyst().dataSource().getConnection()) {
      SQLException refused = assertThrows(SQLException.class,
          () -> c.createStatement().execute("SELECT pg_advisory_lock(1)"));
      assertThat(refused.getSQLState(), is("42501"));
      SQLException shared = assertThrows(SQLException.class,
          () -> c.createStatement().execute("SELECT pg_try_advisory_lock_shared(1)"));
      assertThat(shared.getSQLState(), is("42501"));
    }
  }

  @Test
  void anAnalystHoldingEveryLockItMayTakeDoesNotStopALoad() throws Exception {
    write(dir.resolve("a.jsonl"), visits(1, 50));
    try (Connection analyst = POSTGRES.analyst().dataSource().getConnection()) {
      analyst.setAutoCommit(false);
      // The strongest table lock SELECT allows, held in an open transaction through the load.
      analyst.createStatement().execute("LOCK TABLE fieldflow.visits, fieldflow.tasks,"
          + " fieldflow.nodes IN ACCESS SHARE MODE");
      SQLException rowLock = assertThrows(SQLException.class,
          () -> analyst.createStatement().execute("SELECT 1 FROM fieldflow.nodes FOR SHARE"));
      assertThat(rowLock.getSQLState(), is("42501"));
      analyst.rollback();
      analyst.createStatement().execute("LOCK TABLE fieldflow.visits, fieldflow.tasks,"
          + " fieldflow.nodes IN ACCESS SHARE MODE");

      VisitLedger.RunSummary run = once();

      assertThat(run.describe(), run.loaded(), is(50L));
      analyst.rollback();
    }
  }

  private VisitLedger.RunSummary once() throws Exception {
    return VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());
  }

  private VisitLedger.Listed listed(String name) throws Exception {
    return ClaimLeaseTest.listed(dir.resolve(name));
  }
}
