package dev.fieldflow.pipelines.retention;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code fieldflow prune} against a real PostgreSQL, as the writer unless said otherwise. */
class PruneTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  private static final String LOAD_OLD = "00000000-0000-0000-0000-00000000000a";
  private static final String LOAD_NEW = "00000000-0000-0000-0000-00000000000b";
  private static final String LOAD_COMMITTED = "00000000-0000-0000-0000-00000000000c";

  /**
   * Ledger: a file done 100 days ago, one failed 100 days ago, one done yesterday, one running
   * since 100 days. Quarantine: a line of each, dated like its file. Network staging: a load
   * abandoned two days ago, one staged an hour ago, leftovers of a committed one.
   */
  @BeforeEach
  void oldAndNewRowsInEveryTable() {
    db.execute("TRUNCATE fieldflow.ingest_files, fieldflow.rejected_records,"
        + " fieldflow.network_staging, fieldflow.network_staging_files,"
        + " fieldflow.network_staging_rejects, fieldflow.network_snapshots CASCADE");
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, error,"
        + " discovered_at, started_at, finished_at) VALUES"
        + " ('visit', 'old-done.jsonl', 'v', 'done', NULL, now() - interval '100 days',"
        + "   now() - interval '100 days', now() - interval '100 days'),"
        + " ('visit', 'old-failed.jsonl', 'v', 'failed', 'gone', now() - interval '100 days',"
        + "   now() - interval '100 days', now() - interval '100 days'),"
        + " ('visit', 'new-done.jsonl', 'v', 'done', NULL, now() - interval '1 day',"
        + "   now() - interval '1 day', now() - interval '1 day'),"
        + " ('visit', 'old-running.jsonl', 'v', 'running', NULL, now() - interval '100 days',"
        + "   now() - interval '100 days', NULL)");
    db.execute("INSERT INTO fieldflow.rejected_records (pipeline, file, file_version, line_number,"
        + " raw_text, original_length, reason_code, message, rejected_at) VALUES"
        + " ('visit', 'old-done.jsonl', 'v', 1, '{', 1, 'not_json', 'm', now() - interval '100 days'),"
        + " ('visit', 'old-failed.jsonl', 'v', 1, '{', 1, 'not_json', 'm', now() - interval '100 days'),"
        + " ('visit', 'new-done.jsonl', 'v', 1, '{', 1, 'not_json', 'm', now() - interval '1 day'),"
        + " ('visit', 'old-running.jsonl', 'v', 1, '{', 1, 'not_json', 'm', now() - interval '100 days')");
    db.execute("INSERT INTO fieldflow.network_snapshots (snapshot_id, files, nodes, edges,"
        + " rejected_lines, dropped_self_loops, dropped_duplicates)"
        + " VALUES ('" + LOAD_COMMITTED + "', 1, 2, 1, 0, 0, 0)");
    for (String[] load : new String[][] {
        {LOAD_OLD, "2 days"}, {LOAD_NEW, "1 hour"}, {LOAD_COMMITTED, "1 minute"}}) {
      db.execute("INSERT INTO fieldflow.network_staging_files (load_id, path, version, staged_at)"
          + " VALUES ('" + load[0] + "', 'net.adjlist', 'v', now() - interval '" + load[1] + "')");
      db.execute("INSERT INTO fieldflow.network_staging (load_id, file, line_number, node_id,"
          + " neighbours, staged_at) VALUES ('" + load[0] + "', 'net.adjlist', 1, 1, '{2}',"
          + " now() - interval '" + load[1] + "')");
      db.execute("INSERT INTO fieldflow.network_staging_rejects (load_id, file, file_version,"
          + " line_number, raw_text, original_length, reason_code, message, staged_at)"
          + " VALUES ('" + load[0] + "', 'net.adjlist', 'v', 2, 'x', 1, 'bad_node', 'm',"
          + " now() - interval '" + load[1] + "')");
    }
  }

  @Test
  void quarantinedLinesOlderThanTheHorizonAreDeleted() throws Exception {
    prune(db.writer(), "90d", false, false);

    assertThat(column("SELECT file FROM fieldflow.rejected_records ORDER BY file"),
        equalTo(List.of("new-done.jsonl", "old-running.jsonl")));
  }

  @Test
  void quarantinedLinesOfAFileStillRunningAreKept() throws Exception {
    prune(db.writer(), "90d", false, false);

    assertThat(db.count("SELECT count(*) FROM fieldflow.rejected_records"
        + " WHERE file = 'old-running.jsonl'"), equalTo(1L));
  }

  @Test
  void networkStagingOfAbandonedAndCommittedLoadsIsDeletedAndOfALoadInProgressKept()
      throws Exception {
    prune(db.writer(), "90d", false, false);

    assertThat(column("SELECT DISTINCT load_id::text FROM fieldflow.network_staging"),
        equalTo(List.of(LOAD_NEW)));
    assertThat(column("SELECT DISTINCT load_id::text FROM fieldflow.network_staging_files"),
        equalTo(List.of(LOAD_NEW)));
    assertThat(column("SELECT DISTINCT load_id::text FROM fieldflow.network_staging_rejects"),
        equalTo(List.of(LOAD_NEW)));
  }

  @Test
  void theLedgerIsKeptByDefault() throws Exception {
    prune(db.writer(), "90d", false, false);

    assertThat(db.count("SELECT count(*) FROM fieldflow.ingest_files"), equalTo(4L));
  }

  @Test
  void itPrintsWhatItDeletedPerTable() throws Exception {
    String out = prune(db.writer(), "90d", false, false);

    assertThat(out, equalTo(
        "prune: fieldflow.rejected_records: 2 row(s) deleted (quarantined lines older than 90d)\n"
            + "prune: fieldflow.network_staging: 2 row(s) deleted (lines of network loads"
            + " abandoned over a day ago or already committed)\n"
            + "prune: fieldflow.network_staging_files: 2 row(s) deleted (files of network loads"
            + " abandoned over a day ago or already committed)\n"
            + "prune: fieldflow.network_staging_rejects: 2 row(s) deleted (rejected lines of"
            + " network loads abandoned over a day ago or already committed)\n"));
  }

  @Test
  void aDryRunCountsAndDeletesNothing() throws Exception {
    String out = prune(db.admin(), "90d", true, true);

    assertThat(out, containsString("prune: fieldflow.rejected_records: 2 row(s) would be deleted"));
    assertThat(out, containsString("prune: fieldflow.ingest_files: 2 row(s) would be deleted"));
    assertThat(out, containsString("prune: dry run, nothing deleted\n"));
    assertThat(db.count("SELECT count(*) FROM fieldflow.rejected_records"), equalTo(4L));
    assertThat(db.count("SELECT count(*) FROM fieldflow.network_staging"), equalTo(3L));
    assertThat(db.count("SELECT count(*) FROM fieldflow.ingest_files"), equalTo(4L));
  }

  @Test
  void theLedgerOptionDeletesFinishedFilesBeforeTheHorizonAsTheOwner() throws Exception {
    prune(db.admin(), "90d", true, false);

    assertThat(column("SELECT path FROM fieldflow.ingest_files ORDER BY path"),
        equalTo(List.of("new-done.jsonl", "old-running.jsonl")));
  }

  @Test
  void theWriterMayNotPruneTheLedgerAndChangesNothingTrying() {
    Exception e = assertThrows(IllegalStateException.class,
        () -> prune(db.writer(), "90d", true, false));

    assertThat(e.getMessage(), equalTo("prune --ledger: " + db.writer().describe()
        + " may not delete ledger rows (fieldflow.ingest_files); the writer may prune the"
        + " quarantine and staging only. Run --ledger as the schema owner: --dbUser=OWNER"
        + " (./manage.sh prune --db-user=OWNER; for the local database the owner is postgres)"));
    assertThat(e.getCause(), is(nullValue()));
    assertThat(db.count("SELECT count(*) FROM fieldflow.rejected_records"), equalTo(4L));
    assertThat(db.count("SELECT count(*) FROM fieldflow.ingest_files"), equalTo(4L));
  }

  @Test
  void aDryRunOfTheLedgerAsTheWriterIsRefusedToo() {
    Exception e = assertThrows(IllegalStateException.class,
        () -> prune(db.writer(), "90d", true, true));

    assertThat(e.getMessage(), containsString("may not delete ledger rows"));
  }

  @Test
  void aHorizonShorterThanADayIsRefused() {
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> Prune.Settings.of("12h", false, false));

    assertThat(e.getMessage(), equalTo("--olderThan (manage.sh: --older-than) must be at least 1d"
        + " (a shorter horizon races with files being ingested), but was 12h"));
  }

  @Test
  void aHorizonThatIsNotDaysOrHoursIsRefused() {
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> Prune.Settings.of("3 months", false, false));

    assertThat(e.getMessage(), equalTo(
        "--olderThan (manage.sh: --older-than) must be days (90d) or hours (36h), up to 999999,"
            + " but was '3 months'"));
  }

  private static String prune(DatabaseConfig login, String olderThan, boolean ledger,
      boolean dryRun) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Prune.run(login, Prune.Settings.of(olderThan, ledger, dryRun),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  private static List<Object> column(String sql) {
    return db.rows(sql).stream().map(row -> row.get(0)).toList();
  }
}
