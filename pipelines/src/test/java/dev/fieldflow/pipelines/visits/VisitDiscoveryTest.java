package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.continuous;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.VisitPartitions;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the continuous visit pipeline finds files: Beam's Watch over date partitions, and the
 * ledger for failed files and files of dead runs wherever they are.
 */
class VisitDiscoveryTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  @Test
  void aPartitionTemplateNamesTodaysAndYesterdaysPartitions() {
    VisitPartitions partitions = VisitPartitions.daily("s3://b/visits/{yyyy}/{MM}/{dd}/*");

    assertThat(partitions.patternsOn(LocalDate.of(2024, 3, 1)),
        equalTo(List.of("s3://b/visits/2024/03/01/*", "s3://b/visits/2024/02/29/*")));
    assertThat(partitions.everything(), is("s3://b/visits/*/*/*/*"));
  }

  @Test
  void onceRecordsTheVersionWithTheModificationTime() throws Exception {
    Path a = write(dir.resolve("a.jsonl"), visits(1, 2));

    VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    assertThat(POSTGRES.rows("SELECT version FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("size:" + Files.size(a) + ",mtime:" + Files.getLastModifiedTime(a).toMillis()))));
  }

  @Test
  void aPartitionTemplateWithoutADayIsRefusedSayingHowToWriteIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPartitions.daily("s3://b/visits/{yyyy}/{MM}/*"));
    assertThat(e.getMessage(), containsString("{dd}"));
  }

  @Test
  void anIdleTimeNotShorterThanTheGenerationIsRefused() {
    VisitPipelineOptions options = continuous(dir.toString());
    options.setWatchGenerationMinutes(10);
    options.setWatchIdleMinutes(10);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID()));
    assertThat(e.getMessage(), containsString("shorter than the watch generation"));
  }

  /** The ledger row of a file that an earlier run left in {@code status}. */
  private void leftInLedger(Path file, String status, String retryAfter) throws Exception {
    String version = "size:" + Files.size(file) + ",mtime:" + Files.getLastModifiedTime(file).toMillis();
    POSTGRES.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, size_bytes, status,"
        + " attempts, run_id, claim_id, retry_after, error) VALUES ('visit', ?, ?, ?, ?, 1, ?::uuid,"
        + " ?::uuid, " + retryAfter + ", 'left by an earlier run')",
        file.toString(), version, Files.size(file), status, UUID.randomUUID().toString(),
        UUID.randomUUID().toString());
  }

  @Test
  void itWatchesTodaysPartitionAndRetakesFailedAndOrphanedFilesOfOldPartitionsFromTheLedger()
      throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Path todays = dir.resolve(String.format("%04d/%02d/%02d", today.getYear(), today.getMonthValue(),
        today.getDayOfMonth()));
    write(todays.resolve("a.jsonl"), visits(1, 10));
    Path orphan = write(dir.resolve("2020/01/01/orphan.jsonl"), visits(100, 5));
    leftInLedger(orphan, "running", "NULL");
    Path failed = write(dir.resolve("2020/01/02/failed.jsonl"), visits(200, 3));
    leftInLedger(failed, "failed", "now() - interval '1 minute'");
    Path unseen = write(dir.resolve("2020/01/03/unseen.jsonl"), visits(300, 2));

    VisitPipelineOptions options = continuous(null);
    options.setVisitsPartitionTemplate(dir + "/{yyyy}/{MM}/{dd}/*");
    PipelineResult result = VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID());
    try {
      awaitDone(POSTGRES, 3, 60_000);
      write(todays.resolve("b.jsonl"), visits(400, 4));
      awaitDone(POSTGRES, 4, 60_000);
      Thread.sleep(2_000); // more polls and checks: nothing is taken twice
    } finally {
      result.cancel();
    }

    assertThat(POSTGRES.rows("SELECT path, status, attempts, lines_read FROM fieldflow.ingest_files"
            + " ORDER BY path"),
        equalTo(List.of(
            List.of(orphan.toString(), "done", 2, 5L),
            List.of(failed.toString(), "done", 2, 3L),
            List.of(todays.resolve("a.jsonl").toString(), "done", 1, 10L),
            List.of(todays.resolve("b.jsonl").toString(), "done", 1, 4L))));
    // The version is what the file system reports, modification time included.
    Path a = todays.resolve("a.jsonl");
    assertThat(POSTGRES.rows("SELECT version FROM fieldflow.ingest_files WHERE path = ?", a.toString()),
        equalTo(List.of(List.of("size:" + Files.size(a) + ",mtime:" + Files.getLastModifiedTime(a).toMillis()))));
    // A file in a partition that is not watched, and that the ledger never had, waits for --once.
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE path = ?",
        unseen.toString()), is(0L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(22L));
  }

  @Test
  void aFailedFileWhoseVersionIsGoneIsMarkedSoAndNotRetaken() throws Exception {
    Path replaced = write(dir.resolve("old/a.jsonl"), visits(1, 5));
    leftInLedger(replaced, "failed", "NULL");
    write(replaced, visits(1, 6));
    Files.setLastModifiedTime(replaced,
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    write(dir.resolve("new/b.jsonl"), visits(100, 1));

    PipelineResult result = VisitPipeline.start(continuous(dir.resolve("new").toString()),
        POSTGRES.writer(), UUID.randomUUID());
    try {
      awaitDone(POSTGRES, 1, 60_000);
      long deadline = System.currentTimeMillis() + 30_000;
      while (POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE error LIKE '%gone%'") == 0) {
        assertThat("marked gone within 30 s", System.currentTimeMillis() < deadline, is(true));
        Thread.sleep(100);
      }
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT status, attempts, retry_after > now() + interval '23 hours'"
            + " FROM fieldflow.ingest_files WHERE path = ?", replaced.toString()),
        equalTo(List.of(List.of("failed", 1, true))));
  }
}
