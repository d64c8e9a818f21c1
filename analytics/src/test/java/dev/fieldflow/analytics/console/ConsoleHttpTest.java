package dev.fieldflow.analytics.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The console's HTTP endpoints against a real PostgreSQL and a real server on 127.0.0.1: the
 * JSON, CSV and Prometheus text exactly as they follow from the rows inserted here, and the
 * refusals an analyst sees.
 */
class ConsoleHttpTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  /** The console's "now": 2026-01-01T12:00:00Z. */
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Console console;

  @BeforeAll
  static void aLedgerAQuarantineAndASmallNetwork() throws IOException {
    ConsoleFixture.insert(db);
    console = Console.start(db.analyst(), db.monitor(), 0, Duration.ofSeconds(1),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterAll
  static void stopConsole() {
    if (console != null) {
      console.close();
    }
  }

  @Test
  void metricsAreThePrometheusTextOfTheLedger() throws Exception {
    HttpResponse<String> response = get("/metrics");
    assertThat(response.statusCode(), is(200));
    assertThat(response.headers().firstValue("Content-Type").orElseThrow(),
        is("text/plain; version=0.0.4; charset=utf-8"));
    assertThat(response.body(), is(ConsoleFixture.METRICS));
  }

  @Test
  void theOperatorPagesLogInAsTheMonitorRoleUnlessTheEnvironmentNamesAnotherLogin() {
    String url = "jdbc:postgresql://127.0.0.1:5/fieldflow";

    assertThat(Console.monitorLogin(url, Map.of()).user(), is("fieldflow_monitor"));
    DatabaseConfig named = Console.monitorLogin(url,
        Map.of("FIELDFLOW_MONITOR_USER", " ops_reader ", "FIELDFLOW_MONITOR_PASSWORD", "pw-1"));
    assertThat(named.user(), is("ops_reader"));
    assertThat(named.password(), is("pw-1"));
    assertThat(named.jdbcUrl(), is(url));
  }

  @Test
  void aRefusedOperatorLoginIsNamedAndAnUnreachableServerIsNot() {
    assertThat(Console.refusedLogin(db.monitor()).isPresent(), is(false));
    DatabaseConfig wrong = DatabaseConfig.of(db.monitor().jdbcUrl(), "fieldflow_monitor",
        "wrong-password");
    assertThat(Console.refusedLogin(wrong).orElseThrow(), containsString("fieldflow_monitor"));
    DatabaseConfig nowhere = DatabaseConfig.of("jdbc:postgresql://127.0.0.1:1/fieldflow",
        "fieldflow_monitor", "placeholder-password");
    assertThat(Console.refusedLogin(nowhere).isPresent(), is(false));
  }

  @Test
  void metricsSayTheDatabaseIsDownInsteadOfFailingTheScrape() throws Exception {
    DatabaseConfig nowhere = DatabaseConfig.of("jdbc:postgresql://127.0.0.1:1/fieldflow",
        "fieldflow_monitor", "placeholder-password");
    try (Console down = Console.start(nowhere, nowhere, 0, Duration.ofSeconds(1),
        Clock.fixed(NOW, ZoneOffset.UTC))) {
      HttpResponse<String> response =
          HTTP.send(HttpRequest.newBuilder(down.url().resolve("/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode(), is(200));
      assertThat(response.body(),
          is("# HELP fieldflow_console_database_up Whether the console could read the ledger.\n"
              + "# TYPE fieldflow_console_database_up gauge\n"
              + "fieldflow_console_database_up 0\n"));
    }
  }

  @Test
  void ingestionGivesEachPipelinesNumbersLagAndFreshness() throws Exception {
    JsonNode report = json(get("/api/ingestion"));
    assertThat(report.get("readAt").asText(), is("2026-01-01T12:00:00Z"));
    assertThat(report.get("operator").asText(), is("fieldflow_monitor"));
    assertThat(report.get("pipelines").toString(), is(
        "[{\"pipeline\":\"visit\",\"filesDone\":2,\"filesFailed\":1,\"filesRunning\":1,"
            + "\"filesSuperseded\":0,"
            + "\"rowsLoaded\":11,\"rowsUpdated\":1,\"duplicates\":1,\"rejected\":2,"
            + "\"quarantined\":2,\"lastCommit\":\"2026-01-01T11:10:02.500Z\","
            + "\"lastFile\":\"visits/b.jsonl\",\"lastFileLagSeconds\":2.5,\"backlog\":2,"
            + "\"freshnessSeconds\":2997.5},"
            + "{\"pipeline\":\"network\",\"filesDone\":1,\"filesFailed\":0,\"filesRunning\":0,"
            + "\"filesSuperseded\":0,"
            + "\"rowsLoaded\":3,\"rowsUpdated\":0,\"duplicates\":0,\"rejected\":0,"
            + "\"quarantined\":0,\"lastCommit\":\"2026-01-01T09:00:00Z\","
            + "\"lastFile\":\"network/edges.txt\",\"lastFileLagSeconds\":60.0,\"backlog\":0,"
            + "\"freshnessSeconds\":10800.0}]"));
  }

  @Test
  void ingestionGivesRejectsByReasonWithSampleLines() throws Exception {
    assertThat(json(get("/api/ingestion")).get("rejects").toString(), is(
        "[{\"pipeline\":\"visit\",\"reason\":\"bad_date\",\"count\":1,\"samples\":["
            + "{\"file\":\"visits/a.jsonl\",\"line\":4,"
            + "\"rawText\":\"{\\\"visit_date\\\":\\\"2020-13-45\\\"}\",\"originalLength\":27,"
            + "\"message\":\"visit_date '2020-13-45' is not a calendar date\"}]},"
            + "{\"pipeline\":\"visit\",\"reason\":\"bad_json\",\"count\":1,\"samples\":["
            + "{\"file\":\"visits/a.jsonl\",\"line\":7,\"rawText\":\"not json\","
            + "\"originalLength\":8,\"message\":\"not a JSON object\"}]}]"));
  }

  @Test
  void ingestionGivesFailedFilesWithTheirErrorAndNextRetry() throws Exception {
    assertThat(json(get("/api/ingestion")).get("failedFiles").toString(), is(
        "[{\"pipeline\":\"visit\",\"path\":\"visits/c.jsonl.gz\",\"attempts\":3,"
            + "\"error\":\"visits/c.jsonl.gz: unexpected end of gzip stream\","
            + "\"lastTried\":\"2026-01-01T11:30:00Z\",\"retryAfter\":\"2026-01-01T12:30:00Z\","
            + "\"neverRetried\":false}]"));
  }

  /** retry_after 'infinity' showed as the year 292278994. */
  @Test
  void aFailedFileThatIsNeverRetriedSaysSoAndHasNoRetryTime() throws Exception {
    db.execute("INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
        + " lines_read, records_read, rows_loaded, updates, duplicates, rejected, error,"
        + " discovered_at, started_at, finished_at, retry_after) VALUES ('network', 'network/x.txt',"
        + " 'v1', 'failed', 2, 0, 0, 0, 0, 0, 0, 'reader died twice', '2026-01-01 11:00:00Z',"
        + " '2026-01-01 11:00:00Z', '2026-01-01 11:00:05Z', 'infinity')");
    try {
      JsonNode failed = json(get("/api/ingestion")).get("failedFiles");
      assertThat(failed.get(1).toString(), is("{\"pipeline\":\"network\",\"path\":\"network/x.txt\","
          + "\"attempts\":2,\"error\":\"reader died twice\",\"lastTried\":\"2026-01-01T11:00:05Z\","
          + "\"retryAfter\":null,\"neverRetried\":true}"));
    } finally {
      db.execute("DELETE FROM fieldflow.ingest_files WHERE path = 'network/x.txt'");
    }
  }

  @Test
  void ingestionGivesRowsAndFilesCommittedPerHour() throws Exception {
    assertThat(json(get("/api/ingestion")).get("hours").toString(), is(
        "[{\"pipeline\":\"network\",\"hour\":\"2026-01-01T09:00:00Z\",\"files\":1,\"rows\":3},"
            + "{\"pipeline\":\"visit\",\"hour\":\"2026-01-01T10:00:00Z\",\"files\":1,\"rows\":7},"
            + "{\"pipeline\":\"visit\",\"hour\":\"2026-01-01T11:00:00Z\",\"files\":1,\"rows\":5}]"));
  }

  @Test
  void aQuestionAnswersOnePageWithItsSql() throws Exception {
    JsonNode answer = json(get("/api/questions/q3?H=3&page=2&pageSize=2"));
    assertThat(answer.get("columns").toString(), is("[\"node_id\",\"hops\"]"));
    assertThat(answer.get("rows").toString(), is("[[3,3]]"));
    assertThat(answer.get("total").asInt(), is(3));
    assertThat(answer.get("page").asInt(), is(2));
    assertThat(answer.get("arguments").toString(), is("{\"max_hops\":3}"));
    assertThat(answer.get("statement").asText(),
        is("SELECT * FROM analytics.q3(max_hops => 3) AS answer ORDER BY 1, 2"));
    assertThat(answer.get("definition").asText(), startsWith("CREATE OR REPLACE FUNCTION analytics.q3("));
    assertThat(answer.get("series").toString(), is("[[1,1],[2,2],[3,3]]"));
  }

  @Test
  void aQuestionWithADateShowsTheDateInItsSql() throws Exception {
    JsonNode answer = json(get("/api/questions/q5?from=2020-03-02&T=126"));
    assertThat(answer.get("statement").asText(), is("SELECT * FROM analytics.q5("
        + "date_from => DATE '2020-03-02', token => 126) AS answer ORDER BY 1"));
    assertThat(answer.get("rows").toString(), is("[[1]]"));
    assertThat(answer.get("chart").isNull(), is(true));
  }

  @Test
  void aQuestionDownloadsAsCsv() throws Exception {
    HttpResponse<String> response = get("/api/questions/q3.csv?N=94&max_hops=2");
    assertThat(response.statusCode(), is(200));
    assertThat(response.headers().firstValue("Content-Disposition").orElseThrow(),
        is("attachment; filename=\"q3.csv\""));
    assertThat(response.body(), is("node_id,hops\n1,1\n2,2\n"));
  }

  /** The page said "Rows 49901–49900 of 497." for page 999. */
  @Test
  void aPagePastTheEndOfTheAnswerIsRefusedInWords() throws Exception {
    HttpResponse<String> response = get("/api/questions/q3?H=3&page=2");
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(),
        is("page 2 is past the end: q3's answer has 3 rows, 1 page of 50"));
  }

  /** Java reads the Arabic-Indic ١ as 1; a question's own parameters take ASCII digits only. */
  @ParameterizedTest
  @ValueSource(strings = {"page=%D9%A1", "pageSize=%D9%A1%D9%A0", "page=%EF%BC%91"})
  void aPageNumberIsWrittenInAsciiDigits(String parameter) throws Exception {
    HttpResponse<String> response = get("/api/questions/q3?H=3&" + parameter);
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(), containsString("must be a whole number"));
  }

  @Test
  void anUnknownQuestionIsA404NamingTheQuestions() throws Exception {
    HttpResponse<String> response = get("/api/questions/q3/");
    assertThat(response.statusCode(), is(404));
    assertThat(json(response).get("error").asText(),
        is("unknown question 'q3/'; questions: q1, q2, q3, q4, q5"));
  }

  @Test
  void aValueThatIsNotUrlEncodedIsRefusedInTheConsolesWords() throws Exception {
    HttpResponse<String> response = post("/api/sql", "sql=%ZZ");
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(), is("'%ZZ' is not URL-encoded: a % must be"
        + " followed by two hex digits (write %25 for a % itself)"));
  }

  @Test
  void aBadParameterIsRefusedWithAClearMessage() throws Exception {
    HttpResponse<String> response = get("/api/questions/q3?H=two");
    assertThat(response.statusCode(), is(400));
    assertThat(response.body(),
        is("{\"error\":\"--max_hops (H) must be an integer, got 'two'\"}"));
  }

  @Test
  void anUnknownParameterIsRefusedNamingTheRightOnes() throws Exception {
    HttpResponse<String> response = get("/api/questions/q3?Z=1");
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(),
        is("q3 has no parameter 'Z'; its parameters: --origin (N), --max_hops (H)"));
  }

  /** It was a 503 "is PostgreSQL running?": the value is the asker's to change. */
  @Test
  void aValuePostgresRefusesIsABadRequestInItsWordsNotAnOutage() throws Exception {
    HttpResponse<String> capped = get("/api/questions/q3?H=7");
    assertThat(capped.statusCode(), is(400));
    assertThat(json(capped).get("error").asText(), is("max_hops 7 is above the cap of 6"));

    HttpResponse<String> yearZero = get("/api/questions/q4?Y=0");
    assertThat(yearZero.statusCode(), is(400));
    assertThat(json(yearZero).get("error").asText(), not(containsString("is it running?")));
  }

  @Test
  void theSqlBoxKeepsTheRowLimitAndSaysItCut() throws Exception {
    JsonNode result = json(post("/api/sql", "sql=" + encode("SELECT node_id, node_type"
        + " FROM fieldflow.nodes ORDER BY node_id") + "&limit=2"));
    assertThat(result.get("columns").toString(), is("[\"node_id\",\"node_type\"]"));
    assertThat(result.get("rows").toString(), is("[[1,2],[2,null]]"));
    assertThat(result.get("truncated").asBoolean(), is(true));
    assertThat(result.get("role").asText(), is("fieldflow_analyst"));
  }

  /** 10,000 rows of 100 kB ran the console's 256 MB heap out and failed other requests. */
  @Test
  void theSqlBoxCutsAResultOfTooMuchTextWhateverTheRowLimitAndServesTheNextRequest()
      throws Exception {
    JsonNode result = json(post("/api/sql", "sql=" + encode("SELECT g, repeat('x', 100000)"
        + " FROM generate_series(1, 10000) g") + "&limit=10000"));

    assertThat(result.get("truncated").asBoolean(), is(true));
    assertThat(result.get("truncatedBy").asText(), is("textLimit"));
    long chars = 0;
    for (JsonNode row : result.get("rows")) {
      chars += row.get(0).asText().length() + row.get(1).asText().length();
    }
    assertThat(chars, is(SqlBox.MAX_RESULT_CHARS));
    assertThat(get("/api/questions/q3").statusCode(), is(200));
  }

  /** One value of 10 million characters was sent whole: 38.9 MB past the 8 MiB cap. */
  @Test
  void aWideValueIsCutAtTheTextLimitAndTheAnswerSaysSo() throws Exception {
    JsonNode result = json(post("/api/sql", "sql=" + encode("SELECT 1 AS n, repeat('é', 10000000) AS wide")));

    assertThat(result.get("truncatedBy").asText(), is("textLimit"));
    assertThat(result.get("rows").size(), is(1));
    assertThat((long) result.get("rows").get(0).get(1).asText().length(),
        is(SqlBox.MAX_RESULT_CHARS - 1));
  }

  /** The driver reads a row whole before the box can cut it: six of these ran the heap out. */
  @Test
  void aRowWiderThanTheDriverMayReceiveIsRefusedInWords() throws Exception {
    HttpResponse<String> response = post("/api/sql", "sql=" + encode("SELECT repeat('é', 20000000)"));

    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(), is("a row of this result is wider than the"
        + " SQL box reads (32 MiB for a query): select a part of the wide value, e.g."
        + " left(column, 1000), or use psql"));
    assertThat(get("/api/questions/q3").statusCode(), is(200));
  }

  /** JSON.parse read 9007199254740993 as 9007199254740992 and the numeric to 17 digits. */
  @Test
  void bigIntegersBeyondTwoToThe53AndDecimalsComeAsTheirExactDigits() throws Exception {
    JsonNode result = json(post("/api/sql", "sql=" + encode("SELECT 9007199254740993::bigint AS big,"
        + " 12345678901234567890.5::numeric AS wide, 1.10::numeric AS scale, 42::bigint AS small,"
        + " -9007199254740991::bigint AS smallest, 'x' AS text")));

    assertThat(result.get("rows").toString(), is("[[\"9007199254740993\",\"12345678901234567890.5\","
        + "\"1.10\",42,-9007199254740991,\"x\"]]"));
    assertThat(result.get("numericColumns").toString(), is("[true,true,true,true,true,false]"));
  }

  @Test
  void theSqlBoxCsvWritesExactNumbersUnquoted() throws Exception {
    HttpResponse<String> response = post("/api/sql.csv", "sql=" + encode("SELECT"
        + " 9007199254740993::bigint AS big, 12345678901234567890.5::numeric AS wide"));
    assertThat(response.body(), is("big,wide\n9007199254740993,12345678901234567890.5\n"));
  }

  /** The JSON said truncated while the CSV was silently one row short of the query's. */
  @Test
  void aSqlBoxCsvCutAtTheRowLimitSaysSoInAHeaderAndItsName() throws Exception {
    HttpResponse<String> response = post("/api/sql.csv",
        "sql=" + encode("SELECT generate_series(1, 1001) AS n"));

    assertThat(response.headers().firstValue("X-Fieldflow-Truncated").orElseThrow(), is("rowLimit"));
    assertThat(response.headers().firstValue("Content-Disposition").orElseThrow(),
        is("attachment; filename=\"query-first-1000-rows.csv\""));
    assertThat(response.body().lines().count(), is(1001L));
    assertThat(response.body(), endsWith("\n999\n1000\n"));
  }

  @Test
  void aWholeSqlBoxCsvHasNoTruncatedHeader() throws Exception {
    HttpResponse<String> response = post("/api/sql.csv", "sql=" + encode("SELECT 1 AS n"));
    assertThat(response.headers().firstValue("X-Fieldflow-Truncated").isPresent(), is(false));
    assertThat(response.headers().firstValue("Content-Disposition").orElseThrow(),
        is("attachment; filename=\"query.csv\""));
  }

  /** A 60 MB form got no answer and ran the heap out. */
  @Test
  void aRequestBodyAboveOneMebibyteIsRefusedUnread() throws Exception {
    String response;
    try (Socket socket = new Socket("127.0.0.1", console.url().getPort())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("POST /api/sql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000000\r\n"
          + "\r\nsql=SELECT+1").getBytes(StandardCharsets.US_ASCII));
      // The answer, not the end of the connection: the server waits a while for the rest.
      StringBuilder read = new StringBuilder();
      while (read.indexOf("\r\n0\r\n\r\n") < 0) {
        int b = socket.getInputStream().read();
        assertThat("the answer ended early: " + read, b, not(is(-1)));
        read.append((char) b);
      }
      response = read.toString();
    }
    assertThat(response, startsWith("HTTP/1.1 413 "));
    assertThat(response, containsString("{\"error\":\"the console reads requests of at most"
        + " 1048576 bytes (1 MiB), and this one has 60000000 bytes: a query is text, not data\"}"));
  }

  /** The connection was closed with no answer at all. */
  @Test
  void aChunkedBodyThatIsNotValidChunksIsRefusedInWords() throws Exception {
    String response = raw("POST /api/sql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
        + "Connection: close\r\n\r\nZZ\r\nsql=SELECT+1\r\n0\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 400 "));
    assertThat(response, containsString("Content-type: application/json; charset=utf-8\r\n"));
    assertThat(response, containsString("{\"error\":\"the request's body could not be read"
        + " (invalid chunk length): send it whole, with a Content-Length or in valid chunks\"}"));
  }

  /** Parallel wide results could take the whole heap; the third waits its turn in words. */
  @Test
  void aSqlBoxQueryBeyondTheOnesRunningAtOnceIsAnsweredBusy() throws Exception {
    try (Console slow = Console.start(db.analyst(), db.monitor(), 0, Duration.ofSeconds(20),
        Clock.fixed(NOW, ZoneOffset.UTC))) {
      HttpRequest sleeping = HttpRequest.newBuilder(slow.url().resolve("/api/sql"))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("sql=" + encode("SELECT pg_sleep(4) AS busy")))
          .build();
      List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
      for (int i = 0; i < Console.SQL_AT_ONCE; i++) {
        running.add(HTTP.sendAsync(sleeping, HttpResponse.BodyHandlers.ofString()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (db.count("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
          + " AND query LIKE '%pg_sleep(4) AS busy'") < Console.SQL_AT_ONCE) {
        assertThat("the slow queries started", System.nanoTime() < deadline, is(true));
        Thread.onSpinWait();
      }

      HttpResponse<String> third = HTTP.send(HttpRequest.newBuilder(slow.url().resolve("/api/sql"))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("sql=SELECT+1")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(third.statusCode(), is(503));
      assertThat(json(third).get("error").asText(), is("the SQL box is busy: it runs 2 queries at a"
          + " time and 2 are running; try again in a moment"));
      for (CompletableFuture<HttpResponse<String>> query : running) {
        assertThat(query.get().statusCode(), is(200));
      }
    }
  }

  /** It was a 400 with PostgreSQL's FATAL, while the questions said 503 in words. */
  @Test
  void theSqlBoxWithTheAnalystsConnectionsAllInUseIsUnavailableInWords() throws Exception {
    List<Connection> held = new ArrayList<>();
    try {
      while (true) {
        try {
          held.add(db.analyst().dataSource().getConnection());
        } catch (SQLException full) {
          assertThat(full.getSQLState(), is("53300"));
          break;
        }
      }
      HttpResponse<String> response = post("/api/sql", "sql=SELECT+1");

      assertThat(response.statusCode(), is(503));
      assertThat(json(response).get("error").asText(), is("PostgreSQL refused another session"
          + " (too many connections for role \"fieldflow_analyst\"); the fieldflow_analyst role's"
          + " connections are all in use: close a psql or wait, then try again"));
    } finally {
      for (Connection c : held) {
        c.close();
      }
    }
  }

  @Test
  void theSqlBoxDownloadsCsv() throws Exception {
    HttpResponse<String> response = post("/api/sql.csv",
        "sql=" + encode("SELECT task_id, note_tokens, 'a,b' AS text FROM fieldflow.visits"
            + " ORDER BY visit_id"));
    assertThat(response.statusCode(), is(200));
    assertThat(response.body(),
        is("task_id,note_tokens,text\n7,\"{126,1,2}\",\"a,b\"\n7,\"{1,2,126}\",\"a,b\"\n"));
  }

  /** A file's path is the uploader's to choose: an S3 key =HYPERLINK(...) lands in source_file. */
  @Test
  void aSqlBoxCsvCellASpreadsheetWouldRunAsAFormulaIsText() throws Exception {
    HttpResponse<String> response = post("/api/sql.csv", "sql=" + encode("SELECT '=1+1' AS a,"
        + " '@SUM(A1)' AS b, '-2+3' AS c, -5 AS d, 'plain' AS \"=e\""));
    assertThat(response.statusCode(), is(200));
    assertThat(response.body(), is("a,b,c,d,'=e\n'=1+1,'@SUM(A1),'-2+3,-5,plain\n"));
  }

  @Test
  void theSqlBoxCannotReadTheQuarantine() throws Exception {
    HttpResponse<String> response =
        post("/api/sql", "sql=" + encode("SELECT raw_text FROM fieldflow.rejected_records"));
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(),
        containsString("permission denied for table rejected_records"));
  }

  @Test
  void theSqlBoxCannotWrite() throws Exception {
    HttpResponse<String> response =
        post("/api/sql", "sql=" + encode("DELETE FROM fieldflow.visits RETURNING task_id"));
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(),
        containsString("cannot execute DELETE in a read-only transaction"));
    assertThat(db.count("SELECT count(*) FROM fieldflow.visits"), is(2L));
  }

  @Test
  void theSqlBoxEndsAQueryAtItsTimeout() throws Exception {
    HttpResponse<String> response = post("/api/sql", "sql=" + encode("SELECT pg_sleep(5)"));
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(),
        containsString("canceling statement due to statement timeout"));
  }

  /** The driver would run both, the second unseen: the box shows one result. */
  @Test
  void aTextOfSeveralStatementsIsRefusedBeforeAnyRuns() throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> response = post("/api/sql", "sql=" + encode("SELECT 1;"
        + " SELECT g, repeat('x', 100000), pg_sleep(0.001) FROM generate_series(1, 10000) g")
        + "&limit=10000");
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(), is("the SQL box runs one statement at a"
        + " time, and this text has 2 (separated by ;): run them one by one"));
    assertThat(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 5, is(true));
  }

  /** What the driver reads as one statement is one, semicolons in quotes and comments aside. */
  @Test
  void semicolonsInsideQuotesAndCommentsAndAtTheEndAreOneStatement() throws Exception {
    JsonNode result = json(post("/api/sql", "sql=" + encode("SELECT 'a;b' AS q, $x$c;d$x$ AS d,"
        + " \"e;f\" -- g;h\n FROM (SELECT 1 AS \"e;f\") t /* i;j */;;")));
    assertThat(result.get("rows").get(0).toString(), is("[\"a;b\",\"c;d\",1]"));
  }

  /** A note after the last ; is no second statement. */
  @ParameterizedTest
  @ValueSource(strings = {"SELECT 7; -- the answer", "SELECT 7; /* c; d */", "SELECT 7;\n-- only a note\n"})
  void aCommentAfterTheLastSemicolonIsNoSecondStatement(String sql) throws Exception {
    HttpResponse<String> response = post("/api/sql", "sql=" + encode(sql));
    assertThat(response.body(), response.statusCode(), is(200));
    assertThat(json(response).get("rows").toString(), is("[[7]]"));
  }

  /** A prepared statement read jsonb's ? as a parameter: "No value specified for parameter 1". */
  @Test
  void theQueryIsSentAsTypedQuestionMarksAndBracesIncluded() throws Exception {
    JsonNode result = json(post("/api/sql", "sql=" + encode("SELECT '{\"a\":1}'::jsonb ? 'a' AS has,"
        + " '{fn x}' AS text")));
    assertThat(result.get("rows").toString(), is("[[true,\"{fn x}\"]]"));
  }

  /** The server arms a statement's timeout when it starts: setting it away inside is too late. */
  @Test
  void aQueryThatSetsItsTimeoutAwayIsStillCancelled() throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> response = post("/api/sql", "sql=" + encode("SELECT"
        + " set_config('statement_timeout', '0', true), pg_sleep(30)"));
    assertThat(response.statusCode(), is(400));
    assertThat(json(response).get("error").asText(), containsString("canceling statement due to"));
    assertThat(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10, is(true));
  }

  @Test
  void thePageAndItsScriptsAreServedByTheConsole() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode(), is(200));
    assertThat(page.body(), containsString("<script src=\"/assets/chart.umd.js\""));
    assertThat(page.body(), not(containsString("http")));
    HttpResponse<String> chart = get("/assets/chart.umd.js");
    assertThat(chart.statusCode(), is(200));
    assertThat(chart.body(), containsString("Chart.js v4."));
    assertThat(get("/assets/app.js").statusCode(), is(200));
  }

  @Test
  void aRequestAddressedToAnotherNameIsRefused() throws Exception {
    // A raw request: Java's HTTP client will not send a Host of our choosing.
    try (Socket socket = new Socket("127.0.0.1", console.url().getPort())) {
      socket.getOutputStream().write(("GET /api/questions/q3 HTTP/1.1\r\nHost: evil.example\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response, startsWith("HTTP/1.1 403 "));
      assertThat(response, containsString("{\"error\":\"the console answers requests addressed"
          + " to 127.0.0.1, localhost or [::1], not 'evil.example'\"}"));
    }
  }

  @Test
  void localhostAndAnyPortAreLoopbackNames() {
    assertThat(Console.isLoopbackName("localhost:9000"), is(true));
    assertThat(Console.isLoopbackName("127.0.0.1:8090"), is(true));
    assertThat(Console.isLoopbackName("[::1]:8090"), is(true));
    assertThat(Console.isLoopbackName("LOCALHOST"), is(true));
    assertThat(Console.isLoopbackName("127.0.0.1.evil.example"), is(false));
    assertThat(Console.isLoopbackName(null), is(false));
  }

  /** Each was answered 200. */
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:80@evil.com", "localhost:evil", "localhost:80:80",
      "localhost.", "[::1]x"})
  void aHostThatIsALoopbackNameOnlyAtItsStartIsRefused(String host) {
    assertThat(Console.isLoopbackName(host), is(false));
  }

  @Test
  void aRequestNamingTwoHostsIsRefused() throws Exception {
    String response = raw("GET /api/ingestion HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 403 "));
    assertThat(response, containsString("{\"error\":\"the console answers requests addressed to"
        + " 127.0.0.1, localhost or [::1] in one Host header, and this one has 2\"}"));
  }

  @Test
  void aRequestNamingNoHostIsRefusedSayingSo() throws Exception {
    String response = raw("GET /api/ingestion HTTP/1.0\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 403 "));
    assertThat(response, containsString("in one Host header, and this one has 0\"}"));
  }

  @Test
  void aRequestForAWholeUrlOfAnotherHostIsRefused() throws Exception {
    String response = raw("GET http://evil.com/api/ingestion HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 403 "));
    assertThat(response, containsString("not 'evil.com'\"}"));
  }

  /** A page of another site could keep the analyst's connections busy, answers unread. */
  @Test
  void theApiRefusesARequestFromAPageOfAnotherOrigin() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/api/sql"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", "http://evil.com")
            .POST(HttpRequest.BodyPublishers.ofString("sql=SELECT+1")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode(), is(403));
    assertThat(json(response).get("error").asText(),
        is("the console's API answers the console's own page, not a page of 'http://evil.com'"));
  }

  @Test
  void theApiRefusesARequestTheBrowserSaysIsCrossSite() throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(console.url().resolve("/api/sql?sql=SELECT+1"))
            .header("Sec-Fetch-Site", "cross-site").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode(), is(403));
    assertThat(json(response).get("error").asText(),
        is("the console's API answers the console's own page, not a page of another site"));
  }

  /** Only the first Origin was compared: a second, foreign one passed. */
  @Test
  void theApiRefusesARequestNamingItsOwnOriginAndAnother() throws Exception {
    String own = "http://127.0.0.1:" + console.url().getPort();
    String response = raw("GET /api/questions HTTP/1.1\r\nHost: 127.0.0.1:" + console.url().getPort()
        + "\r\nOrigin: " + own + "\r\nOrigin: http://evil.com\r\nConnection: close\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 403 "));
    assertThat(response, containsString("{\"error\":\"the console's API answers the console's own"
        + " page, not a page of 'http://evil.com'\"}"));
  }

  @Test
  void theApiRefusesARequestOneOfWhoseFetchSitesIsCrossSite() throws Exception {
    String response = raw("GET /api/questions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Site: cross-site\r\nConnection: close\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 403 "));
    assertThat(response, containsString("not a page of another site\"}"));
  }

  @Test
  void theApiAnswersARequestEveryOneOfWhoseOriginsIsItsOwn() throws Exception {
    String own = "http://127.0.0.1:" + console.url().getPort();
    String response = raw("GET /api/questions HTTP/1.1\r\nHost: 127.0.0.1:" + console.url().getPort()
        + "\r\nOrigin: " + own + "\r\nOrigin: " + own + "\r\nConnection: close\r\n\r\n");
    assertThat(response, startsWith("HTTP/1.1 200 "));
  }

  @Test
  void theApiAnswersItsOwnPage() throws Exception {
    String origin = "http://127.0.0.1:" + console.url().getPort();
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(console.url().resolve("/api/sql"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", origin)
            .header("Sec-Fetch-Site", "same-origin")
            .POST(HttpRequest.BodyPublishers.ofString("sql=SELECT+1")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.body(), response.statusCode(), is(200));
  }

  /**
   * Four such requests froze every other request, /metrics included, while they were held; with
   * 128 workers, 129 did. A whole request is answered while every half-sent one is still open:
   * before, it was answered only once the server had closed enough of them.
   */
  @Test
  void halfSentRequestsDoNotHoldUpOtherRequests() throws Exception {
    List<Socket> halfSent = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        halfSent.add(halfSentRequest());
      }
      String response = raw("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

      assertThat(response, startsWith("HTTP/1.1 200 "));
      for (Socket socket : halfSent) {
        assertThat("a half-sent request was closed before the whole one was answered",
            isOpen(socket), is(true));
      }
    } finally {
      for (Socket socket : halfSent) {
        socket.close();
      }
    }
  }

  /**
   * Beyond its connections the console closes a new one at once, instead of queueing it behind
   * half-sent requests until their deadline: a client learns it is refused, and the console's
   * threads and file descriptors stay bounded.
   */
  @Test
  void aConnectionBeyondTheLastTheConsoleKeepsIsClosedAtOnce() throws Exception {
    List<Socket> halfSent = new ArrayList<>();
    try {
      for (int i = 0; i < Console.MAX_CONNECTIONS; i++) {
        halfSent.add(halfSentRequest());
      }
      long started = System.nanoTime();
      String response;
      try (Socket socket = new Socket("127.0.0.1", console.url().getPort())) {
        socket.setSoTimeout((Console.MAX_REQUEST_SECONDS + 5) * 1000);
        socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (SocketException reset) {
        response = "";
      }

      assertThat(response, is(""));
      assertThat(Duration.ofNanos(System.nanoTime() - started).toSeconds(),
          lessThan((long) Console.MAX_REQUEST_SECONDS));
    } finally {
      for (Socket socket : halfSent) {
        socket.close();
      }
    }
    assertThat(get("/metrics").statusCode(), is(200));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "", "lots"})
  void aConnectionCapThatIsNoNumberOrNoCapIsRefusedNamingIt(String cap) {
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> Console.workersFor(cap));
    assertThat(refused.getMessage(), is("-Djdk.httpserver.maxConnections must be 1..100000 for"
        + " the console (a worker thread per connection), but was '" + cap + "'"));
  }

  @Test
  void theConsoleClosesAConnectionWhoseRequestDoesNotArriveInTime() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", console.url().getPort())) {
      socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      socket.setSoTimeout((Console.MAX_REQUEST_SECONDS + 5) * 1000);
      long started = System.nanoTime();

      assertThat(socket.getInputStream().read(), is(-1));
      assertThat(Duration.ofNanos(System.nanoTime() - started).toSeconds(),
          greaterThan((long) Console.MAX_REQUEST_SECONDS - 2));
    }
  }

  @Test
  void aTakenPortIsRefusedNamingIt() {
    int taken = console.url().getPort();
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> Console.start(db.analyst(), db.monitor(), taken, Duration.ofSeconds(1),
            Clock.fixed(NOW, ZoneOffset.UTC)));
    assertThat(refused.getMessage(), startsWith("--port=" + taken + ": 127.0.0.1:" + taken
        + " is in use by another program ("));
    assertThat(refused.getMessage(), endsWith("); give another --port"));
  }

  @Test
  void anUnknownPageIsA404WithAMessage() throws Exception {
    HttpResponse<String> response = get("/nowhere");
    assertThat(response.statusCode(), is(404));
    assertThat(response.body(), is("{\"error\":\"no page /nowhere; the console is at /\"}"));
  }

  /**
   * A connection that has sent the start of a request's headers and waits. Not for /metrics:
   * the JDK's server takes the end of the connection for the end of the headers, and hundreds of
   * /metrics would then read the database at once.
   */
  private static Socket halfSentRequest() throws IOException {
    Socket socket = new Socket("127.0.0.1", console.url().getPort());
    socket.getOutputStream().write("GET /api/questions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  /** Whether the server has left this connection open and silent: no byte, and not its end. */
  private static boolean isOpen(Socket socket) throws IOException {
    socket.setSoTimeout(1);
    try {
      socket.getInputStream().read();
      return false;
    } catch (SocketTimeoutException stillOpen) {
      return true;
    } catch (SocketException closed) {
      return false;
    }
  }

  /** One request as written, on a socket of its own: Java's HTTP client will not send these. */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", console.url().getPort())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * However many requests read the database at once, the console opens at most {@link
   * Console#DATABASE_AT_ONCE} sessions; the rest wait, then are answered 503 in words, and the
   * sessions' requests are answered once the database answers them. The ledger is locked here so
   * that the first requests hold their sessions.
   */
  @Test
  void theConsoleOpensABoundedNumberOfDatabaseSessionsAndAnswersTheRestBusy() throws Exception {
    int requests = Console.DATABASE_AT_ONCE + 4;
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    try (Connection locker = db.admin().dataSource().getConnection()) {
      locker.setAutoCommit(false);
      locker.createStatement().execute("LOCK TABLE fieldflow.ingest_files IN ACCESS EXCLUSIVE MODE");
      for (int i = 0; i < requests; i++) {
        answers.add(HTTP.sendAsync(HttpRequest.newBuilder(console.url().resolve("/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (answers.stream().filter(CompletableFuture::isDone).count() < requests - Console.DATABASE_AT_ONCE
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }

      assertThat(db.count("SELECT count(*) FROM pg_stat_activity WHERE usename = ?",
          db.monitor().user()), is((long) Console.DATABASE_AT_ONCE));
      locker.rollback();
    }
    List<HttpResponse<String>> answered = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      answered.add(answer.get(60, java.util.concurrent.TimeUnit.SECONDS));
    }
    List<HttpResponse<String>> busy =
        answered.stream().filter(response -> response.statusCode() == 503).toList();
    assertThat(busy.size(), is(requests - Console.DATABASE_AT_ONCE));
    assertThat(busy.get(0).body(), containsString("/metrics: the console is busy: it reads the"
        + " database in " + Console.DATABASE_AT_ONCE + " sessions at a time"));
    assertThat(answered.stream().filter(response -> response.statusCode() == 200).count(),
        is((long) Console.DATABASE_AT_ONCE));
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(console.url().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String form)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(console.url().resolve(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
