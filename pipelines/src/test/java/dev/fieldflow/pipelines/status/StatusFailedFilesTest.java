package dev.fieldflow.pipelines.status;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code manage.sh status} prints at most {@link Status#FAILED_SHOWN} failed files per pipeline
 * and says how many more there are, and where to see them: a list cut at 20 with nothing after
 * it read as if those were all.
 */
class StatusFailedFilesTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeEach
  void emptyLedger() throws Exception {
    db.execute("TRUNCATE fieldflow.ingest_files CASCADE");
  }

  @Test
  void failedFilesPastTheShownOnesAreCountedWithWhereToSeeThem() throws Exception {
    int failed = Status.FAILED_SHOWN + 7;
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " error, started_at, finished_at)"
        + " SELECT 'visit', format('/in/f%s.jsonl', lpad(i::text, 3, '0')), 'v1', 'failed', 1,"
        + " 'gzip: not a gzip stream', now(), now() FROM generate_series(1, " + failed + ") i");

    String status = status();

    assertThat(status, containsString("visit: 0 file(s) done, " + failed + " failed"));
    assertThat(status.split("\n  failed: ", -1).length - 1, is(Status.FAILED_SHOWN));
    assertThat(status, containsString("failed: /in/f020.jsonl (attempt 1)"));
    assertThat(status, not(containsString("failed: /in/f021.jsonl")));
    assertThat(status, containsString("... and 7 more failed file(s), not shown;"
        + " ./manage.sh audit prints each with its error"));
  }

  @Test
  void noCountIsPrintedWhenEveryFailedFileIsShown() throws Exception {
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " error, started_at, finished_at) VALUES ('visit', '/in/one.jsonl', 'v1', 'failed', 2,"
        + " 'gzip: not a gzip stream', now(), now())");

    String status = status();

    assertThat(status, containsString("failed: /in/one.jsonl (attempt 2): gzip: not a gzip stream"));
    assertThat(status, not(containsString("more failed file(s)")));
  }

  /** A failed load that read lines says how many: a refused network snapshot reads them all. */
  @Test
  void aFailedFileThatReadLinesSaysHowMany() throws Exception {
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " error, lines_read, records_read, started_at, finished_at) VALUES ('network',"
        + " '/net/edges.txt', 'v1', 'failed', 1, 'network load x of 1 file(s) failed: shrinks',"
        + " 82, 163, now(), now())");

    assertThat(status(), containsString("failed: /net/edges.txt (attempt 1, 82 lines read):"
        + " network load x of 1 file(s) failed: shrinks"));
  }

  /** A failed version whose later version loaded is not a failure left to look at. */
  @Test
  void aFailedVersionWhoseLaterVersionIsDoneIsCountedApartAndNotListed() throws Exception {
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " error, retry_after, lines_read, records_read, rows_loaded, started_at, finished_at)"
        + " VALUES ('visit', '/in/late.jsonl.gz', 'v1', 'failed', 1, 'corrupt_gzip: truncated',"
        + " 'infinity', 0, 0, 0, now(), now()),"
        + " ('visit', '/in/late.jsonl.gz', 'v2', 'done', 1, NULL, NULL, 2, 2, 2, now(), now()),"
        + " ('visit', '/in/gone.jsonl', 'v1', 'failed', 1, 'is gone', now() + interval '1 day',"
        + " 0, 0, 0, now(), now())");

    String status = status();

    assertThat(status, containsString("visit: 1 file(s) done, 1 failed, 0 running;"));
    assertThat(status, containsString("  1 failed version(s) superseded: a later version of the"
        + " same file is loaded (not counted as failed; the ledger keeps them)"));
    assertThat(status, containsString("failed: /in/gone.jsonl (attempt 1): is gone"));
    assertThat(status, not(containsString("failed: /in/late.jsonl.gz")));
  }

  private static String status() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Status.print(db.writer(), new PrintStream(printed, true, StandardCharsets.UTF_8));
    return printed.toString(StandardCharsets.UTF_8);
  }
}
