package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The summary at the end of a {@code --once} run ({@link VisitLedger#summarizeRuns}). */
class VisitLedgerSummaryTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  private static final String LEDGER_ROW = "INSERT INTO fieldflow.ingest_files (pipeline, path, version,"
      + " status, run_id, lines_read, records_read, rows_loaded, updates, duplicates, rejected, error,"
      + " finished_at) ";

  @Test
  void aRunIsSummedFromItsOwnLedgerRowsWithoutScanningTheLedger() throws Exception {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
    // 20,000 files of earlier runs, then this run's three done files and one failed.
    POSTGRES.execute(LEDGER_ROW + "SELECT 'visit', '/old/' || g || '.jsonl', 'v1', 'done',"
        + " ('00000000-0000-0000-0000-' || lpad(to_hex(g % 50), 12, '0'))::uuid, 10, 10, 10, 0, 0, 0, NULL,"
        + " now() - interval '2 days' FROM generate_series(1, 20000) g");
    UUID run = UUID.randomUUID();
    POSTGRES.execute(LEDGER_ROW + "VALUES"
        + " ('visit', '/new/a.jsonl', 'v1', 'done', ?::uuid, 12, 10, 7, 2, 1, 2, NULL, now()),"
        + " ('visit', '/new/b.jsonl', 'v1', 'done', ?::uuid, 5, 5, 5, 0, 0, 0, NULL, now()),"
        + " ('visit', '/new/c.jsonl', 'v1', 'done', ?::uuid, 3, 2, 0, 0, 2, 1, NULL, now()),"
        + " ('visit', '/new/d.jsonl', 'v1', 'failed', ?::uuid, 0, 0, 0, 0, 0, 0, 'read: gzip bomb', now())",
        run.toString(), run.toString(), run.toString(), run.toString());
    POSTGRES.execute("ANALYZE fieldflow.ingest_files");

    long before = SequentialScans.of(POSTGRES, "fieldflow.ingest_files");
    VisitLedger.RunSummary summary;
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      summary = VisitLedger.summarizeRuns(c, List.of(run));
      SequentialScans.flush(c);
    }

    assertThat(SequentialScans.of(POSTGRES, "fieldflow.ingest_files") - before, is(0L));
    assertThat(summary.filesDone(), is(3L));
    assertThat(summary.filesFailed(), is(1L));
    assertThat(summary.lines(), is(20L));
    assertThat(summary.loaded(), is(12L));
    assertThat(summary.updates(), is(2L));
    assertThat(summary.duplicates(), is(3L));
    assertThat(summary.rejected(), is(3L));
    assertThat(summary.failures(), contains("/new/d.jsonl: read: gzip bomb"));
  }

  @Test
  void filesLeftRunningAreNotFinishedAndFilesOfAnotherLiveRunAreNamedAsItsOwn() throws Exception {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
    UUID run = UUID.randomUUID();
    UUID live = UUID.randomUUID();
    UUID dead = UUID.randomUUID();
    POSTGRES.execute(LEDGER_ROW + "VALUES"
        + " ('visit', '/in/a.jsonl', 'v1', 'done', ?::uuid, 5, 5, 5, 0, 0, 0, NULL, now()),"
        + " ('visit', '/in/b.jsonl', 'v1', 'running', ?::uuid, 0, 0, 0, 0, 0, 0, NULL, NULL),"
        + " ('visit', '/in/c.jsonl', 'v1', 'running', ?::uuid, 0, 0, 0, 0, 0, 0, NULL, NULL),"
        + " ('visit', '/elsewhere/d.jsonl', 'v1', 'running', ?::uuid, 0, 0, 0, 0, 0, 0, NULL, NULL),"
        + " ('visit', '/in/e.jsonl', 'v1', 'running', ?::uuid, 0, 0, 0, 0, 0, 0, NULL, NULL)",
        run.toString(), run.toString(), live.toString(), live.toString(), dead.toString());

    VisitLedger.RunSummary summary;
    // The live run holds its lock for as long as its session is open; the dead one has none.
    try (RetryingDatabase liveRun = RetryingDatabase.forRun(POSTGRES.writer(), Duration.ofSeconds(5), live);
        Connection c = POSTGRES.writer().dataSource().getConnection()) {
      liveRun.inTransaction("holding the live run's lock", session -> null);
      summary = VisitLedger.summarizeRuns(c, List.of(run), path -> path.startsWith("/in/"));
    }

    assertThat(summary.filesDone(), is(1L));
    assertThat(summary.filesFailed(), is(0L));
    assertThat(summary.filesUnfinished(), is(1L));
    assertThat(summary.filesNotIngested(), is(1L));
    assertThat(summary.failures(), contains(startsWith("/in/b.jsonl: not finished")));
    assertThat(summary.heldElsewhere(), contains(new VisitLedger.HeldFile("/in/c.jsonl", live)));
    assertThat(summary.describe(), is("1 file(s) ingested, 0 failed; 5 lines: 5 loaded, 0 updated,"
        + " 0 duplicates, 0 rejected; 1 file(s) not finished (this run stopped before their commit;"
        + " the next run reads them again); 1 file(s) left to run " + live + ", which is loading"
        + " them now (./manage.sh status shows their progress)"));
  }
}
