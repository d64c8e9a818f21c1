package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.ledger;
import static dev.fieldflow.pipelines.repair.RepairFixtures.load;
import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.repair.RepairFixtures.settings;
import static dev.fieldflow.pipelines.visits.VisitLines.visit;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.CommandLine;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import dev.fieldflow.pipelines.visits.VisitLines;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * requeue: after a rule is widened (here the real option --maxLineBytes, raised from 1 KiB at the
 * load to its 1 MiB default at the requeue), the quarantined lines of one reason are read again
 * and the accepted ones admitted exactly once, with exact counts in the output, the ledger and
 * the quarantine.
 */
class RequeueTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  /** The limit at load time: every padded line below is longer. */
  static final String NARROW = "--maxLineBytes=1024";

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    RepairFixtures.emptyModel(POSTGRES);
  }

  /** {@code line} with an unknown field (ignored by the parser) that makes it over 2 KB long. */
  static String padded(String line) {
    return line.replace("{\"task_id\"", "{\"padding\": \"" + "x".repeat(2000) + "\", \"task_id\"");
  }

  /**
   * 1: a visit; 2: a long new visit; 3: a bad date; 4: a long line with a bad date; 5: line 1
   * again, long; 6: line 1 changed (FAIL), long.
   */
  Path sixLines() throws Exception {
    return VisitLines.write(dir.resolve("in/a.jsonl"), List.of(
        visit(1, 1),
        padded(visit(2, 1)),
        visit(3, 1).replace("\"2020-01-02\"", "\"2020-13-45\""),
        padded(visit(4, 1).replace("\"2020-01-02\"", "\"2020-02-30\"")),
        padded(visit(1, 1)),
        padded(visit(1, 1).replace("SUCCESS", "FAIL"))));
  }

  Requeue.Result requeue(Path input, String reason, String glob, String since, StringBuilder printed)
      throws Exception {
    VisitPipelineOptions options = options(input.toString());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Requeue.Result result = Requeue.requeue(options, POSTGRES.writer(),
        Requeue.Selection.of(reason, glob, since), settings(options),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed.append(bytes.toString(StandardCharsets.UTF_8));
    return result;
  }

  @Test
  void aWidenedLineLimitAdmitsTheTooLongLinesExactlyOnce() throws Exception {
    Path file = sixLines();
    load(POSTGRES, dir.resolve("in"), NARROW);
    assertThat(ledger(POSTGRES, file), equalTo(List.of(6L, 1L, 0L, 0L, 5L, "done")));

    StringBuilder printed = new StringBuilder();
    Requeue.Result result = requeue(dir.resolve("in"), "line_too_long", null, null, printed);

    assertThat(printed.toString(), result.describe(), equalTo("requeue: line_too_long: 1 file(s),"
        + " 4 quarantined line(s) read again: 3 re-admitted (1 loaded, 1 updated, 1 duplicates),"
        + " 1 still rejected; 0 file(s) skipped"));
    assertThat(printed.toString(), containsString(file + " (size:"));
    assertThat(printed.toString(), containsString("1 still rejected (now 1 bad_date)"));
    // The three admitted lines move from rejected to loaded, updated and duplicates.
    assertThat(ledger(POSTGRES, file), equalTo(List.of(6L, 2L, 1L, 1L, 2L, "done")));
    assertThat(POSTGRES.count("SELECT records_read FROM fieldflow.ingest_files"), is(4L));
    // The ledger's counted rejects keep them, so /metrics' rejected counter does not fall
    // (MetricsCountersTest).
    assertThat(POSTGRES.count("SELECT counted_rejected FROM fieldflow.ingest_files"), is(5L));
    // Line 6 changed visit (1, 1) after line 5 repeated it: the visit is line 6's, as in a load.
    assertThat(POSTGRES.rows("SELECT task_id, visit_id, outcome, source_line FROM fieldflow.visits"
            + " ORDER BY task_id"),
        equalTo(List.of(List.of(1L, 1, "FAIL", 6L), List.of(2L, 1, "SUCCESS", 2L))));
    assertThat(POSTGRES.rows("SELECT line_number, reason_code, coalesce(readmitted_how, '-'),"
            + " coalesce(readmitted_by, '-'), readmitted_at IS NOT NULL"
            + " FROM fieldflow.rejected_records ORDER BY line_number"),
        equalTo(List.of(
            List.of(2L, "line_too_long", "requeue", FieldflowVersion.current(), true),
            List.of(3L, "bad_date", "-", "-", false),
            List.of(4L, "bad_date", "-", "-", false),
            List.of(5L, "line_too_long", "requeue", FieldflowVersion.current(), true),
            List.of(6L, "line_too_long", "requeue", FieldflowVersion.current(), true))));
    // What status and the console count as quarantined is what is still quarantined.
    assertThat(POSTGRES.rows("SELECT rejected_lines, quarantined_records FROM analytics.status"
        + " WHERE pipeline = 'visit'"), equalTo(List.of(List.of(2L, 2L))));
  }

  @Test
  void aSecondRequeueFindsNothingLeftAndChangesNothing() throws Exception {
    Path file = sixLines();
    load(POSTGRES, dir.resolve("in"), NARROW);
    requeue(dir.resolve("in"), "line_too_long", null, null, new StringBuilder());
    List<List<Object>> visits = POSTGRES.rows("SELECT * FROM fieldflow.visits ORDER BY task_id");

    Requeue.Result again = requeue(dir.resolve("in"), "line_too_long", null, null, new StringBuilder());

    assertThat(again.describe(), equalTo("requeue: line_too_long: 0 file(s), 0 quarantined line(s)"
        + " read again: 0 re-admitted (0 loaded, 0 updated, 0 duplicates), 0 still rejected;"
        + " 0 file(s) skipped"));
    assertThat(POSTGRES.rows("SELECT * FROM fieldflow.visits ORDER BY task_id"), equalTo(visits));
    assertThat(ledger(POSTGRES, file), equalTo(List.of(6L, 2L, 1L, 1L, 2L, "done")));
  }

  @Test
  void linesStillRejectedStayQuarantinedWithTheirReason() throws Exception {
    Path file = sixLines();
    load(POSTGRES, dir.resolve("in"), NARROW);

    // The parser has not changed for bad dates: both are read again and stay.
    Requeue.Result result = requeue(dir.resolve("in"), "bad_date", null, null, new StringBuilder());

    assertThat(result.describe(), equalTo("requeue: bad_date: 1 file(s), 1 quarantined line(s)"
        + " read again: 0 re-admitted (0 loaded, 0 updated, 0 duplicates), 1 still rejected;"
        + " 0 file(s) skipped"));
    assertThat(ledger(POSTGRES, file), equalTo(List.of(6L, 1L, 0L, 0L, 5L, "done")));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records"
        + " WHERE readmitted_at IS NULL"), is(5L));
  }

  @Test
  void onlyFilesMatchingThePathAndLinesQuarantinedSinceTheDateAreReadAgain() throws Exception {
    Path a = VisitLines.write(dir.resolve("in/a.jsonl"), List.of(padded(visit(10, 1))));
    Path b = VisitLines.write(dir.resolve("in/b.jsonl"), List.of(padded(visit(11, 1))));
    load(POSTGRES, dir.resolve("in"), NARROW);

    Requeue.Result later = requeue(dir.resolve("in"), "line_too_long", null, "2999-01-01", new StringBuilder());
    assertThat(later.files(), is(0L));

    Requeue.Result onlyA = requeue(dir.resolve("in"), "line_too_long", "*/a.jsonl", "2000-01-01",
        new StringBuilder());

    assertThat(onlyA.describe(), equalTo("requeue: line_too_long in */a.jsonl since 2000-01-01:"
        + " 1 file(s), 1 quarantined line(s) read again: 1 re-admitted (1 loaded, 0 updated,"
        + " 0 duplicates), 0 still rejected; 0 file(s) skipped"));
    assertThat(ledger(POSTGRES, a), equalTo(List.of(1L, 1L, 0L, 0L, 0L, "done")));
    assertThat(ledger(POSTGRES, b), equalTo(List.of(1L, 0L, 0L, 0L, 1L, "done")));
    assertThat(POSTGRES.rows("SELECT task_id FROM fieldflow.visits"), equalTo(List.of(List.of(10L))));
  }

  @Test
  void aFileGoneOrChangedSinceIsSkippedWithTheReason() throws Exception {
    Path gone = VisitLines.write(dir.resolve("in/gone.jsonl"), List.of(padded(visit(20, 1))));
    Path changed = VisitLines.write(dir.resolve("in/changed.jsonl"), List.of(padded(visit(21, 1))));
    load(POSTGRES, dir.resolve("in"), NARROW);
    Files.delete(gone);
    Files.writeString(changed, visit(21, 1) + "\n" + visit(22, 1) + "\n");

    StringBuilder printed = new StringBuilder();
    Requeue.Result result = requeue(dir.resolve("in"), "line_too_long", null, null, printed);

    assertThat(result.skipped(), is(2L));
    assertThat(result.readmitted(), is(0L));
    assertThat(printed.toString(), containsString("skipped " + gone + " (size:"));
    assertThat(printed.toString(), containsString("it is not there now (deleted or moved)"));
    assertThat(printed.toString(), containsString("skipped " + changed + " (size:"));
    assertThat(printed.toString(), containsString("that version is a file of its own"));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(0L));
  }

  @Test
  void anUnknownReasonOrABadDateIsRefusedNamingTheOption() {
    IllegalArgumentException reason = assertThrows(IllegalArgumentException.class,
        () -> Requeue.Selection.of("line_to_long", null, null));
    assertThat(reason.getMessage(), containsString("--reason must be one of not_json,"));
    assertThat(reason.getMessage(), containsString("but was 'line_to_long'"));
    IllegalArgumentException since = assertThrows(IllegalArgumentException.class,
        () -> Requeue.Selection.of("bad_date", null, "yesterday"));
    assertThat(since.getMessage(),
        equalTo("--since must be a date YYYY-MM-DD, but was 'yesterday'"));
  }

  /** An empty value given is not the option left out: --path= must not select every file. */
  @Test
  void anEmptyPathOrDateOnTheCommandLineIsRefusedNotTakenAsLeftOut() {
    IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
        () -> Requeue.Selection.of("line_too_long", "", null));
    assertThat(path.getMessage(), equalTo("--path must be a glob of the files' paths"
        + " (*/visits-01.jsonl), but was empty; leave it out to read again the lines of every file"));
    IllegalArgumentException since = assertThrows(IllegalArgumentException.class,
        () -> Requeue.Selection.of("line_too_long", null, " "));
    assertThat(since.getMessage(), equalTo("--since must be a date YYYY-MM-DD, but was empty;"
        + " leave it out to read again the lines of any date"));
    Requeue.RequeueOptions parsed = CommandLine.parse(
        new String[] {"--reason=line_too_long", "--path=", "--since="}, Requeue.RequeueOptions.class);
    assertThat("Beam passes the empty values on", parsed.getPath(), equalTo(""));
    assertThat(parsed.getSince(), equalTo(""));
  }
}
