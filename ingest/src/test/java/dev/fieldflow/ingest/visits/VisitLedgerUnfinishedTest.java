package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the ledger check retakes without a listing ({@link VisitLedger#unfinished}): failed
 * versions whose retry time has come, except those superseded by a later version of the same
 * file that is done. Retaken once a day only to be marked gone again, a superseded version kept
 * a {@code finished_at} of today, outlived the version that superseded it in {@code prune
 * --ledger}, and then counted as failed again.
 */
class VisitLedgerUnfinishedTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @BeforeEach
  void ledger() {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
    POSTGRES.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, error,"
        + " retry_after, lines_read, records_read, rows_loaded, discovered_at, started_at,"
        + " finished_at) VALUES"
        // replaced while read, the new version loaded: superseded, not retaken
        + " ('visit', '/in/replaced.jsonl', 'v1', 'failed', 'holds another version now',"
        + "  now() - interval '1 second', 0, 0, 0, now(), now(), now()),"
        + " ('visit', '/in/replaced.jsonl', 'v2', 'done', NULL, NULL, 1, 1, 1, now(), now(), now()),"
        // deleted: no later version, retaken when due
        + " ('visit', '/in/deleted.jsonl', 'v1', 'failed', 'is gone',"
        + "  now() - interval '1 second', 0, 0, 0, now(), now(), now()),"
        // a later version that failed too: both retaken when due
        + " ('visit', '/in/twice.jsonl', 'v1', 'failed', 'reset', NULL, 0, 0, 0, now(), now(), now()),"
        + " ('visit', '/in/twice.jsonl', 'v2', 'failed', 'reset', NULL, 0, 0, 0, now(), now(), now()),"
        // loaded, then a broken later version: the later one is retaken
        + " ('visit', '/in/broke.jsonl', 'v1', 'done', NULL, NULL, 1, 1, 1, now(), now(), now()),"
        + " ('visit', '/in/broke.jsonl', 'v2', 'failed', 'reset', NULL, 0, 0, 0, now(), now(), now()),"
        // not due yet
        + " ('visit', '/in/later.jsonl', 'v1', 'failed', 'reset',"
        + "  now() + interval '1 hour', 0, 0, 0, now(), now(), now())");
  }

  @Test
  void aFailedVersionIsRetakenWhenDueUnlessALaterVersionIsDone() throws Exception {
    List<String> retaken;
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      retaken = VisitLedger.unfinished(c, UUID.randomUUID(), 100).stream()
          .map(u -> u.path() + " " + u.version()).sorted().toList();
    }

    assertThat(retaken, is(List.of("/in/broke.jsonl v2", "/in/deleted.jsonl v1",
        "/in/twice.jsonl v1", "/in/twice.jsonl v2")));
  }
}
