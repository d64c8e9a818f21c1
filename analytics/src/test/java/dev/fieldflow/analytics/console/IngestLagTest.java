package dev.fieldflow.analytics.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A file's ingest lag runs from its arrival, which is its last-modified time or, when that is
 * later (a producer's clock ahead, a {@code touch -d}), the time the ledger first saw it: a
 * last-modified time a day ahead gave a lag of -86,396 s in {@code /metrics}, the console and
 * {@code manage.sh status}, and a lag alert could not fire.
 */
class IngestLagTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @Test
  void aLastModifiedTimeInTheFutureGivesTheLagFromWhenTheFileWasFirstSeen() throws Exception {
    db.execute("INSERT INTO fieldflow.input_listings (pipeline, input, prefix, listed_at,"
        + " claimed_at, files_listed, files_claimed) VALUES ('visit', 's3://b/visits/*',"
        + " 's3://b/visits/', '2026-01-01 10:00:00Z', '2026-01-01 10:00:01Z', 1, 1)");
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, lines_read,"
        + " records_read, rows_loaded, last_modified, discovered_at, started_at, finished_at)"
        + " VALUES ('visit', 's3://b/visits/ahead.jsonl', 'v1', 'done', 1, 1, 1,"
        + " '2026-01-02 10:00:00Z', '2026-01-01 10:00:00Z', '2026-01-01 10:00:00Z',"
        + " '2026-01-01 10:00:12Z')");

    try (Connection monitor = db.monitor().dataSource().getConnection()) {
      Ingestion.Pipeline visit = Ingestion.pipelines(monitor).get(0);
      assertThat(visit.pipeline(), is("visit"));
      assertThat(visit.lastFileLagSeconds(), closeTo(12.0, 0.001));
    }
    assertThat(db.rowsAs(db.analyst(), "SELECT ingest_lag_seconds, ingest_lag_max_seconds"
        + " FROM analytics.input_completeness"), is(List.of(List.of(12.0, 12.0))));
  }

  /**
   * The backlog is what the pipelines will still do by themselves: a file refused for good and a
   * failed network load wait for a person, and counted, they kept the backlog alert on for good.
   */
  @Test
  void theBacklogCountsFilesRunningOrToBeRetriedAndThoseRefusedForGoodAreNeverRetried() throws Exception {
    db.execute("DELETE FROM fieldflow.ingest_files");
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, error,"
        + " retry_after, discovered_at, started_at) VALUES"
        + " ('visit', 'v/running.jsonl', 'v1', 'running', NULL, NULL, now(), now()),"
        + " ('visit', 'v/retried.jsonl', 'v1', 'failed', 'reset', now() + interval '1 minute', now(), now()),"
        + " ('visit', 'v/bomb.jsonl.gz', 'v1', 'failed', 'gzip bomb', 'infinity', now(), now()),"
        + " ('network', 'n/edges.csv', 'v1', 'failed', 'csv', NULL, now(), now())");

    try (Connection monitor = db.monitor().dataSource().getConnection()) {
      List<Ingestion.Pipeline> pipelines = Ingestion.pipelines(monitor);
      assertThat(pipelines.get(0).filesFailed(), is(2L));
      assertThat(pipelines.get(0).backlog(), is(2L));
      assertThat(pipelines.get(1).pipeline(), is("network"));
      assertThat(pipelines.get(1).filesFailed(), is(1L));
      assertThat(pipelines.get(1).backlog(), is(0L));
      // The page says "not retried" for these, not "next poll".
      List<Ingestion.FailedFile> failed = Ingestion.read(monitor, java.time.Instant.now()).failedFiles();
      assertThat(failed.stream().map(f -> f.path() + " " + f.neverRetried()).toList(),
          is(List.of("v/retried.jsonl false", "v/bomb.jsonl.gz true", "n/edges.csv true")));
    }
  }

  @Test
  void aNumberJustAboveAWholeOneHasNoTrailingPoint() {
    assertThat(Metrics.format(2.0004), is("2"));
    assertThat(Metrics.format(1000.0001), is("1000"));
    assertThat(Metrics.format(2.5), is("2.5"));
    assertThat(Metrics.format(-0.1204), is("-0.12"));
  }
}
