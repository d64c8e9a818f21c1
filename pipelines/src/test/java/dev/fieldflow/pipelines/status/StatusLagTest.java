package dev.fieldflow.pipelines.status;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code manage.sh status}'s ingest lag runs from a file's arrival: its last-modified time, or
 * when the ledger first saw it if that is earlier. A last-modified time a day ahead printed
 * "ingest lag -86396.8 s".
 */
class StatusLagTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @Test
  void aLastModifiedTimeInTheFutureGivesTheLagFromWhenTheFileWasFirstSeen() throws Exception {
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, lines_read,"
        + " records_read, rows_loaded, last_modified, discovered_at, started_at, finished_at)"
        + " VALUES ('visit', '/in/ahead.jsonl', 'v1', 'done', 1, 1, 1, now() + interval '1 day',"
        + " now() - interval '12 seconds', now() - interval '12 seconds', now())");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    Status.print(db.writer(), new PrintStream(printed, true, StandardCharsets.UTF_8));

    String status = printed.toString(StandardCharsets.UTF_8);
    assertThat(status, containsString("last file: /in/ahead.jsonl, committed "));
    assertThat(status, containsString(", ingest lag 12.0 s"));
  }
}
