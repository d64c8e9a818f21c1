package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReclaimVisitFiles} on a real ledger: the files a dead run left {@code running} are
 * taken again if they are still the version the ledger has, and marked failed, with the
 * reason, if they were deleted or replaced since.
 */
@ExtendWith(TestPipelineExtension.class)
class ReclaimVisitFilesTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyLedger() {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
  }

  /** Claims the files as a run that then dies: no session holds its lock. */
  private static void orphan(Path... files) throws Exception {
    UUID deadRun = UUID.randomUUID();
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      for (Path file : files) {
        VisitLedger.Listed listed = ClaimVisitFiles.listed(FileSystems.matchSingleFileSpec(file.toString()));
        VisitLedger.claim(c, deadRun, List.of(new VisitLedger.Claim(listed, UUID.randomUUID())), false);
      }
    }
  }

  /** The committed value of counter {@code name} of the visit pipeline's namespace. */
  static long counter(PipelineResult result, String name) {
    long total = 0;
    for (MetricResult<Long> counter : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(IngestVisitFiles.class, name)).build()).getCounters()) {
      total += counter.getCommitted();
    }
    return total;
  }

  @Test
  void anOrphanStillThereIsTakenAndOneDeletedOrReplacedIsMarkedFailedWithTheReason(TestPipeline p)
      throws Exception {
    Path kept = Files.writeString(dir.resolve("kept.jsonl"), "{}\n");
    Path deleted = Files.writeString(dir.resolve("deleted.jsonl"), "{}\n");
    Path replaced = Files.writeString(dir.resolve("replaced.jsonl"), "{}\n");
    orphan(kept, deleted, replaced);
    Files.delete(deleted);
    Files.writeString(replaced, "{}\n{}\n");

    PCollection<String> taken = p.apply(Create.of(Instant.now()))
        .apply(ReclaimVisitFiles.forRun(
            LedgerClaims.forRun(UUID.randomUUID(), POSTGRES.writer(), Duration.ofSeconds(30))))
        .apply(MapElements.into(TypeDescriptors.strings()).via(VisitFile::path));
    PAssert.that(taken).containsInAnyOrder(kept.toString());
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(counter(result, "files_gone"), is(2L));
    assertThat(counter(result, "files_reclaimed"), is(1L));
    assertThat(POSTGRES.rows("SELECT path, status, attempts, error FROM fieldflow.ingest_files ORDER BY path"),
        equalTo(List.of(
            List.of(deleted.toString(), "failed", 1, "the file is gone or holds another version now;"
                + " this version cannot be read"),
            Arrays.asList(kept.toString(), "running", 2, null),
            List.of(replaced.toString(), "failed", 1, "the file is gone or holds another version now;"
                + " this version cannot be read"))));
  }

  /** Runs one ledger check of run {@code run} at {@code tick}; returns how many files it took. */
  private static long checkAt(UUID run, Instant tick) {
    Pipeline p = Pipeline.create(TestPipeline.testingPipelineOptions());
    p.apply(Create.of(tick))
        .apply(ReclaimVisitFiles.forRun(LedgerClaims.forRun(run, POSTGRES.writer(), Duration.ofSeconds(30))));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return counter(result, "files_reclaimed");
  }

  @Test
  void aCheckRepeatedAfterARestoreTakesBackTheQueuedFilesItHadClaimed() throws Exception {
    Path file = Files.writeString(dir.resolve("orphan.jsonl"), "{}\n");
    orphan(file);
    UUID run = UUID.randomUUID();
    Instant tick = Instant.now().minus(org.joda.time.Duration.millis(1_000));

    assertThat("the check takes the orphan", checkAt(run, tick), is(1L));
    String ledger = "SELECT status, attempts, reader_deaths, claim_id::text FROM fieldflow.ingest_files";
    String claimOfTick = VisitLedger.Claim.bySighting(run, ReclaimVisitFiles.sighting(tick),
        ClaimVisitFiles.listed(FileSystems.matchSingleFileSpec(file.toString()))).claimId().toString();
    assertThat(POSTGRES.rows(ledger), equalTo(List.of(List.of("running", 2, 0, claimOfTick))));
    // The job is restored from a checkpoint taken before that check, and runs it again: the
    // ledger has the file claimed by this run, fresh, so only the same claim gives it back.
    assertThat("the same check again takes back its queued file", checkAt(run, tick), is(1L));
    assertThat(POSTGRES.rows(ledger), equalTo(List.of(List.of("running", 2, 0, claimOfTick))));
    assertThat("another check finds it in flight",
        checkAt(run, tick.plus(org.joda.time.Duration.millis(1_000))), is(0L));
    // Once its load has begun, the file is no longer queued: a repeat leaves it to the
    // abandoned-load check (AbandonedLoadsTest).
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      VisitLedger.markLoadStarted(c, new VisitFile(
          POSTGRES.count("SELECT file_id FROM fieldflow.ingest_files"), 2, file.toString(), "?"));
    }
    assertThat("the same check after the load began", checkAt(run, tick), is(0L));
    assertThat(POSTGRES.rows(ledger), equalTo(List.of(List.of("running", 2, 0, claimOfTick))));
  }
}
