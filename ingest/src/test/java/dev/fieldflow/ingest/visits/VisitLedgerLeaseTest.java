package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.ReadLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claim lease of the ledger ({@link VisitLedger#claim}), on its own: a fresh claim is kept,
 * an expired one is taken over with a new attempt, and the superseded attempt can neither load,
 * commit nor fail the file. The same takeover inside a running pipeline is ClaimLeaseTest's
 * (pipelines).
 */
class VisitLedgerLeaseTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  private static LoadSettings settings(int chunkRows) {
    return new LoadSettings(chunkRows, ReadLimits.defaults(), Duration.ofSeconds(5),
        Duration.ofSeconds(60), 0.5, false);
  }

  /** Ten valid visit lines, tasks 1-10 on nodes 0-6; shared with CancelledWorkerTest. */
  static String tenVisits() {
    StringBuilder s = new StringBuilder();
    for (int task = 1; task <= 10; task++) {
      s.append(String.format(Locale.ROOT, "{\"task_id\": \"TASK%d\", \"node_id\": \"NODE%d\","
          + " \"visit_id\": 1, \"visit_date:\": \"2020-01-02\", \"original_reported_date\":"
          + " \"2019-12-30\", \"node_age\": 3, \"node_type\": \"TYPE2\", \"task_type\": \"TASK6\","
          + " \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"1 2 3\", \"outcome\": \"FAIL\"}%n",
          task, task % 7));
    }
    return s.toString();
  }

  /** The ledger's view of a local file, as the polling pipeline's claim records it. */
  private static VisitLedger.Listed listed(Path file) throws Exception {
    return ClaimVisitFiles.listed(FileSystems.matchSingleFileSpec(file.toString()));
  }

  private static List<VisitFile> claim(UUID run, VisitLedger.Listed file, UUID claimId, Duration lease)
      throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      return VisitLedger.claim(c, run, List.of(new VisitLedger.Claim(file, claimId)), false, lease);
    }
  }

  @Test
  void aClaimWithinItsLeaseIsKeptAndASupersededAttemptCannotCommit() throws Exception {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
    Path file = dir.resolve("one.jsonl");
    Files.writeString(file, tenVisits(), StandardCharsets.UTF_8);
    VisitLedger.Listed listed = listed(file);
    UUID run = UUID.randomUUID();
    UUID first = UUID.randomUUID();
    Duration lease = Duration.ofMinutes(10);

    VisitFile attempt1 = claim(run, listed, first, lease).get(0);
    assertThat(attempt1.attempt(), is(1));
    // Another sighting in this run while the claim is fresh: in flight, nothing to take.
    assertThat(claim(run, listed, UUID.randomUUID(), lease), hasSize(0));
    // The same claim again (a retried bundle) gets its file back, same attempt.
    assertThat(claim(run, listed, first, lease), equalTo(List.of(attempt1)));

    // The claim is older than the lease: the next sighting takes the file over.
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET started_at = now() - interval '11 minutes'");
    UUID second = UUID.randomUUID();
    List<VisitFile> takenOver = claim(run, listed, second, lease);
    assertThat(takenOver, hasSize(1));
    assertThat(takenOver.get(0).attempt(), is(2));
    // The first claim repeated now gets nothing, and its attempt can neither commit nor fail it.
    assertThat(claim(run, listed, first, lease), hasSize(0));
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        Connection reference = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      reference.setAutoCommit(false);
      assertThat("attempt 1 is taken over: it loads nothing", VisitFileLoad.run(c, reference,
          attempt1, settings(1_000), VisitFileLoad.Mode.FAST), nullValue());
      c.rollback();
      assertThat(VisitLedger.markFailed(c, attempt1, "late failure of attempt 1", 60), is(false));
      c.commit();
    }
    // A ledger check sees the expired lease too; the new claim's is fresh.
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      assertThat(VisitLedger.unfinished(c, run, 10, lease), hasSize(0));
    }
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET started_at = now() - interval '11 minutes'");
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      assertThat(VisitLedger.unfinished(c, run, 10, lease), hasSize(1));
    }
    assertThat(POSTGRES.rows("SELECT status, attempts, claim_id::text FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("running", 2, second.toString()))));

    // Once the file is done, an attempt at it again (a runner's replay after a restore, or a
    // superseded attempt arriving late) finds it done and changes nothing.
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET status = 'done', lines_read = 1,"
        + " records_read = 1, rows_loaded = 1, updates = 0, duplicates = 0, rejected = 0,"
        + " finished_at = now()");
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        Connection reference = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      reference.setAutoCommit(false);
      VisitMerge.Summary again = VisitFileLoad.run(c, reference, takenOver.get(0), settings(1_000),
          VisitFileLoad.Mode.FAST);
      c.commit();
      assertThat(again.alreadyDone(), is(true));
      assertThat(again.loaded(), is(1L));
    }
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(0L));
  }

  @Test
  void theSameClaimAgainGivesBackAQueuedFileButCountsALoadThatHadBegunAsAReaderDeath() throws Exception {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
    Path queuedFile = dir.resolve("queued.jsonl");
    Path startedFile = dir.resolve("started.jsonl");
    Files.writeString(queuedFile, tenVisits(), StandardCharsets.UTF_8);
    Files.writeString(startedFile, tenVisits(), StandardCharsets.UTF_8);
    UUID run = UUID.randomUUID();
    Duration lease = Duration.ofMinutes(10);
    // One watch generation's sighting of each file, as a restored job's watch repeats it.
    VisitLedger.Claim queued = VisitLedger.Claim.bySighting(run, "1000", listed(queuedFile));
    VisitLedger.Claim started = VisitLedger.Claim.bySighting(run, "1000", listed(startedFile));
    VisitFile queuedAttempt = claim(run, queued.file(), queued.claimId(), lease).get(0);
    VisitFile startedAttempt = claim(run, started.file(), started.claimId(), lease).get(0);
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      VisitLedger.markLoadStarted(c, startedAttempt);
    }

    // The job fails and is restored; its watch finds both files again, under the same claims,
    // long before the lease: the queued file comes back as it was, the started one as a new
    // attempt whose reader died once.
    assertThat(claim(run, queued.file(), queued.claimId(), lease), equalTo(List.of(queuedAttempt)));
    List<VisitFile> again = claim(run, started.file(), started.claimId(), lease);
    assertThat(again, hasSize(1));
    assertThat(again.get(0).attempt(), is(2));
    assertThat(POSTGRES.rows("SELECT path LIKE '%started.jsonl', status, attempts, reader_deaths"
            + " FROM fieldflow.ingest_files ORDER BY 1"),
        equalTo(List.of(List.of(false, "running", 1, 0), List.of(true, "running", 2, 1))));
    // Attempt 1 of the started file, superseded, can neither load nor fail it.
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        Connection reference = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      reference.setAutoCommit(false);
      assertThat(VisitFileLoad.run(c, reference, startedAttempt, settings(1_000),
          VisitFileLoad.Mode.FAST), nullValue());
      c.rollback();
      assertThat(VisitLedger.markFailed(c, startedAttempt, "late failure of attempt 1", 60), is(false));
      c.commit();
    }

    // The new attempt's load begins and its reader dies too (a file that kills its worker):
    // the next repeat of the claim fails the file instead of feeding it to a third worker.
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      VisitLedger.markLoadStarted(c, again.get(0));
    }
    assertThat(claim(run, started.file(), started.claimId(), lease), hasSize(0));
    assertThat(POSTGRES.rows("SELECT status, reader_deaths, retry_after = 'infinity', error"
            + " LIKE 'reader_died: % 2 times (last on attempt 2:%' FROM fieldflow.ingest_files"
            + " WHERE path LIKE '%started.jsonl'"),
        equalTo(List.of(List.of("failed", 2, true, true))));
  }
}
