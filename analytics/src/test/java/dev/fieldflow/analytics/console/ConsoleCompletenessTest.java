package dev.fieldflow.analytics.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An input read with S3 event notifications: the console's Ingestion report and {@code /metrics}
 * give its completeness (the time up to which every listed object is loaded or quarantined),
 * the files still waiting and the ingest lag, as {@code fieldflow.input_completeness} computes
 * them from the ledger and the backfill listings.
 */
class ConsoleCompletenessTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void anInputReadWithNotificationsShowsItsCompletenessWaitingFilesAndLag() throws Exception {
    // Two listings: the first (10:00) found a.jsonl, done since; the second (11:00) found
    // b.jsonl too, still running. Complete through the first listing, one file waiting.
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " lines_read, records_read, rows_loaded, updates, duplicates, rejected,"
        + " last_modified, discovered_at, started_at, finished_at) VALUES"
        + " ('visit', 's3://b/visits/a.jsonl', 'v1', 'done', 1, 4, 4, 4, 0, 0, 0,"
        + "  '2026-01-01 09:59:58Z', '2026-01-01 10:00:00.5Z', '2026-01-01 10:00:01Z',"
        + "  '2026-01-01 10:00:02Z')");
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " last_modified, discovered_at, started_at) VALUES"
        + " ('visit', 's3://b/visits/b.jsonl', 'v1', 'running', 1,"
        + "  '2026-01-01 10:59:00Z', '2026-01-01 11:00:00.5Z', '2026-01-01 11:00:01Z')");
    db.execute("INSERT INTO fieldflow.input_listings (pipeline, input, prefix, listed_at, claimed_at,"
        + " files_listed, files_claimed) VALUES"
        + " ('visit', 's3://b/visits/', 's3://b/visits/', '2026-01-01 10:00:00Z', '2026-01-01 10:00:01Z', 1, 1),"
        + " ('visit', 's3://b/visits/', 's3://b/visits/', '2026-01-01 11:00:00Z', '2026-01-01 11:00:01Z', 2, 1)");

    try (Console console = Console.start(db.analyst(), db.monitor(), 0, Duration.ofSeconds(1),
        Clock.fixed(Instant.parse("2026-01-01T12:00:00Z"), ZoneOffset.UTC))) {
      String report = get(console, "/api/ingestion");
      assertThat(new ObjectMapper().readTree(report).get("completeness").toString(), is(
          "[{\"input\":\"s3://b/visits/\",\"completeThrough\":\"2026-01-01T10:00:00Z\","
              + "\"lastListedAt\":\"2026-01-01T11:00:00Z\",\"filesWaiting\":1,"
              + "\"ingestLagSeconds\":4.0,\"ingestLagMaxSeconds\":4.0}]"));

      String metrics = get(console, "/metrics");
      assertThat(metrics, containsString(
          "# TYPE fieldflow_input_complete_through_timestamp_seconds gauge\n"
              + "fieldflow_input_complete_through_timestamp_seconds{input=\"s3://b/visits/\"} 1767261600\n"));
      assertThat(metrics, containsString(
          "fieldflow_input_files_waiting{input=\"s3://b/visits/\"} 1\n"));
      assertThat(metrics, containsString(
          "fieldflow_input_ingest_lag_seconds{input=\"s3://b/visits/\"} 4\n"));
    }
  }

  @Test
  void aLabelValueIsEscapedAsTheExpositionFormatSays() {
    assertThat(Metrics.escape("s3://b/a \"q\"\\x\ny"), is("s3://b/a \\\"q\\\"\\\\x\\ny"));
  }

  private static String get(Console console, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(console.url().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.body(), response.statusCode(), is(200));
    return response.body();
  }
}
