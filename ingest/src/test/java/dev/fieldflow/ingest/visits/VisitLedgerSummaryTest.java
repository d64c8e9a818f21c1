package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
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
}
