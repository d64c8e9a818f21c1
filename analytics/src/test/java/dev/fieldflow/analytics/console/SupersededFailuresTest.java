package dev.fieldflow.analytics.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A failed version of a file whose later version is done is superseded: the file's rows come
 * from the later version and nothing waits for a person. It counted as failed for good (a
 * truncated gzip read while its writer was still writing it, then loaded whole), so the
 * failed-files alert ({@code fieldflow_files{status="failed"} > 0}) never cleared and the
 * backlog never emptied. A failed version with no later version done still counts.
 */
class SupersededFailuresTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeEach
  void ledger() throws Exception {
    db.execute("TRUNCATE fieldflow.ingest_files CASCADE");
    // In ledger order (file_id): each path's versions as they were discovered.
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, error,"
        + " retry_after, lines_read, records_read, rows_loaded, discovered_at, started_at,"
        + " finished_at) VALUES"
        // truncated while written, then loaded whole: superseded
        + " ('visit', 'v/a.jsonl.gz', 'v1', 'failed', 'corrupt_gzip', 'infinity', 0, 0, 0, now(), now(), now()),"
        + " ('visit', 'v/a.jsonl.gz', 'v2', 'done', NULL, NULL, 3, 3, 3, now(), now(), now()),"
        // replaced between listing and read, retried by the pipeline: superseded
        + " ('visit', 'v/b.jsonl', 'v1', 'failed', 'holds another version now', now() + interval '1 day', 0, 0, 0, now(), now(), now()),"
        + " ('visit', 'v/b.jsonl', 'v2', 'done', NULL, NULL, 1, 1, 1, now(), now(), now()),"
        // loaded, then replaced by a broken version: the file as it is now failed; counted
        + " ('visit', 'v/c.jsonl', 'v1', 'done', NULL, NULL, 1, 1, 1, now(), now(), now()),"
        + " ('visit', 'v/c.jsonl', 'v2', 'failed', 'not_text', 'infinity', 0, 0, 0, now(), now(), now()),"
        // two failed versions: neither is superseded by the other
        + " ('visit', 'v/d.jsonl', 'v1', 'failed', 'reset', now() + interval '1 minute', 0, 0, 0, now(), now(), now()),"
        + " ('visit', 'v/d.jsonl', 'v2', 'failed', 'reset', now() + interval '1 minute', 0, 0, 0, now(), now(), now()),"
        // another pipeline's done row of the same path does not supersede
        + " ('network', 'v/e.txt', 'v1', 'failed', 'csv', NULL, 0, 0, 0, now(), now(), now()),"
        + " ('visit', 'v/e.txt', 'v1', 'done', NULL, NULL, 1, 1, 1, now(), now(), now()),"
        + " ('network', 'n/edges.txt', 'v1', 'failed', 'csv', NULL, 0, 0, 0, now(), now(), now()),"
        + " ('network', 'n/edges.txt', 'v2', 'done', NULL, NULL, 4, 4, 4, now(), now(), now())");
  }

  @Test
  void aFailedVersionWithALaterVersionDoneIsNeitherFailedNorBacklog() throws Exception {
    try (Connection monitor = db.monitor().dataSource().getConnection()) {
      List<Ingestion.Pipeline> pipelines = Ingestion.pipelines(monitor);
      Ingestion.Pipeline visit = pipelines.get(0);
      assertThat(visit.filesFailed(), is(3L)); // c v2, d v1, d v2
      assertThat(visit.filesSuperseded(), is(2L)); // a v1, b v1
      assertThat(visit.backlog(), is(2L)); // d v1, d v2 (b v1 is retried, but superseded)
      Ingestion.Pipeline network = pipelines.get(1);
      assertThat(network.filesFailed(), is(1L)); // v/e.txt
      assertThat(network.filesSuperseded(), is(1L)); // n/edges.txt v1

      String metrics = Metrics.render(pipelines, Map.of(), Instant.now());
      assertThat(metrics, containsString("fieldflow_files{pipeline=\"visit\",status=\"failed\"} 3\n"));
      assertThat(metrics,
          containsString("fieldflow_files{pipeline=\"visit\",status=\"superseded\"} 2\n"));
      assertThat(metrics,
          containsString("fieldflow_files{pipeline=\"network\",status=\"failed\"} 1\n"));
    }
  }

  @Test
  void theFailedFilesListLeavesOutSupersededVersions() throws Exception {
    try (Connection monitor = db.monitor().dataSource().getConnection()) {
      List<Ingestion.FailedFile> failed = Ingestion.read(monitor, Instant.now()).failedFiles();
      assertThat(failed.stream().map(f -> f.pipeline() + " " + f.path()).sorted().toList(),
          is(List.of("network v/e.txt", "visit v/c.jsonl", "visit v/d.jsonl", "visit v/d.jsonl")));
    }
  }
}
