package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.ledger;
import static dev.fieldflow.pipelines.repair.RepairFixtures.load;
import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.repair.RepairFixtures.settings;
import static dev.fieldflow.pipelines.repair.RequeueTest.padded;
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

/** replay: one file version read again through the load path, exactly once, with exact counts. */
class ReplayTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    RepairFixtures.emptyModel(POSTGRES);
  }

  /** Three visits and a bad date. */
  Path fourLines(String name) throws Exception {
    return VisitLines.write(dir.resolve("in").resolve(name), List.of(
        visit(1, 1), visit(2, 1), visit(3, 1).replace("\"2020-01-02\"", "\"2020-13-45\""),
        visit(4, 1)));
  }

  Replay.Result replay(Path file, String version, String why, String... extra) throws Exception {
    VisitPipelineOptions options = options(dir.resolve("in").toString(), extra);
    return Replay.replay(options, POSTGRES.writer(), file.toString(), version, Replay.why(why),
        settings(options));
  }

  @Test
  void replayingALoadedFileMergesItAgainAndRecordsTheReplay() throws Exception {
    Path file = fourLines("a.jsonl");
    load(POSTGRES, dir.resolve("in"));

    Replay.Result result = replay(file, null, "producer re-sent it");

    assertThat(result.describe(), equalTo("replay: " + file + " (" + version(file)
        + ", attempt 2): 4 lines: 0 loaded, 0 updated, 3 duplicates, 1 rejected; 0 quarantined"
        + " line(s) re-admitted; why: producer re-sent it"));
    assertThat(ledger(POSTGRES, file), equalTo(List.of(4L, 0L, 0L, 3L, 1L, "done")));
    assertThat(POSTGRES.rows("SELECT attempts, replays FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(2, 1))));
    assertThat(POSTGRES.rows("SELECT attempt, why, fieldflow_version, lines_read, rows_loaded,"
            + " updates, duplicates, rejected, readmitted, previous_status, previous_rows_loaded,"
            + " previous_rejected, previous_finished_at IS NOT NULL FROM fieldflow.file_replays"),
        equalTo(List.of(List.of(2, "producer re-sent it", FieldflowVersion.current(), 4L, 0L, 0L,
            3L, 1L, 0L, "done", 3L, 1L, true))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(3L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records"
        + " WHERE readmitted_at IS NULL"), is(1L));
  }

  @Test
  void replayingTwiceChangesNothingTheSecondTime() throws Exception {
    Path file = fourLines("a.jsonl");
    load(POSTGRES, dir.resolve("in"));
    replay(file, null, null);
    List<List<Object>> visits = POSTGRES.rows("SELECT * FROM fieldflow.visits ORDER BY task_id");
    List<List<Object>> quarantine =
        POSTGRES.rows("SELECT * FROM fieldflow.rejected_records ORDER BY reject_id");

    Replay.Result second = replay(file, null, null);

    assertThat(second.summary().loaded(), is(0L));
    assertThat(second.summary().updates(), is(0L));
    assertThat(second.summary().duplicates(), is(3L));
    assertThat(second.why(), is("not given"));
    assertThat(POSTGRES.rows("SELECT * FROM fieldflow.visits ORDER BY task_id"), equalTo(visits));
    assertThat(POSTGRES.rows("SELECT * FROM fieldflow.rejected_records ORDER BY reject_id"),
        equalTo(quarantine));
    assertThat(POSTGRES.rows("SELECT attempts, replays FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(3, 2))));
  }

  @Test
  void aReplayPutsBackTheFilesVisitsThatALaterFileChanged() throws Exception {
    Path a = fourLines("a.jsonl");
    load(POSTGRES, dir.resolve("in"));
    VisitLines.write(dir.resolve("in/b.jsonl"), List.of(visit(1, 1).replace("SUCCESS", "FAIL")));
    load(POSTGRES, dir.resolve("in"));

    Replay.Result result = replay(a, null, "a is the truth");

    assertThat(result.summary().loaded(), is(0L));
    assertThat(result.summary().updates(), is(1L));
    assertThat(result.summary().duplicates(), is(2L));
    assertThat(POSTGRES.rows("SELECT outcome, source_file, source_line FROM fieldflow.visits"
        + " WHERE task_id = 1"), equalTo(List.of(List.of("SUCCESS", a.toString(), 1L))));
  }

  @Test
  void aFileNeverLoadedIsLoadedByItsReplay() throws Exception {
    Path file = fourLines("new.jsonl");

    Replay.Result result = replay(file, null, "audit said not loaded");

    assertThat(result.describe(), containsString("(" + version(file) + ", attempt 1, its first load):"
        + " 4 lines: 3 loaded, 0 updated, 0 duplicates, 1 rejected"));
    assertThat(ledger(POSTGRES, file), equalTo(List.of(4L, 3L, 0L, 0L, 1L, "done")));
    assertThat(POSTGRES.rows("SELECT previous_status IS NULL FROM fieldflow.file_replays"),
        equalTo(List.of(List.of(true))));
  }

  @Test
  void aReplayWithAWiderLimitReadmitsTheLinesItNowAccepts() throws Exception {
    Path file = VisitLines.write(dir.resolve("in/long.jsonl"), List.of(visit(1, 1), padded(visit(2, 1))));
    load(POSTGRES, dir.resolve("in"), RequeueTest.NARROW);

    Replay.Result result = replay(file, null, "line limit raised");

    assertThat(result.readmitted(), is(1L));
    assertThat(ledger(POSTGRES, file), equalTo(List.of(2L, 1L, 0L, 1L, 0L, "done")));
    assertThat(POSTGRES.rows("SELECT reason_code, readmitted_how, readmitted_by"
            + " FROM fieldflow.rejected_records"),
        equalTo(List.of(List.of("line_too_long", "replay", FieldflowVersion.current()))));

    // Read again at the narrow limit, the line is quarantined again.
    Replay.Result narrow = replay(file, null, "limit lowered", RequeueTest.NARROW);
    assertThat(narrow.summary().rejected(), is(1L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.rejected_records"
        + " WHERE readmitted_at IS NULL AND reason_code = 'line_too_long'"), is(1L));
  }

  @Test
  void aFileThatIsGoneIsRefusedWithWhatTheLedgerKnows() throws Exception {
    Path file = fourLines("a.jsonl");
    load(POSTGRES, dir.resolve("in"));
    String version = version(file);
    Files.delete(file);

    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> replay(file, null, null));

    assertThat(refused.getMessage(), containsString(file + " is not there now"
        + " (deleted or moved): the ledger has " + version + " done"));
    assertThat(refused.getMessage(), containsString("only a file present can be read again"));
    assertThat(POSTGRES.rows("SELECT attempts, replays, status FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(1, 0, "done"))));
  }

  /** The pipelines never claim such a name; a replay putting it in the ledger would count it done. */
  @Test
  void aFileWhoseNameThePipelinesIgnoreIsRefusedAndNotRecorded() throws Exception {
    Path marker = fourLines("_SUCCESS");

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> replay(marker, null, null));

    assertThat(refused.getMessage(), containsString(marker + " has a name the pipelines do not"
        + " ingest (--ignoreFileNames"));
    assertThat(refused.getMessage(), containsString("audit counts it as ignored"));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"), is(0L));
  }

  @Test
  void anotherVersionThanTheOneThereNowIsRefused() throws Exception {
    Path file = fourLines("a.jsonl");
    load(POSTGRES, dir.resolve("in"));

    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> replay(file, "size:1,mtime:2", null));

    assertThat(refused.getMessage(), equalTo(file + " is now version "
        + version(file) + ", not size:1,mtime:2; a replay reads the content there now: replay"
        + " without --version to load that version"));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.file_replays"), is(0L));
  }

  @Test
  void aReplayThatFailsLeavesADoneFileDone() throws Exception {
    Path file = dir.resolve("in/a.jsonl.gz");
    Files.createDirectories(file.getParent());
    Files.write(file, VisitLines.gzip(VisitLines.visits(1, 3).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    load(POSTGRES, dir.resolve("in"));

    // The same bytes, read under a decompression limit they exceed: the reader refuses them.
    IllegalStateException failed = assertThrows(IllegalStateException.class,
        () -> replay(file, null, "tighter limit", "--maxDecompressedBytes=10"));

    assertThat(failed.getMessage(), containsString(file + " (file "));
    assertThat(failed.getMessage(), containsString("; the ledger keeps it done as before"));
    assertThat(ledger(POSTGRES, file), equalTo(List.of(3L, 3L, 0L, 0L, 0L, "done")));
    assertThat(POSTGRES.rows("SELECT attempts, replays, error IS NULL FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(2, 0, true))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.file_replays"), is(0L));
  }

  @Test
  void aFileALiveRunIsLoadingIsRefused() throws Exception {
    Path file = fourLines("a.jsonl");
    load(POSTGRES, dir.resolve("in"));
    java.util.UUID run = java.util.UUID.randomUUID();
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET status = 'running', run_id = ?::uuid",
        run.toString());
    // The run is alive while one of its sessions holds its lock (V8).
    try (java.sql.Connection session = POSTGRES.writer().dataSource().getConnection();
        java.sql.PreparedStatement lock = session.prepareStatement("SELECT pg_advisory_lock_shared(?)")) {
      lock.setLong(1, dev.fieldflow.ingest.visits.RetryingDatabase.runLockKey(run));
      lock.execute();

      IllegalStateException refused = assertThrows(IllegalStateException.class,
          () -> replay(file, null, null));

      assertThat(refused.getMessage(), equalTo(file + " is being loaded now (attempt 1) by a"
          + " running visit pipeline; replay it once that load is done (./manage.sh audit shows it)"));
    }
    assertThat(POSTGRES.rows("SELECT attempts, status FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of(1, "running"))));
  }

  @Test
  void aPatternIsNotOneFile() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> replay(dir.resolve("in/*.jsonl"), null, null));
    assertThat(refused.getMessage(), containsString("is a pattern; give one file's path"));
  }

  @Test
  void aLocalFileWhoseNameHasWildcardCharactersIsThatFileNotAPattern() throws Exception {
    Path file = fourLines("day[1] {x} *?.jsonl");
    load(POSTGRES, dir.resolve("in"));

    Replay.Result result = replay(file, null, "re-sent");

    assertThat(result.describe(), containsString("replay: " + file + " (" + version(file)
        + ", attempt 2): 4 lines: 0 loaded, 0 updated, 3 duplicates, 1 rejected"));
  }

  @Test
  void anEmptyVersionIsRefusedNotTakenAsLeftOut() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> Replay.main(new String[] {"a.jsonl", "--fileVersion=", "--why=x"}));
    assertThat(refused.getMessage(), is("--fileVersion (manage.sh: --version) must be a version as"
        + " audit prints it (size:N,mtime:M or etag:E), but was empty; leave it out to replay the"
        + " version there now"));
  }

  @Test
  void aPathWithALineBreakIsRefusedSayingWhatToDo() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> replay(dir.resolve("in/a\nb.jsonl"), null, null));
    assertThat(refused.getMessage(), is("'" + dir.resolve("in") + "/a\\u000ab.jsonl' has a line"
        + " break in its name, which Beam's file systems cannot address; copy the file to a name"
        + " without one and load that"));
  }

  @Test
  void helpListsTheReplaysOptionsWithOrWithoutAPath() throws Exception {
    for (String[] args : List.of(new String[] {"--help"}, new String[] {"a.jsonl", "--help"})) {
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      PrintStream out = System.out;
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      try {
        assertThrows(CommandLine.HelpShown.class, () -> Replay.main(args));
      } finally {
        System.setOut(out);
      }
      String help = printed.toString(StandardCharsets.UTF_8);
      assertThat(help, containsString("--fileVersion="));
      assertThat(help, containsString("--why="));
      assertThat(help, containsString("--maxLineBytes="));
    }
  }

  private static String version(Path file) throws Exception {
    return "size:" + Files.size(file) + ",mtime:" + file.toFile().lastModified();
  }
}
