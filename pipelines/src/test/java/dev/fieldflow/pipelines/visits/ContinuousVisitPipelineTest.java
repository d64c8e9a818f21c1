package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The visit pipeline running continuously over a local directory. */
class ContinuousVisitPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  /** The poll interval of these tests; a file must be in within it plus this slack. */
  static final int POLL_SECONDS = 1;
  static final long SLACK_MILLIS = 6_000;

  @TempDir Path dir;

  static VisitPipelineOptions continuous(String input) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(
        "--runner=DirectRunner", "--targetParallelism=2", "--blockOnRun=false")
        .as(VisitPipelineOptions.class);
    options.setVisitsInput(input);
    options.setPollIntervalSeconds(POLL_SECONDS);
    options.setBatchSize(500);
    options.setBatchMaxBufferingMillis(200);
    options.setDbConnectTimeoutSeconds(5);
    return options;
  }

  /** Waits until {@code count} files are done; how long that took. */
  static long awaitDone(EmbeddedPostgresExtension db, long count, long timeoutMillis) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (db.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'") < count) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("after " + timeoutMillis + " ms, files in the ledger: "
            + db.rows("SELECT path, status, error FROM fieldflow.ingest_files"));
      }
      Thread.sleep(100);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void filesAddedWhileItRunsAreIngestedWithinThePollIntervalWithExactCounts() throws Exception {
    write(dir.resolve("early.jsonl"), visits(1, 40));
    PipelineResult result = VisitPipeline.start(continuous(dir.toString()), POSTGRES.writer(), UUID.randomUUID());
    try {
      awaitDone(POSTGRES, 1, 60_000);

      write(dir.resolve("later.jsonl"), visits(100, 60));
      long latency = awaitDone(POSTGRES, 2, 60_000);
      assertThat("ms from write to commit", latency, lessThan(POLL_SECONDS * 1000 + SLACK_MILLIS));

      write(dir.resolve("again.jsonl"), visits(100, 10) + visits(500, 5));
      awaitDone(POSTGRES, 3, 60_000);
      Thread.sleep(2 * POLL_SECONDS * 1000L); // more polls: nothing is read twice
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, duplicates, attempts FROM fieldflow.ingest_files"
            + " ORDER BY file_id"),
        equalTo(List.of(List.of(40L, 40L, 0L, 1), List.of(60L, 60L, 0L, 1), List.of(15L, 5L, 10L, 1))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(105L));
  }
}
