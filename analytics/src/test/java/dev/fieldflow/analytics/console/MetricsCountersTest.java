package dev.fieldflow.analytics.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rows and lines /metrics exports as Prometheus counters never fall when the ledger is
 * repaired. They were the finished files' current counts: a probe's requeue took
 * fieldflow_lines_rejected_total from 14 to 11, which Prometheus reads as a counter reset. Each
 * repair is made here as its command writes the ledger (Requeue, Replay, the pipeline's claim
 * and load); the ledger's trigger (V30) keeps the counts.
 */
class MetricsCountersTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeEach
  void aDoneFileWithThreeRejectedLines() {
    db.execute("TRUNCATE fieldflow.ingest_files CASCADE");
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, lines_read,"
        + " records_read, rows_loaded, updates, duplicates, rejected, finished_at) VALUES"
        + " ('visit', '/in/a.jsonl', 'v1', 'done', 10, 7, 5, 1, 1, 3, now())");
  }

  private static Metrics.Counted visit() throws SQLException {
    try (Connection monitor = db.monitor().dataSource().getConnection()) {
      return Metrics.counted(monitor).get("visit");
    }
  }

  @Test
  void aRequeueMovesLinesToLoadedAndTheRejectedCounterStays() throws Exception {
    assertThat(visit(), is(new Metrics.Counted(5, 1, 1, 3)));

    // Requeue admitted 2 of the 3 lines: one loaded, one a duplicate.
    db.execute("UPDATE fieldflow.ingest_files SET rejected = rejected - 2, records_read ="
        + " records_read + 2, rows_loaded = rows_loaded + 1, duplicates = duplicates + 1");

    assertThat(visit(), is(new Metrics.Counted(6, 1, 2, 3)));
  }

  @Test
  void aReplayAddsItsReadAndNothingFallsWhileItRuns() throws Exception {
    // While the replay reads the file, its row is running with its last read's counts.
    db.execute("UPDATE fieldflow.ingest_files SET status = 'running', attempts = 2");
    assertThat(visit(), is(new Metrics.Counted(5, 1, 1, 3)));

    // The replay commits: every row a duplicate now, 1 line still rejected.
    db.execute("UPDATE fieldflow.ingest_files SET status = 'done', records_read = 9,"
        + " rows_loaded = 0, updates = 0, duplicates = 9, rejected = 1,"
        + " finished_at = now() + interval '1 second'");

    assertThat(visit(), is(new Metrics.Counted(5, 1, 10, 4)));
  }

  /**
   * A probe killed a replay mid-file, then ran the pipeline, which read the file again: the row
   * kept the first read's counts while running, and the second read replaced them.
   */
  @Test
  void aReadAfterAKilledReplayAddsToTheCountsTheRowKept() throws Exception {
    db.execute("UPDATE fieldflow.ingest_files SET status = 'running', attempts = 2"); // killed
    // The pipeline claims the row again (its finished_at cleared) and loads it: all duplicates.
    db.execute("UPDATE fieldflow.ingest_files SET attempts = 3, finished_at = NULL");
    db.execute("UPDATE fieldflow.ingest_files SET status = 'done', records_read = 7,"
        + " rows_loaded = 0, updates = 0, duplicates = 7, rejected = 3, finished_at = now()");

    assertThat(visit(), is(new Metrics.Counted(5, 1, 8, 6)));
  }

  @Test
  void aFailedReplayGivingTheRowItsStateBackCountsNothing() throws Exception {
    db.execute("UPDATE fieldflow.ingest_files SET status = 'running', attempts = 2");
    db.execute("UPDATE fieldflow.ingest_files SET status = 'done'"); // its finished_at unchanged

    assertThat(visit(), is(new Metrics.Counted(5, 1, 1, 3)));
  }
}
