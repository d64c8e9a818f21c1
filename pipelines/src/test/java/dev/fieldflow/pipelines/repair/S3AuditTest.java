package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import dev.fieldflow.pipelines.visits.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * audit on a real S3 server (S3Proxy): the listing is paged with ListObjectsV2 and compared with
 * what the visit pipeline recorded for the same objects.
 */
@Tag("slow")
class S3AuditTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static S3ProxyServer s3;

  @BeforeAll
  static void startS3() throws Exception {
    System.setProperty("aws.disableEc2Metadata", "true");
    s3 = S3ProxyServer.start();
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  private static VisitPipelineOptions onS3(String input) {
    return s3.configure(options(input));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void objectsLoadedByThePipelineAreNoGapAndANewOneIs() throws Exception {
    s3.createBucket("landing");
    s3.put("landing", "visits/a.jsonl", utf8(visits(1, 3)));
    s3.put("landing", "visits/b.jsonl", utf8(visits(10, 2)));
    s3.put("landing", "other/c.jsonl", utf8(visits(20, 2)));
    VisitPipeline.runOnce(onS3("s3://landing/visits/"), POSTGRES.writer());
    s3.put("landing", "visits/d.jsonl", utf8(visits(30, 1)));

    List<Integer> pages = new ArrayList<>();
    InputListing.list("s3://landing/visits/*", onS3("s3://landing/visits/"), 2,
        page -> pages.add(page.size()));
    assertThat(pages, equalTo(List.of(2, 1)));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Audit.Result result = Audit.run(onS3("s3://landing/visits/"), "s3://landing/visits/*",
        POSTGRES.writer(), new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(bytes.toString(StandardCharsets.UTF_8), result.loaded(), is(2L));
    assertThat(result.notLoaded(), is(1L));
    assertThat(result.gaps(), is(1L));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines.size(), is(2));
    assertThat(lines.get(0), startsWith("not loaded: s3://landing/visits/d.jsonl (size:"
        + utf8(visits(30, 1)).length + ",mtime:"));
    assertThat(lines.get(1), equalTo("audit: 3 object(s) in s3://landing/visits/*: 2 loaded,"
        + " 1 not loaded yet, 0 failed, 0 loaded in another version, 0 loading now; 1 gap(s)"));
  }

  /**
   * Beam reads a spec's scheme only up to a line break, so s3://b/a\nb was listed as a local path
   * under the working directory; audit must name the object as S3 has it.
   */
  @Test
  void anObjectWhoseKeyHasALineBreakIsNamedAsItsS3Path() throws Exception {
    s3.createBucket("breaks");
    s3.put("breaks", "visits/line\nbreak.jsonl", utf8(visits(40, 2)));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Audit.Result result = Audit.run(onS3("s3://breaks/visits/"), "s3://breaks/visits/*",
        POSTGRES.writer(), new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(result.notLoaded(), is(1L));
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow(),
        startsWith("not loaded: s3://breaks/visits/line\\u000abreak.jsonl (size:"
            + utf8(visits(40, 2)).length + ",mtime:"));
  }

  /** audit said only "The specified bucket does not exist (...)": not which listing, nor what to do. */
  @Test
  void aBucketThatDoesNotExistIsNamedWithWhatToCheck() {
    java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> InputListing.list("s3://no-such-bucket/visits/*", onS3("s3://no-such-bucket/visits/"),
            10, page -> { }));
    assertThat(e.getMessage(), startsWith("cannot list s3://no-such-bucket/visits/*: The specified"
        + " bucket does not exist"));
    assertThat(e.getMessage(), org.hamcrest.Matchers.containsString("; check the input"));
  }
}
