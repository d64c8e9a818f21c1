package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.continuous;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.io.files.ReadLimits;
import dev.fieldflow.ingest.visits.LoadSettings;
import dev.fieldflow.ingest.visits.VisitFileLoad;
import dev.fieldflow.ingest.visits.VisitMerge;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claim lease: a file left {@code running} by an attempt that was lost inside a run that goes
 * on (on Flink: claimed after the checkpoint the job was restored from, then re-sighted with a
 * new claim id under the same run id) is taken over once the lease has expired, and ingested
 * exactly once.
 */
class ClaimLeaseTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static final int LEASE_SECONDS = 8;

  @TempDir Path dir;

  /** The ledger's view of a local file: its path and version as the claim records them. */
  static LoadSettings settings(int chunkRows) {
    return new LoadSettings(chunkRows, ReadLimits.defaults(), Duration.ofSeconds(5),
        Duration.ofSeconds(60), 0.5);
  }

  static VisitLedger.Listed listed(Path file) throws Exception {
    MatchResult.Metadata m = FileSystems.matchSingleFileSpec(file.toString());
    return new VisitLedger.Listed(FileVersion.path(m), FileVersion.of(m), m.sizeBytes(),
        m.lastModifiedMillis());
  }

  private static List<VisitFile> claim(UUID run, VisitLedger.Listed file, UUID claimId, Duration lease)
      throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      return VisitLedger.claim(c, run, List.of(new VisitLedger.Claim(file, claimId)), false, lease);
    }
  }

  @Test
  void aFileRunningForThisRunPastItsLeaseIsTakenOverAndIngestedExactlyOnce() throws Exception {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files"); // the other test's, taken as orphans
    Path lost = dir.resolve("in").resolve("lost.jsonl");
    write(lost, visits(1, 50));
    UUID run = UUID.randomUUID();
    // As after a Flink restore: this run claimed the file under a claim id that no poll of
    // the restored job will use again.
    long claimedAt = System.currentTimeMillis();
    assertThat(claim(run, listed(lost), UUID.randomUUID(), Duration.ofSeconds(LEASE_SECONDS)), hasSize(1));

    VisitPipelineOptions options = continuous(dir.resolve("in").toString());
    options.setClaimLeaseSeconds(LEASE_SECONDS);
    PipelineResult result = VisitPipeline.start(options, POSTGRES.writer(), run);
    try {
      write(dir.resolve("in").resolve("fresh.jsonl"), visits(1_000, 30));
      awaitDone(POSTGRES, 1, 60_000);
      // The watch has sighted both files; the lost one is still in its lease: not taken.
      if (System.currentTimeMillis() - claimedAt < (LEASE_SECONDS - 1) * 1000L) {
        assertThat(POSTGRES.rows("SELECT status, attempts FROM fieldflow.ingest_files WHERE path = ?",
            FileVersion.path(FileSystems.matchSingleFileSpec(lost.toString()))),
            equalTo(List.of(List.of("running", 1))));
      }
      // After the lease the ledger check (or a sighting) takes it over as attempt 2.
      awaitDone(POSTGRES, 2, (LEASE_SECONDS + 30) * 1000L);
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, updates, duplicates, attempts, status"
            + " FROM fieldflow.ingest_files ORDER BY path"),
        equalTo(List.of(List.of(30L, 30L, 0L, 0L, 1, "done"), List.of(50L, 50L, 0L, 0L, 2, "done"))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(80L));
  }

  @Test
  void aClaimWithinItsLeaseIsKeptAndASupersededAttemptCannotCommit() throws Exception {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
    Path file = dir.resolve("one.jsonl");
    write(file, visits(5_000, 10));
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
}
