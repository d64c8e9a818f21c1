package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visit;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The visit pipeline with {@code --once}: DirectRunner, a real PostgreSQL, files on disk. */
class VisitPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  static VisitPipelineOptions options(String input) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(
        "--runner=DirectRunner", "--targetParallelism=2", "--once").as(VisitPipelineOptions.class);
    options.setVisitsInput(input);
    options.setBatchSize(100);
    options.setBatchMaxBufferingMillis(200);
    options.setDbConnectTimeoutSeconds(5);
    return options;
  }

  private VisitLedger.RunSummary once() throws Exception {
    return VisitPipeline.runOnce(options(dir.toString()), POSTGRES.writer());
  }

  /** lines_read, rows_loaded, updates, duplicates, rejected, status of one file. */
  private List<Object> ledger(String name) {
    List<List<Object>> rows = POSTGRES.rows(
        "SELECT lines_read, rows_loaded, updates, duplicates, rejected, status, attempts"
            + " FROM fieldflow.ingest_files WHERE path = ?", dir.resolve(name).toString());
    assertThat("ledger rows of " + name, rows.size(), is(1));
    return rows.get(0);
  }

  @Test
  void ingestsEveryLineOfEveryFileWithExactCounts() throws Exception {
    write(dir.resolve("a.jsonl"), visits(1, 250));
    write(dir.resolve("b.jsonl"), visits(1001, 3) + "not json\n\n" + visit(2000, 1) + "\n");

    VisitLedger.RunSummary run = once();

    assertThat(run.describe(), run.filesDone(), is(2L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(254L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.tasks"), is(254L));
    assertThat(ledger("a.jsonl"), equalTo(List.of(250L, 250L, 0L, 0L, 0L, "done", 1)));
    assertThat(ledger("b.jsonl"), equalTo(List.of(5L, 4L, 0L, 0L, 1L, "done", 1)));
    assertThat(POSTGRES.rows("SELECT line_number, reason_code FROM fieldflow.rejected_records"),
        equalTo(List.of(List.of(4L, "not_json"))));
  }

  @Test
  void storesEveryFieldOfAVisit() throws Exception {
    write(dir.resolve("a.jsonl"), List.of(visit(4167, 2, 487, "2019-10-03", "FAIL", "196 195 150")));

    once();

    assertThat(POSTGRES.rows("SELECT task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line FROM fieldflow.visits"),
        equalTo(List.of(List.of(4167L, 2, 487, LocalDate.of(2019, 10, 3), 23, 4, "FAIL",
            List.of(196, 195, 150), dir.resolve("a.jsonl").toString(), 1L))));
    assertThat(POSTGRES.rows("SELECT task_id, task_type, node_id, original_reported_date FROM fieldflow.tasks"),
        equalTo(List.of(List.of(4167L, 6, 487, LocalDate.of(2019, 9, 16)))));
    assertThat(POSTGRES.rows("SELECT node_id, node_type FROM fieldflow.nodes"),
        equalTo(List.of(List.of(487, 2))));
  }

  @Test
  void aSecondRunDoesNotReadFilesAlreadyDone() throws Exception {
    write(dir.resolve("a.jsonl"), visits(1, 20));
    once();

    VisitLedger.RunSummary again = once();

    assertThat(again.describe(), again.filesDone(), is(0L));
    assertThat(ledger("a.jsonl"), equalTo(List.of(20L, 20L, 0L, 0L, 0L, "done", 1)));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(20L));
  }

  @Test
  void theSameVisitResentChangesNothingAndAChangedVisitIsAnUpdate() throws Exception {
    write(dir.resolve("a.jsonl"), List.of(visit(1, 1), visit(2, 1)));
    once();
    List<List<Object>> before = POSTGRES.rows("SELECT ingested_at FROM fieldflow.visits WHERE task_id = 1");
    write(dir.resolve("b.jsonl"), List.of(
        visit(1, 1), // identical
        visit(2, 1, 7, "2020-05-05", "FAIL", "9 9"), // changed
        visit(3, 1)));

    once();

    assertThat(ledger("b.jsonl"), equalTo(List.of(3L, 1L, 1L, 1L, 0L, "done", 1)));
    assertThat(POSTGRES.rows("SELECT ingested_at FROM fieldflow.visits WHERE task_id = 1"), equalTo(before));
    assertThat(POSTGRES.rows("SELECT node_id, visit_date, outcome, note_tokens, source_file"
            + " FROM fieldflow.visits WHERE task_id = 2"),
        equalTo(List.of(List.of(7, LocalDate.of(2020, 5, 5), "FAIL", List.of(9, 9),
            dir.resolve("b.jsonl").toString()))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(3L));
  }

  @Test
  void withinOneFileTheLastLineOfAVisitWinsAndEveryLineIsCounted() throws Exception {
    write(dir.resolve("a.jsonl"), List.of(
        visit(1, 1, 5, "2020-01-01", "FAIL", "1"),
        visit(1, 1, 5, "2020-01-01", "FAIL", "1"), // duplicate of line 1
        visit(1, 1, 5, "2020-01-02", "SUCCESS", "1"))); // changes it

    once();

    assertThat(ledger("a.jsonl"), equalTo(List.of(3L, 1L, 1L, 1L, 0L, "done", 1)));
    assertThat(POSTGRES.rows("SELECT visit_date, outcome, source_line FROM fieldflow.visits"),
        equalTo(List.of(List.of(LocalDate.of(2020, 1, 2), "SUCCESS", 3L))));
  }

  @Test
  void aNewVersionOfTheSamePathIsIngestedAgain() throws Exception {
    Path file = write(dir.resolve("a.jsonl"), List.of(visit(1, 1)));
    once();
    write(file, List.of(visit(1, 1), visit(1, 2)));
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));

    once();

    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, duplicates FROM fieldflow.ingest_files"
            + " ORDER BY file_id"),
        equalTo(List.of(List.of(1L, 1L, 0L), List.of(2L, 1L, 1L))));
  }

  @Test
  void aHalfIngestedFileOfAStoppedRunIsReadAgain() throws Exception {
    Path file = write(dir.resolve("a.jsonl"), visits(1, 30));
    // What a killed run leaves: the file running for that run; its transaction never committed.
    once();
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET status = 'running', run_id = ?::uuid,"
        + " lines_read = 0, records_read = 0, rows_loaded = 0", UUID.randomUUID().toString());
    POSTGRES.execute("DELETE FROM fieldflow.visits WHERE task_id > 10");

    VisitLedger.RunSummary run = once();

    assertThat(run.describe(), run.filesDone(), is(1L));
    assertThat(ledger(file.getFileName().toString()), equalTo(List.of(30L, 20L, 0L, 10L, 0L, "done", 2)));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(30L));
  }

  @Test
  void anUnreadableFileIsMarkedFailedAndTriedAgainWithoutStoppingTheOthers() throws Exception {
    byte[] gz = VisitLines.gzip(visits(1, 50).getBytes(StandardCharsets.UTF_8));
    byte[] corrupt = java.util.Arrays.copyOf(gz, gz.length / 2);
    Files.write(dir.resolve("broken.jsonl.gz"), corrupt);
    write(dir.resolve("good.jsonl"), visits(100, 5));

    VisitLedger.RunSummary run = once();

    assertThat(run.describe(), run.filesDone(), is(1L));
    assertThat(run.filesFailed(), is(1L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(5L));
    List<Object> broken = POSTGRES.rows("SELECT status, attempts, error FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%broken%'").get(0);
    assertThat(broken.get(0), is("failed"));
    assertThat((String) broken.get(2), containsString("broken.jsonl.gz"));

    once();
    assertThat(POSTGRES.count("SELECT attempts FROM fieldflow.ingest_files WHERE path LIKE '%broken%'"), is(2L));
  }
}
