package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The visit pipeline as an operator runs it, in its own JVM: killed with SIGKILL in the middle
 * of a file, then started again.
 */
@Tag("slow")
class KilledVisitPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static final int FILES = 12;
  static final int LINES = 4_000;

  @TempDir Path dir;

  @Test
  void killedMidFileAndRestartedItEndsWithExactlyTheExpectedRowsReadingNoDoneFileAgain() throws Exception {
    for (int f = 0; f < FILES; f++) {
      write(dir.resolve("in").resolve(String.format("visits-%03d.jsonl", f)), visits(f * 100_000L, LINES));
    }
    Process first = VisitProcess.launch(POSTGRES, dir, "killed-visit-pipeline-first");
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      // Mid-file: one file done and another one's load in an open transaction.
      while (POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'") < 1
          || POSTGRES.count("SELECT count(*) FROM pg_stat_activity WHERE xact_start IS NOT NULL"
              + " AND (query LIKE '%visit_stage%' OR query LIKE 'COPY fieldflow.visits %')") == 0) {
        assertThat("first run still alive", first.isAlive(), is(true));
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("no file was mid-ingest within 120 s");
        }
        Thread.sleep(20);
      }
    } finally {
      first.destroyForcibly(); // SIGKILL
      first.waitFor(30, TimeUnit.SECONDS);
    }
    List<List<Object>> doneByFirst = POSTGRES.rows(
        "SELECT path FROM fieldflow.ingest_files WHERE status = 'done' ORDER BY path");
    assertThat("files left running by the killed run",
        POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'running'"), greaterThan(0L));

    Process second = VisitProcess.launch(POSTGRES, dir, "killed-visit-pipeline-second");
    try {
      awaitDone(POSTGRES, FILES, 180_000);
    } finally {
      second.destroy(); // SIGTERM: the operator's stop
      second.waitFor(30, TimeUnit.SECONDS);
    }

    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is((long) FILES * LINES));
    assertThat(POSTGRES.rows("SELECT DISTINCT lines_read, records_read, rejected, status"
            + " FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of((long) LINES, (long) LINES, 0L, "done"))));
    // Lines the killed run had written (never committed) and re-read count as loaded once.
    assertThat(POSTGRES.count("SELECT sum(rows_loaded) FROM fieldflow.ingest_files"), is((long) FILES * LINES));
    // Files done before the kill were not read again: still their first attempt.
    for (List<Object> done : doneByFirst) {
      assertThat(done.get(0) + " attempts", POSTGRES.count(
          "SELECT attempts FROM fieldflow.ingest_files WHERE path = ?", done.get(0)), is(1L));
    }
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE attempts = 2"), greaterThan(0L));
  }
}
