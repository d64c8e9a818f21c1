package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visit;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad-input class of the data contract ends in the quarantine with its code, counted in
 * the ledger, in plain, gzip, CRLF and BOM files; an empty file and a 10 MB line are fine too.
 */
class BadInputTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  /** One bad line per reject code of the contract, in code order, then one good line. */
  private static final List<String> BAD_LINES = List.of(
      "{\"task_id\": \"TASK1\",", // not_json
      "[1, 2, 3]", // not_object
      visit(1, 1).replace("\"outcome\": \"SUCCESS\"", "\"other\": 1"), // missing_field
      visit(1, 1).replace("\"NODE1\"", "null"), // null_field
      visit(1, 1).replace("\"TASK1\"", "\"TASKx9\""), // bad_id
      visit(1, 1).replace("\"visit_id\": 1", "\"visit_id\": 1.5"), // bad_number
      visit(1, 1).replace("\"node_age\": 23", "\"node_age\": -4"), // out_of_range
      visit(1, 1).replace("\"2020-01-02\"", "\"2020-13-45\""), // bad_date
      visit(1, 1).replace("SUCCESS", "MAYBE"), // bad_outcome
      visit(1, 1).replace("1 2 3", "1 two 3"), // bad_note_token
      visit(1, 1).replace("{\"task_id\"", "{\"task_id\": \"TASK2\", \"task_id\"")); // conflicting_field

  private static final List<String> CODES = List.of("not_json", "not_object", "missing_field",
      "null_field", "bad_id", "bad_number", "out_of_range", "bad_date", "bad_outcome",
      "bad_note_token", "conflicting_field", "bad_encoding");

  /** The bad lines, a line of bad UTF-8, and a good line; with {@code eol} line ends. */
  private static byte[] content(String eol, boolean bom, long goodTask) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (bom) {
      out.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    }
    for (String line : BAD_LINES) {
      out.write((line + eol).getBytes(StandardCharsets.UTF_8));
    }
    out.write(visit(7, 1).substring(0, 20).getBytes(StandardCharsets.UTF_8));
    out.write(new byte[] {(byte) 0xC3, (byte) 0x28}); // invalid UTF-8
    out.write(eol.getBytes(StandardCharsets.UTF_8));
    out.write(eol.getBytes(StandardCharsets.UTF_8)); // a blank line: neither data nor reject
    out.write((visit(goodTask, 1) + eol).getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  @Test
  void everyBadInputClassIsQuarantinedWithItsCodeInEveryFileForm() throws Exception {
    Files.write(dir.resolve("plain.jsonl"), content("\n", false, 11));
    Files.write(dir.resolve("crlf.jsonl"), content("\r\n", false, 12));
    Files.write(dir.resolve("bom.jsonl"), content("\n", true, 13));
    Files.write(dir.resolve("gzip.jsonl.gz"), VisitLines.gzip(content("\r\n", true, 14)));

    VisitLedger.RunSummary run = VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    assertThat(run.describe(), run.filesDone(), is(4L));
    for (String name : List.of("plain.jsonl", "crlf.jsonl", "bom.jsonl", "gzip.jsonl.gz")) {
      String path = dir.resolve(name).toString();
      assertThat(name, POSTGRES.rows("SELECT lines_read, rows_loaded, duplicates, rejected, status"
              + " FROM fieldflow.ingest_files WHERE path = ?", path),
          equalTo(List.of(List.of(13L, 1L, 0L, 12L, "done"))));
      List<Object> codes = new ArrayList<>();
      POSTGRES.rows("SELECT reason_code FROM fieldflow.rejected_records WHERE file = ?"
          + " ORDER BY line_number", path).forEach(r -> codes.add(r.get(0)));
      assertThat(name, codes, equalTo(new ArrayList<Object>(CODES)));
    }
    // CR and BOM are not part of the stored raw text.
    assertThat(POSTGRES.count("SELECT count(DISTINCT raw_text) FROM fieldflow.rejected_records"
        + " WHERE line_number = 1"), is(1L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(4L));
  }

  @Test
  void anEmptyFileIsDoneWithNothingInIt() throws Exception {
    Files.write(dir.resolve("empty.jsonl"), new byte[0]);
    Files.writeString(dir.resolve("blank.jsonl"), "\n\r\n  \n");

    VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, rejected, status FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(0L, 0L, 0L, "done"), List.of(0L, 0L, 0L, "done"))));
  }

  @Test
  void aTenMegabyteLineIsQuarantinedWithItsFirst64KiBAndItsLength() throws Exception {
    StringBuilder huge = new StringBuilder(10_500_000).append("{\"task_id\": \"");
    while (huge.length() < 10 * 1024 * 1024) {
      huge.append("0123456789");
    }
    String line = huge.toString();
    Files.writeString(dir.resolve("huge.jsonl"), line + "\n" + visit(3, 1) + "\n");

    VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, rejected, status FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(2L, 1L, 1L, "done"))));
    assertThat(POSTGRES.rows("SELECT length(raw_text), original_length, reason_code FROM fieldflow.rejected_records"),
        equalTo(List.of(List.of(65536, line.length(), "line_too_long"))));
  }
}
