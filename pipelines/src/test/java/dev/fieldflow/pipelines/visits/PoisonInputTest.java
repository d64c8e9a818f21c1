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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * No input stops the ingestion of other files or loses a line: good files mixed with every
 * poison class of {@code test-data/bad-input} (ignored names, whole-file refusals, lines the
 * reader or the parser rejects, a value only PostgreSQL refuses) load exactly, every bad line
 * and file ends with its reason, and a second run changes nothing.
 */
class PoisonInputTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  private static final Path CORPUS = Path.of("..", "test-data", "bad-input");

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  /** {@code files.expected.tsv}: file, outcome (ignored, read, failed), detail. */
  private static List<String[]> expectedFiles() throws Exception {
    List<String[]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(CORPUS.resolve("files.expected.tsv"))) {
      if (!line.startsWith("file\t") && !line.isBlank()) {
        rows.add(line.split("\t"));
      }
    }
    return rows;
  }

  @Test
  void goodFilesMixedWithEveryPoisonClassLoadExactlyAndEveryBadThingHasItsReason() throws Exception {
    try (Stream<Path> files = Files.list(CORPUS.resolve("files"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    Files.copy(CORPUS.resolve("visits-bad.jsonl"), dir.resolve("visits-bad.jsonl"));
    write(dir.resolve("good-1.jsonl"), visits(1_000_000, 500));
    write(dir.resolve("good-2.jsonl"), visits(2_000_000, 500));

    VisitLedger.RunSummary first = VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    List<String[]> expected = expectedFiles();
    long ignored = expected.stream().filter(r -> r[1].equals("ignored")).count();
    long refused = expected.stream().filter(r -> r[1].equals("failed")).count();
    long read = expected.stream().filter(r -> r[1].equals("read")).count();
    assertThat(first.describe(), first.filesFailed(), is(refused));
    assertThat(first.describe(), first.filesDone(), is(read + 3));
    assertThat("ignored names never reach the ledger", POSTGRES.count(
        "SELECT count(*) FROM fieldflow.ingest_files"), is(read + refused + 3));
    for (String[] row : expected) {
      String file = row[0];
      long inLedger = POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE path LIKE ?", "%/" + file);
      switch (row[1]) {
        case "ignored" -> assertThat(file, inLedger, is(0L));
        case "failed" -> {
          List<Object> ledger = POSTGRES.rows("SELECT status, error, retry_after = 'infinity'"
              + " FROM fieldflow.ingest_files WHERE path LIKE ?", "%/" + file).get(0);
          assertThat(file, ledger.get(0), is("failed"));
          assertThat(file, (String) ledger.get(1), containsString(row[2]));
          assertThat(file + " is not retried by time", ledger.get(2), is(true));
        }
        default -> {
          assertThat(file, POSTGRES.rows("SELECT status FROM fieldflow.ingest_files WHERE path LIKE ?",
              "%/" + file), equalTo(List.of(List.of("done"))));
          List<String> outcomes = new ArrayList<>();
          for (String outcome : row[2].split(",")) {
            if (!outcome.endsWith(":ok")) {
              outcomes.add(outcome);
            }
          }
          List<String> stored = new ArrayList<>();
          POSTGRES.rows("SELECT line_number || ':' || reason_code FROM fieldflow.rejected_records"
              + " WHERE file LIKE ? ORDER BY line_number", "%/" + file).forEach(r -> stored.add((String) r.get(0)));
          assertThat(file, stored, equalTo(outcomes));
        }
      }
    }
    // The good files are whole; every line of every file read is accounted for.
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits WHERE task_id >= 1000000"), is(1_000L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'"
        + " AND lines_read <> rows_loaded + updates + duplicates + rejected"), is(0L));
    List<List<Object>> badLines = POSTGRES.rows("SELECT line_number, reason_code FROM fieldflow.rejected_records"
        + " WHERE file LIKE '%/visits-bad.jsonl' ORDER BY line_number");
    List<List<Object>> expectedBad = new ArrayList<>();
    for (String line : Files.readAllLines(CORPUS.resolve("visits-bad.expected.tsv"))) {
      String[] cols = line.split("\t");
      if (!cols[0].equals("line_number") && !cols[1].equals("ok")) {
        expectedBad.add(List.of(Long.parseLong(cols[0]), cols[1]));
      }
    }
    assertThat(badLines, equalTo(expectedBad));
    // Mostly rejected: loaded, but flagged; a good file is not.
    assertThat(POSTGRES.rows("SELECT coalesce(warning LIKE 'high reject ratio: %', false) FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%/visits-bad.jsonl' OR path LIKE '%/good-1.jsonl' ORDER BY path"),
        equalTo(List.of(List.of(false), List.of(true))));

    long visits = POSTGRES.count("SELECT count(*) FROM fieldflow.visits");
    long rejects = POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records");
    VisitLedger.RunSummary second = VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    assertThat("a second run loads nothing", second.loaded() + second.updates(), is(0L));
    assertThat(second.describe(), second.filesFailed(), is(refused));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(visits));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records"), is(rejects));
  }

  @Test
  void aValueOnlyPostgresRefusesIsQuarantinedAsDbRefusedAndTheRestOfTheFileLoads() throws Exception {
    // A rule the parser does not know (a DBA's check): the database is the last line of defence.
    POSTGRES.execute("ALTER TABLE fieldflow.visits ADD CONSTRAINT test_no_age_99 CHECK (node_age <> 99)");
    try {
      List<String> lines = new ArrayList<>();
      for (int i = 1; i <= 600; i++) {
        String line = visit(5_000 + i, 1);
        lines.add(i == 17 || i == 450 ? line.replace("\"node_age\": 23", "\"node_age\": 99") : line);
      }
      write(dir.resolve("poisoned.jsonl"), lines);
      write(dir.resolve("clean.jsonl"), visits(9_000, 100));

      VisitLedger.RunSummary run = VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

      assertThat(run.describe(), run.filesDone(), is(2L));
      assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, rejected, status FROM fieldflow.ingest_files"
              + " WHERE path LIKE '%poisoned.jsonl'"), equalTo(List.of(List.of(600L, 598L, 2L, "done"))));
      List<List<Object>> refused = POSTGRES.rows("SELECT line_number, reason_code, message"
          + " FROM fieldflow.rejected_records ORDER BY line_number");
      assertThat(refused.size(), is(2));
      assertThat(refused.get(0).subList(0, 2), equalTo(List.of(17L, "db_refused")));
      assertThat(refused.get(1).subList(0, 2), equalTo(List.of(450L, "db_refused")));
      assertThat((String) refused.get(0).get(2), containsString("test_no_age_99"));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(698L));
    } finally {
      POSTGRES.execute("ALTER TABLE fieldflow.visits DROP CONSTRAINT test_no_age_99");
    }
  }

  /**
   * The fast load stops at a value PostgreSQL refuses, before the corrupt end of the gzip; the
   * careful load that follows is the first to reach it, and refuses the file as the fast one
   * would have: for good, not retried by time.
   */
  @Test
  void aCorruptGzipFirstReachedByTheCarefulLoadIsRefusedNotRetried() throws Exception {
    POSTGRES.execute("ALTER TABLE fieldflow.visits ADD CONSTRAINT test_no_age_99 CHECK (node_age <> 99)");
    try {
      StringBuilder lines = new StringBuilder();
      for (int i = 1; i <= 600; i++) {
        String line = visit(7_000 + i, 1);
        lines.append(i == 17 ? line.replace("\"node_age\": 23", "\"node_age\": 99") : line).append('\n');
      }
      byte[] gzip = VisitLines.gzip(lines.toString().getBytes(StandardCharsets.UTF_8));
      Files.write(dir.resolve("truncated.jsonl.gz"), Arrays.copyOf(gzip, gzip.length - 20));
      VisitPipelineOptions options = VisitPipelineTest.options(dir.toString());
      options.setMergeChunkRows(100);

      VisitLedger.RunSummary run = VisitPipeline.runOnce(options, POSTGRES.writer());

      assertThat(run.describe(), run.filesFailed(), is(1L));
      List<Object> ledger = POSTGRES.rows("SELECT status, error, retry_after = 'infinity'"
          + " FROM fieldflow.ingest_files WHERE path LIKE '%/truncated.jsonl.gz'").get(0);
      assertThat(ledger.get(0), is("failed"));
      assertThat((String) ledger.get(1), containsString(": corrupt_gzip: it is truncated"));
      assertThat("not retried by time", ledger.get(2), is(true));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(0L));
    } finally {
      POSTGRES.execute("ALTER TABLE fieldflow.visits DROP CONSTRAINT test_no_age_99");
    }
  }
}
