package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.SQLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ledger's own checks: a done file accounts for every line it had, whoever writes it. */
class LedgerChecksTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @BeforeEach
  void emptyLedger() {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
  }

  /** 10 lines: 5 loaded, 2 updates, 1 duplicate, 2 rejected. */
  private static void doneFile(String pipeline) {
    POSTGRES.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status,"
        + " lines_read, records_read, rows_loaded, updates, duplicates, rejected, finished_at)"
        + " VALUES (?, '/data/a.jsonl', 'size:1,mtime:1', 'done', 10, 8, 5, 2, 1, 2, now())", pipeline);
  }

  @Test
  void aDoneVisitFileWhoseLinesAreNotAllAccountedForIsRefusedEvenToTheWriter() {
    doneFile("visit");

    SQLException refused = assertThrows(SQLException.class, () -> POSTGRES.executeAs(POSTGRES.writer(),
        "UPDATE fieldflow.ingest_files SET lines_read = lines_read + 5"));

    assertThat(refused.getSQLState(), is("23514"));
    assertThat(refused.getMessage(), containsString("ingest_files_visit_lines_accounted"));
    assertThat(POSTGRES.count("SELECT lines_read FROM fieldflow.ingest_files"), is(10L));
  }

  @Test
  void aVisitFileNotDoneYetAndANetworkFileCountingNeighboursAreNotHeldToIt() throws Exception {
    doneFile("network");
    POSTGRES.executeAs(POSTGRES.writer(), "UPDATE fieldflow.ingest_files SET lines_read = 4");
    POSTGRES.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, lines_read)"
        + " VALUES ('visit', '/data/b.jsonl', 'size:1,mtime:1', 'running', 7)");

    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"), is(2L));
  }
}
