package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.POLL_SECONDS;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.SLACK_MILLIS;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.awaitDone;
import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.continuous;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/** The visit pipeline against a real S3 server (S3Proxy, its own process) with real uploads. */
@Tag("slow")
class S3VisitPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static S3ProxyServer s3;

  @BeforeAll
  static void startS3() throws Exception {
    // Off EC2 the AWS SDK's default chains would ask the instance metadata address: never here.
    System.setProperty("aws.disableEc2Metadata", "true");
    s3 = S3ProxyServer.start();
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @BeforeEach
  void emptyLedger() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files, fieldflow.rejected_records,"
        + " fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  private static VisitPipelineOptions onS3(VisitPipelineOptions options) {
    return s3.configure(options);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void filesUploadedWhileItRunsAreIngestedWithinThePollIntervalWithExactCounts() throws Exception {
    s3.createBucket("landing");
    s3.put("landing", "visits/2020-01-01/a.jsonl", utf8(visits(1, 30)));
    s3.put("landing", "other/ignored.jsonl", utf8(visits(900, 3)));
    PipelineResult result = VisitPipeline.start(onS3(continuous("s3://landing/visits/**")),
        POSTGRES.writer(), UUID.randomUUID());
    try {
      awaitDone(POSTGRES, 1, 60_000);

      s3.put("landing", "visits/2020-01-02/b.jsonl.gz", VisitLines.gzip(utf8(visits(100, 20))));
      long latency = awaitDone(POSTGRES, 2, 60_000);
      assertThat("ms from upload to commit", latency, lessThan(POLL_SECONDS * 1000 + SLACK_MILLIS));

      // A new version of a path is a new file; the same visits in it are duplicates.
      s3.put("landing", "visits/2020-01-01/a.jsonl", utf8(visits(1, 30) + visits(200, 2)));
      awaitDone(POSTGRES, 3, 60_000);
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT path, lines_read, rows_loaded, duplicates FROM fieldflow.ingest_files"
            + " ORDER BY file_id"),
        equalTo(List.of(
            List.of("s3://landing/visits/2020-01-01/a.jsonl", 30L, 30L, 0L),
            List.of("s3://landing/visits/2020-01-02/b.jsonl.gz", 20L, 20L, 0L),
            List.of("s3://landing/visits/2020-01-01/a.jsonl", 32L, 2L, 30L))));
    assertThat(POSTGRES.count("SELECT count(DISTINCT version) FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%/a.jsonl'"), is(2L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(52L));
  }

  /** A probe stopped S3Proxy for a few seconds: the continuous pipeline on S3 exited for good. */
  @Test
  void aListingThatFailsForAWhileIsAPollThatFoundNothingAndPollingGoesOn(@TempDir Path data)
      throws Exception {
    S3ProxyServer own = S3ProxyServer.start(LocalServerProcess.freePort(), data);
    int port = own.port();
    PipelineResult result = null;
    try {
      own.createBucket("outage");
      own.put("outage", "visits/before.jsonl", utf8(visits(5000, 3)));
      result = VisitPipeline.start(own.configure(continuous("s3://outage/visits/*")),
          POSTGRES.writer(), UUID.randomUUID());
      awaitDone(POSTGRES, 1, 60_000);

      own.close();
      Thread.sleep(4 * POLL_SECONDS * 1000L); // several polls that cannot list
      assertThat("still running", result.getState(), is(PipelineResult.State.RUNNING));

      own = S3ProxyServer.start(port, data);
      own.put("outage", "visits/after.jsonl", utf8(visits(6000, 4)));
      awaitDone(POSTGRES, 2, 60_000);
    } finally {
      if (result != null) {
        result.cancel();
      }
      own.close();
    }
    assertThat(POSTGRES.rows("SELECT path, rows_loaded FROM fieldflow.ingest_files"
            + " WHERE path LIKE 's3://outage/%' ORDER BY file_id"),
        equalTo(List.of(List.of("s3://outage/visits/before.jsonl", 3L),
            List.of("s3://outage/visits/after.jsonl", 4L))));
  }

  @Test
  void aBucketThatDoesNotExistFailsAtStartWithS3sOwnWords() {
    VisitPipelineOptions options = onS3(VisitPipelineTest.options("s3://no-such-bucket/visits/"));
    java.io.IOException e = assertThrows(java.io.IOException.class,
        () -> VisitPipeline.runOnce(options, POSTGRES.writer()));
    // Was "ERROR": the listing's status, without what S3 said.
    assertThat(e.getMessage(), containsString("cannot list s3://no-such-bucket/visits/*: The specified"
        + " bucket does not exist"));
    assertThat(e.getMessage(), containsString("check --visitsInput"));
  }

  @Test
  void withoutARegionItFailsAtStartSayingWhatToSet() {
    VisitPipelineOptions options = onS3(VisitPipelineTest.options("s3://landing/visits/"));
    options.setAwsRegion(null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.runOnce(options, POSTGRES.writer()));
    assertThat(e.getMessage(), containsString("no AWS region"));
    assertThat(e.getMessage(), containsString("AWS_REGION"));
  }

  @Test
  void withoutCredentialsItFailsAtStartSayingWhatToSet() {
    VisitPipelineOptions options = VisitPipelineTest.options("s3://landing/visits/");
    options.setAwsRegion(Region.US_EAST_1);
    options.setEndpoint(s3.endpoint());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.runOnce(options, POSTGRES.writer()));
    assertThat(e.getMessage(), containsString("no AWS credentials"));
  }
}
