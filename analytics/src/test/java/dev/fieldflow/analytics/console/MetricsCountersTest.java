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
 * repair is made here as its command writes the ledger (Requeue, Replay).
 */
class MetricsCountersTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  private long fileId;

  @BeforeEach
  void aDoneFileWithThreeRejectedLines() {
    db.execute("TRUNCATE fieldflow.ingest_files CASCADE");
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, lines_read,"
        + " records_read, rows_loaded, updates, duplicates, rejected, finished_at) VALUES"
        + " ('visit', '/in/a.jsonl', 'v1', 'done', 10, 7, 5, 1, 1, 3, now())");
    fileId = db.count("SELECT file_id FROM fieldflow.ingest_files");
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
        + " records_read + 2, rows_loaded = rows_loaded + 1, duplicates = duplicates + 1,"
        + " requeued = requeued + 2");

    assertThat(visit(), is(new Metrics.Counted(6, 1, 2, 3)));
  }

  @Test
  void aReplayAddsItsReadAndNothingFallsWhileItRuns() throws Exception {
    // While the replay reads the file, its row is running with its last read's counts.
    db.execute("UPDATE fieldflow.ingest_files SET status = 'running', attempts = 2");
    assertThat(visit(), is(new Metrics.Counted(5, 1, 1, 3)));

    // The replay commits: every row a duplicate now, 1 line still rejected.
    db.execute("INSERT INTO fieldflow.file_replays (file_id, attempt, why, fieldflow_version,"
        + " lines_read, rows_loaded, updates, duplicates, rejected, readmitted, previous_status,"
        + " previous_lines_read, previous_rows_loaded, previous_updates, previous_duplicates,"
        + " previous_rejected) VALUES (" + fileId + ", 2, 'test', 'test', 10, 0, 0, 9, 1, 2,"
        + " 'done', 10, 5, 1, 1, 3)");
    db.execute("UPDATE fieldflow.ingest_files SET status = 'done', records_read = 9,"
        + " rows_loaded = 0, updates = 0, duplicates = 9, rejected = 1");

    assertThat(visit(), is(new Metrics.Counted(5, 1, 10, 4)));
  }
}
