package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.continuous;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.ingest.visits.ClaimVisitFiles;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claim lease: a file left {@code running} by an attempt that was lost inside a run that goes
 * on (on Flink: claimed after the checkpoint the job was restored from, then re-sighted with a
 * new claim id under the same run id) is taken over once the lease has expired, and ingested
 * exactly once; sooner, a load whose reader is gone (started, and held by no session: a lost
 * TaskManager, a crash of PostgreSQL) is taken over after {@code --abandonedLoadSeconds}, while a
 * file claimed and not started keeps its lease. The lease rule on its own (a fresh claim kept, a superseded attempt that can
 * neither load nor fail the file) is VisitLedgerLeaseTest's, in ingest, beside the ledger.
 */
class ClaimLeaseTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static final int LEASE_SECONDS = 8;

  @TempDir Path dir;

  /** The ledger's view of a local file: its path and version as the claim records them. */
  static VisitLedger.Listed listed(Path file) throws Exception {
    return ClaimVisitFiles.listed(FileSystems.matchSingleFileSpec(file.toString()));
  }

  private static List<VisitFile> claim(UUID run, VisitLedger.Listed file, UUID claimId, Duration lease)
      throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      return VisitLedger.claim(c, run, List.of(new VisitLedger.Claim(file, claimId)), false, lease);
    }
  }

  /** Each test counts the files and visits of its own run: the other's would be taken as orphans. */
  @BeforeEach
  void emptyTables() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files, fieldflow.visits, fieldflow.tasks,"
        + " fieldflow.nodes CASCADE");
  }

  @Test
  void aFileRunningForThisRunPastItsLeaseIsTakenOverAndIngestedExactlyOnce() throws Exception {
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
  void aStartedLoadNoSessionHoldsIsTakenOverAfterItsGraceWhileAQueuedClaimKeepsItsLease()
      throws Exception {
    Path abandoned = dir.resolve("in").resolve("abandoned.jsonl");
    Path queued = dir.resolve("in").resolve("queued.jsonl");
    write(abandoned, visits(1, 40));
    write(queued, visits(500, 20));
    UUID run = UUID.randomUUID();
    Duration lease = Duration.ofMinutes(10);
    // As after a Flink restore: this run claimed both files; the load of one had begun in a
    // worker that is gone (its session with it), the other waited in a queue that is gone.
    VisitFile started = claim(run, listed(abandoned), UUID.randomUUID(), lease).get(0);
    assertThat(claim(run, listed(queued), UUID.randomUUID(), lease), hasSize(1));
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      VisitLedger.markLoadStarted(c, started);
    }

    VisitPipelineOptions options = continuous(dir.resolve("in").toString());
    options.setAbandonedLoadSeconds(2);
    PipelineResult result = VisitPipeline.start(options, POSTGRES.writer(), run);
    try {
      awaitDone(POSTGRES, 1, 60_000);
      Thread.sleep(3_000); // more ledger checks: the queued claim is not a load, and keeps its lease
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT status, attempts, reader_deaths, rows_loaded"
            + " FROM fieldflow.ingest_files ORDER BY path"),
        equalTo(List.of(List.of("done", 2, 1, 40L), List.of("running", 1, 0, 0L))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(40L));
  }
}
