package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.load;
import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.repair.RepairFixtures.settings;
import static dev.fieldflow.pipelines.repair.RequeueTest.padded;
import static dev.fieldflow.pipelines.visits.VisitLines.visit;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import dev.fieldflow.pipelines.visits.VisitLines;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysts' provenance views, read as the analyst role: for a visit its file, line and load
 * time; for a file what it contributed, through a requeue and a replay.
 */
class ProvenanceTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @org.junit.jupiter.api.BeforeEach
  void emptyModel() {
    RepairFixtures.emptyModel(POSTGRES);
  }

  @Test
  void analystsSeeWhereAVisitCameFromAndWhatAFileContributed() throws Exception {
    Path a = VisitLines.write(dir.resolve("in/a.jsonl"),
        List.of(visit(1, 1), visit(2, 1), padded(visit(3, 1))));
    load(POSTGRES, dir.resolve("in"), RequeueTest.NARROW);

    assertThat(POSTGRES.rowsAs(POSTGRES.analyst(), "SELECT source_file, source_line,"
            + " loaded_at = (SELECT last_loaded_at FROM analytics.file_provenance)"
            + " FROM analytics.visit_provenance WHERE task_id = 2 AND visit_id = 1"),
        equalTo(List.of(List.of(a.toString(), 2L, true))));
    assertThat(fileProvenance(), equalTo(List.of(
        List.of(a.toString(), "done", 3L, 2L, 0L, 0L, 1L, 0L, 0, 2L, 0L, true))));

    VisitPipelineOptions options = options(dir.resolve("in").toString());
    Requeue.requeue(options, POSTGRES.writer(), Requeue.Selection.of("line_too_long", null, null),
        settings(options), new PrintStream(OutputStream.nullOutputStream()));
    assertThat(fileProvenance(), equalTo(List.of(
        List.of(a.toString(), "done", 3L, 3L, 0L, 0L, 0L, 1L, 0, 3L, 0L, true))));
    assertThat(POSTGRES.rowsAs(POSTGRES.analyst(), "SELECT source_file, source_line"
            + " FROM analytics.visit_provenance WHERE task_id = 3"),
        equalTo(List.of(List.of(a.toString(), 3L))));

    Replay.replay(options, POSTGRES.writer(), a.toString(), null, "check", settings(options));
    // The replay's read is all duplicates; the first load's and the requeue's rows stay counted.
    assertThat(fileProvenance(), equalTo(List.of(
        List.of(a.toString(), "done", 3L, 0L, 0L, 3L, 0L, 1L, 1, 3L, 0L, true))));
    assertThat(POSTGRES.count("SELECT count(*) FROM analytics.file_provenance"
        + " WHERE first_loaded_at < last_loaded_at AND last_replayed_at = last_loaded_at"), is(1L));
  }

  /** A version no read committed was said to be loaded at the time it failed. */
  @Test
  void aFileThatFailedAndNeverLoadedHasNoLoadTime() throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("in"));
    java.nio.file.Files.write(dir.resolve("in/b.jsonl.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
    load(POSTGRES, dir.resolve("in"), RequeueTest.NARROW);

    assertThat(POSTGRES.rowsAs(POSTGRES.analyst(), "SELECT status, first_loaded_at IS NULL,"
            + " last_loaded_at IS NULL FROM analytics.file_provenance"),
        equalTo(List.of(List.of("failed", true, true))));
  }

  private List<List<Object>> fileProvenance() throws Exception {
    return POSTGRES.rowsAs(POSTGRES.analyst(), "SELECT path, status, lines_read, rows_loaded,"
        + " updates, duplicates, rejected, readmitted, replays, rows_loaded_all_reads,"
        + " updates_all_reads, first_loaded_at IS NOT NULL FROM analytics.file_provenance");
  }
}
