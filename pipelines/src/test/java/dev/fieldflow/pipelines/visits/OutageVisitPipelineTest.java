package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.continuous;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL (its own process) stopped for 20 s in the middle of an ingest. */
@Tag("slow")
class OutageVisitPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static final int FILES = 30;
  static final int LINES = 1_000;

  @TempDir Path dir;

  @Test
  void postgresStoppedFor20SecondsMidIngestTheRunRetriesRecoversAndEndsWithExactCounts() throws Exception {
    for (int f = 0; f < FILES; f++) {
      write(dir.resolve(String.format("visits-%03d.jsonl", f)), visits(f * 100_000L, LINES));
    }
    VisitPipelineOptions options = continuous(dir.toString());
    options.setBatchSize(200);
    PipelineResult result = VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID());
    try {
      awaitDone(POSTGRES, 1, 120_000);
      POSTGRES.stop();
      Thread.sleep(20_000);
      POSTGRES.start();
      // Files that arrive after the outage are picked up too.
      write(dir.resolve("after.jsonl"), visits(9_000_000L, 10));
      awaitDone(POSTGRES, FILES + 1, 180_000);
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"), is(FILES + 1L));
    assertThat(POSTGRES.rows("SELECT DISTINCT lines_read, rows_loaded, updates, duplicates, rejected, status"
            + " FROM fieldflow.ingest_files WHERE path NOT LIKE '%after.jsonl'"),
        equalTo(List.of(List.of((long) LINES, (long) LINES, 0L, 0L, 0L, "done"))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is((long) FILES * LINES + 10));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visit_staging"), is(0L));
    assertThat("database retries counted", retries(result), greaterThan(0L));
  }

  private static long retries(PipelineResult result) {
    MetricQueryResults metrics = result.metrics().queryMetrics(
        MetricsFilter.builder().addNameFilter(MetricNameFilter.named(
            dev.fieldflow.io.visits.RetryingDatabase.class, "db_retries")).build());
    long total = 0;
    for (MetricResult<Long> counter : metrics.getCounters()) {
      total += counter.getAttempted();
    }
    return total;
  }
}
