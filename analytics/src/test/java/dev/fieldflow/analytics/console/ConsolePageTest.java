package dev.fieldflow.analytics.console;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's page in a real headless Chromium, against a real console and PostgreSQL: it
 * loads, shows the ledger's numbers and a question's answer, logs nothing to the browser's
 * console, refuses a bad parameter in words, and leaves screenshots under {@code
 * target/console/} (docs/CONSOLE.md's images are copies of them).
 */
@Tag("slow")
class ConsolePageTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  private static final Path OUT = Path.of("target", "console");
  private static Console console;
  private static HeadlessChromium chromium;

  @BeforeAll
  static void aConsoleOnTheFixture() throws IOException {
    ConsoleFixture.insert(db);
    console = Console.start(db.analyst(), db.monitor(), 0, Duration.ofSeconds(5),
        Clock.fixed(ConsoleHttpTest.NOW, ZoneOffset.UTC));
    chromium = HeadlessChromium.find(OUT);
  }

  @AfterAll
  static void stopConsole() {
    if (console != null) {
      console.close();
    }
  }

  @Test
  void thePageLoadsWithoutConsoleMessages() throws Exception {
    HeadlessChromium.Page page = chromium.dumpDom(console.url());
    assertThat(page.dom(), containsString("<body data-loaded=\"true\">"));
    assertThat(page.consoleLines(), is(empty()));
  }

  @Test
  void thePageShowsTheIngestionNumbers() throws Exception {
    String dom = chromium.dumpDom(console.url()).dom();
    String visit = section(dom, "<div class=\"card\" id=\"pipeline-visit\">", "</dl>");
    assertThat(visit, containsString("<dd data-field=\"files done\">2</dd>"));
    assertThat(visit, containsString("<dd data-field=\"files failed\">1</dd>"));
    assertThat(visit, containsString("<dd data-field=\"backlog\">2</dd>"));
    assertThat(visit, containsString("<dd data-field=\"failed, superseded\">0</dd>"));
    assertThat(visit, containsString("<dd data-field=\"rows loaded\">11</dd>"));
    assertThat(visit, containsString("<dd data-field=\"ingest lag\">2.5 s</dd>"));
    assertThat(visit, containsString("<dd data-field=\"freshness\">50.0 min</dd>"));
    assertThat(dom, containsString("visits/c.jsonl.gz: unexpected end of gzip stream"));
    assertThat(dom, containsString("2026-01-01T12:30:00Z"));
    assertThat(dom, containsString("visit_date '2020-13-45' is not a calendar date"));
  }

  @Test
  void thePageShowsAQuestionsAnswer() throws Exception {
    String dom = chromium.dumpDom(console.url().resolve("/?q=q3&H=3")).dom();
    assertThat(section(dom, "<div id=\"question-table\">", "</div>"), is(
        "<div id=\"question-table\"><table><thead><tr><th>node_id</th><th>hops</th></tr></thead>"
            + "<tbody><tr><td class=\"number\">1</td><td class=\"number\">1</td></tr>"
            + "<tr><td class=\"number\">2</td><td class=\"number\">2</td></tr>"
            + "<tr><td class=\"number\">3</td><td class=\"number\">3</td></tr></tbody></table>"
            + "</div>"));
    assertThat(dom, containsString("<p id=\"question-count\">Rows 1–3 of 3.</p>"));
    assertThat(dom, containsString(
        "SELECT * FROM analytics.q3(max_hops =&gt; 3) AS answer ORDER BY 1, 2"));
  }

  @Test
  void aBadParameterShowsAClearMessageAndNoStackTrace() throws Exception {
    HeadlessChromium.Page page = chromium.dumpDom(console.url().resolve("/?q=q3&H=two"));
    assertThat(page.dom(), containsString("<div id=\"question-error\" class=\"error\">"
        + "--max_hops (H) must be an integer, got 'two'</div>"));
    assertThat(page.dom(), not(containsString("Exception")));
    assertThat(page.dom(), not(containsString("at dev.fieldflow")));
  }

  /** JSON.parse rounded them: 9007199254740992 and 12345678901234567000 were shown. */
  @Test
  void theSqlBoxShowsBigIntegersAndDecimalsExactlyAsNumbers() throws Exception {
    String dom = chromium.dumpDom(console.url().resolve("/?sql=SELECT+9007199254740993::bigint"
        + "+AS+big,+12345678901234567890.5::numeric+AS+wide,+'x'+AS+text#sql")).dom();
    assertThat(section(dom, "<div id=\"sql-table\">", "</tbody>"), endsWith("<tbody><tr>"
        + "<td class=\"number\">9007199254740993</td>"
        + "<td class=\"number\">12345678901234567890.5</td><td>x</td></tr></tbody>"));
  }

  /** It said "Rows 49901–49900 of 497." and "page 999 of 10". */
  @Test
  void aPagePastTheEndIsRefusedInWords() throws Exception {
    String dom = chromium.dumpDom(console.url().resolve("/?q=q3&H=3&page=999#questions")).dom();
    assertThat(dom, containsString("<div id=\"question-error\" class=\"error\">page 999 is past"
        + " the end: q3's answer has 3 rows, 1 page of 50</div>"));
  }

  /** page=abc and page=0 silently showed page 1. */
  @Test
  void aPageThatIsNotAPageNumberIsRefusedInWords() throws Exception {
    String dom = chromium.dumpDom(console.url().resolve("/?q=q3&page=abc#questions")).dom();
    assertThat(dom, containsString("<div id=\"question-error\" class=\"error\">page must be a"
        + " whole number from 1, got 'abc'</div>"));
  }

  /** ?q=q9 silently showed q1. */
  @Test
  void anUnknownQuestionIsRefusedInWords() throws Exception {
    String dom = chromium.dumpDom(console.url().resolve("/?q=q9#questions")).dom();
    assertThat(dom, containsString("<div id=\"question-error\" class=\"error\">unknown question"
        + " 'q9'; questions: q1, q2, q3, q4, q5</div>"));
  }

  @Test
  void aFailedFileThatIsNeverRetriedSaysNotRetried() throws Exception {
    db.execute("UPDATE fieldflow.ingest_files SET retry_after = 'infinity'"
        + " WHERE path = 'visits/c.jsonl.gz'");
    try {
      String dom = chromium.dumpDom(console.url().resolve("/#ingestion")).dom();
      assertThat(section(dom, "<div id=\"failed-files\">", "</tbody>"), containsString(
          "<td>2026-01-01T11:30:00Z</td><td>not retried</td>"));
    } finally {
      db.execute("UPDATE fieldflow.ingest_files SET retry_after = '2026-01-01 12:30:00Z'"
          + " WHERE path = 'visits/c.jsonl.gz'");
    }
  }

  @Test
  void savesScreenshotsOfThePage() throws Exception {
    Path ingestion = OUT.resolve("ingestion.png");
    Path questions = OUT.resolve("questions.png");
    Path sql = OUT.resolve("sql.png");
    chromium.screenshot(console.url().resolve("/#ingestion"), ingestion, 1280, 1100);
    chromium.screenshot(console.url().resolve("/?q=q3&H=3#questions"), questions, 1280, 1000);
    chromium.screenshot(console.url().resolve("/?sql=SELECT+*+FROM+analytics.status#sql"), sql,
        1280, 520);
    for (Path png : new Path[] {ingestion, questions, sql}) {
      byte[] bytes = Files.readAllBytes(png);
      assertThat(bytes.length, greaterThan(10_000));
      assertThat(Arrays.copyOf(bytes, 4), is(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
    }
  }

  /** The text from {@code start} to the first {@code end} after it. */
  private static String section(String dom, String start, String end) {
    int from = dom.indexOf(start);
    assertThat("the page has " + start, from, greaterThan(-1));
    return dom.substring(from, dom.indexOf(end, from) + end.length());
  }
}
