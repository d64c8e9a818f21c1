package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.ContinuousVisitPipelineTest.continuous;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.ingest.notifications.BackfillVisitFiles;
import dev.fieldflow.ingest.notifications.ReadS3Notifications;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.LocalPatterns;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The visit pipeline fed by S3 event notifications: real S3 (S3Proxy) and SQS (ElasticMQ)
 * servers in their own processes; each notification is published in S3's format after its
 * upload, as S3 would. Each test has its own bucket and queue.
 */
@Tag("slow")
class S3NotificationPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static S3ProxyServer s3;
  static ElasticMqServer sqs;

  @BeforeAll
  static void startServers() throws Exception {
    System.setProperty("aws.disableEc2Metadata", "true");
    s3 = S3ProxyServer.start();
    sqs = ElasticMqServer.start();
  }

  @AfterAll
  static void stopServers() {
    if (s3 != null) {
      s3.close();
    }
    if (sqs != null) {
      sqs.close();
    }
  }

  static VisitPipelineOptions notified(String input, String queueUrl, int backfillSeconds) {
    VisitPipelineOptions options = continuous(input);
    s3.configure(options);
    options.setNotifications(queueUrl);
    options.setBackfillIntervalSeconds(backfillSeconds);
    return options;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("after 90 s, not yet: " + what + "; ledger: "
            + POSTGRES.rows("SELECT path, version, status, error FROM fieldflow.ingest_files ORDER BY file_id"));
      }
      Thread.sleep(100);
    }
  }

  static long done(String bucket) {
    return POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done' AND path LIKE ?",
        "s3://" + bucket + "/%");
  }

  static long counter(PipelineResult result, Class<?> namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(namespace.getName(), name)).build()).getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  @Test
  void everyShapeOfNotificationBringsItsFileExactlyOnceAndGarbageGoesToTheDeadLetterQueue()
      throws Exception {
    String bucket = "shapes";
    s3.createBucket(bucket);
    String queue = sqs.createQueue("shapes", 2, 2);
    PipelineResult result = VisitPipeline.start(
        notified("s3://" + bucket + "/visits/", queue, 0), POSTGRES.writer(), UUID.randomUUID());
    try {
      s3.put(bucket, "visits/day one a b.jsonl", utf8(visits(1, 10)));
      s3.put(bucket, "visits/a+b.jsonl", utf8(visits(100, 11)));
      s3.put(bucket, "visits/café €.jsonl", utf8(visits(200, 12)));
      s3.put(bucket, "visits/sns.jsonl", utf8(visits(300, 13)));
      s3.put(bucket, "other/outside.jsonl", utf8(visits(400, 5)));
      s3.put(bucket, "visits/.hidden.jsonl", utf8(visits(500, 5)));
      String twoFiles = S3Events.created(bucket, "visits/day one a b.jsonl", "visits/a+b.jsonl");
      sqs.send(queue, twoFiles);
      sqs.send(queue, S3Events.created(bucket, "visits/café €.jsonl"));
      sqs.send(queue, S3Events.viaSns(S3Events.created(bucket, "visits/sns.jsonl")));
      sqs.send(queue, S3Events.testEvent(bucket));
      sqs.send(queue, S3Events.created(bucket, "visits/never-uploaded.jsonl"));
      sqs.send(queue, S3Events.created(bucket, "other/outside.jsonl", "visits/.hidden.jsonl"));
      sqs.send(queue, "this is not an S3 event {");
      sqs.send(queue, twoFiles); // a duplicate

      await("4 files done", () -> done(bucket) == 4);
      // Every message handled is deleted; the garbage one, never deleted, is moved by the
      // queue's redrive policy to the dead-letter queue after its second receive.
      await("the queue empty", () -> sqs.messagesLeft(queue) == 0);
      await("the garbage in the dead-letter queue", () -> sqs.messagesLeft(queue + "-dlq") == 1);
    } finally {
      result.cancel();
    }
    assertThat(sqs.peek(queue + "-dlq").get(0).body(), is("this is not an S3 event {"));
    assertThat(POSTGRES.rows("SELECT path, lines_read, rows_loaded, attempts FROM fieldflow.ingest_files"
            + " WHERE path LIKE 's3://shapes/%' ORDER BY path"),
        equalTo(List.of(
            List.of("s3://shapes/visits/a+b.jsonl", 11L, 11L, 1),
            List.of("s3://shapes/visits/café €.jsonl", 12L, 12L, 1),
            List.of("s3://shapes/visits/day one a b.jsonl", 10L, 10L, 1),
            List.of("s3://shapes/visits/sns.jsonl", 13L, 13L, 1))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits WHERE source_file LIKE 's3://shapes/%'"),
        is(46L));
    Class<?> n = ReadS3Notifications.class;
    assertThat(counter(result, n, ReadS3Notifications.Counters.CLAIMED), is(4L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.TEST_EVENTS), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.GONE), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.OUTSIDE_INPUT), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.IGNORED_NAMES), is(1L));
    assertThat("counted on its first receive only",
        counter(result, n, ReadS3Notifications.Counters.UNREADABLE), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.DELETED), is(7L));
  }

  /**
   * Beam reads s3://b/a\nb as a local path: in one HEAD batch with s3 keys, that failed the
   * whole batch, and the pipeline with it, at every redelivery. A folder marker is no file.
   */
  @Test
  void aKeyWithALineBreakAndAFolderMarkerAreSkippedAndTheOtherFileOfTheirMessageLoads()
      throws Exception {
    String bucket = "names";
    s3.createBucket(bucket);
    String queue = sqs.createQueue("names", 2, 2);
    s3.put(bucket, "visits/ok.jsonl", utf8(visits(9000, 7)));
    s3.put(bucket, "visits/line\nbreak.jsonl", utf8(visits(100, 5)));
    s3.put(bucket, "visits/", new byte[0]);
    PipelineResult result = VisitPipeline.start(
        notified("s3://" + bucket + "/visits/", queue, 0), POSTGRES.writer(), UUID.randomUUID());
    try {
      sqs.send(queue, S3Events.created(bucket, "visits/line\nbreak.jsonl", "visits/ok.jsonl",
          "visits/"));

      await("ok.jsonl done", () -> done(bucket) == 1);
      await("the queue empty", () -> sqs.messagesLeft(queue) == 0);
      assertThat(result.getState(), is(PipelineResult.State.RUNNING));
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT path, status, rows_loaded FROM fieldflow.ingest_files"
            + " WHERE path LIKE 's3://names/%'"),
        equalTo(List.of(List.of("s3://names/visits/ok.jsonl", "done", 7L))));
    assertThat(sqs.messagesLeft(queue + "-dlq"), is(0L));
    Class<?> n = ReadS3Notifications.class;
    assertThat(counter(result, n, ReadS3Notifications.Counters.UNADDRESSABLE), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.IGNORED_NAMES), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.CLAIMED), is(1L));
    assertThat(counter(result, n, ReadS3Notifications.Counters.DELETED), is(1L));
  }

  /**
   * An object that can be neither loaded nor quarantined (a line break in its key) is a gap: the
   * listing that finds it is not recorded as complete, so completeness does not claim it.
   */
  @Test
  void aListingWithAnObjectThatCannotBeLoadedIsNotComplete() throws Exception {
    String bucket = "gaps";
    s3.createBucket(bucket);
    String queue = sqs.createQueue("gaps", 5, 3);
    s3.put(bucket, "visits/ok.jsonl", utf8(visits(9500, 3)));
    s3.put(bucket, "visits/line\nbreak.jsonl", utf8(visits(9600, 2)));
    PipelineResult result = VisitPipeline.start(
        notified("s3://" + bucket + "/visits/", queue, 3600), POSTGRES.writer(), UUID.randomUUID());
    try {
      // The listing's files are taken after it is recorded (or not): ok.jsonl done, it is over.
      await("ok.jsonl backfilled", () -> done(bucket) == 1);
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.input_listings"
        + " WHERE input = 's3://gaps/visits/*'"), is(0L));
  }

  /** The ledger's files to retry can be local and in S3 at once; Beam matches one scheme a call. */
  @Test
  void filesLookedAtOneByOneMayMixLocalAndS3Paths(@TempDir Path dir) throws Exception {
    String bucket = "mixed";
    s3.createBucket(bucket);
    s3.put(bucket, "visits/a.jsonl", utf8(visits(1, 3)));
    Path local = Files.writeString(dir.resolve("b.jsonl"), visits(10, 2));
    FileSystems.setDefaultPipelineOptions(notified("s3://" + bucket + "/visits/", "unused", 0));

    List<MatchResult> found = LocalPatterns.matchEach(List.of("s3://mixed/visits/a.jsonl",
        local.toString(), "s3://mixed/visits/gone.jsonl", dir.resolve("gone.jsonl").toString()));

    assertThat(found.stream().map(MatchResult::status).toList(), equalTo(List.of(
        MatchResult.Status.OK, MatchResult.Status.OK, MatchResult.Status.NOT_FOUND,
        MatchResult.Status.NOT_FOUND)));
    assertThat(found.get(0).metadata().get(0).resourceId().toString(), is("s3://mixed/visits/a.jsonl"));
    assertThat(found.get(1).metadata().get(0).sizeBytes(), is(Files.size(local)));
  }

  /** A message whose second record cannot be read: its first file loads all the same. */
  @Test
  void aGoodRecordLoadsThoughAnotherRecordOfItsMessageCannotBeRead() throws Exception {
    String bucket = "halfbad";
    s3.createBucket(bucket);
    s3.put(bucket, "visits/good.jsonl", utf8(visits(8000, 4)));
    String queue = sqs.createQueue("halfbad", 1, 2);
    PipelineResult result = VisitPipeline.start(
        notified("s3://" + bucket + "/visits/", queue, 0), POSTGRES.writer(), UUID.randomUUID());
    try {
      // One message of two records, the second with a key that is not URL-encoded.
      String both = S3Events.created(bucket, "visits/good.jsonl", "visits/bad.jsonl")
          .replace("visits/bad.jsonl", "visits/bad%zz.jsonl");
      assertThat(both, containsString("bad%zz"));
      sqs.send(queue, both);

      await("the good file loaded", () -> done(bucket) == 1);
      await("the message in the dead-letter queue", () -> sqs.messagesLeft(queue + "-dlq") == 1);
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT path, rows_loaded FROM fieldflow.ingest_files"
        + " WHERE path LIKE 's3://halfbad/%'"), equalTo(List.of(List.of("s3://halfbad/visits/good.jsonl", 4L))));
  }

  /**
   * Every receive counts toward the queue's dead-letter redrive: a pipeline that kept receiving
   * while S3 was down sent a valid notification there after maxReceiveCount receives, and only a
   * backfill (none here) would have loaded its file.
   */
  @Test
  void aNotificationDuringAnS3OutageWaitsInTheQueueAndLoadsWhenS3IsBack(@TempDir Path data)
      throws Exception {
    String bucket = "outage";
    S3ProxyServer own = S3ProxyServer.start(LocalServerProcess.freePort(), data);
    int port = own.port();
    String queue = sqs.createQueue("outage", 1, 3);
    PipelineResult result = null;
    try {
      own.createBucket(bucket);
      own.put(bucket, "visits/during-outage.jsonl", utf8(visits(7000, 9)));
      VisitPipelineOptions options = notified("s3://" + bucket + "/visits/", queue, 0);
      own.configure(options);
      result = VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID());
      own.close();
      sqs.send(queue, S3Events.created(bucket, "visits/during-outage.jsonl"));

      // Long enough for 3 receives at a 1 s visibility timeout, had the pipeline kept receiving.
      Thread.sleep(8_000);
      assertThat("not in the dead-letter queue", sqs.messagesLeft(queue + "-dlq"), is(0L));

      own = S3ProxyServer.start(port, data);
      await("the file loaded once S3 answers", () -> done(bucket) == 1);
      await("the queue empty", () -> sqs.messagesLeft(queue) == 0);
    } finally {
      if (result != null) {
        result.cancel();
      }
      own.close();
    }
    assertThat(sqs.messagesLeft(queue + "-dlq"), is(0L));
    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded FROM fieldflow.ingest_files"
        + " WHERE path = 's3://outage/visits/during-outage.jsonl'"), equalTo(List.of(List.of(9L, 9L))));
  }

  @Test
  void anObjectThereBeforeStartIsBackfilledAndOnlyANewVersionOfItIsIngestedAgain() throws Exception {
    String bucket = "backfill";
    s3.createBucket(bucket);
    s3.put(bucket, "visits/early.jsonl", utf8(visits(1000, 20)));
    String queue = sqs.createQueue("backfill", 5, 3);
    PipelineResult result = VisitPipeline.start(
        notified("s3://" + bucket + "/visits/", queue, 3600), POSTGRES.writer(), UUID.randomUUID());
    try {
      await("the early file backfilled", () -> done(bucket) == 1);

      // A late notification of the version the listing took changes nothing.
      String early = S3Events.created(bucket, "visits/early.jsonl");
      sqs.send(queue, early);
      await("the late notification handled", () -> sqs.messagesLeft(queue) == 0);

      // A new version of the key is a new file; an old notification arriving after it (S3 does
      // not order deliveries) finds the new version, which is done: nothing more.
      s3.put(bucket, "visits/early.jsonl", utf8(visits(1000, 20) + visits(1100, 2)));
      sqs.send(queue, early);
      await("the new version done", () -> done(bucket) == 2);
      sqs.send(queue, early);
      await("the queue empty", () -> sqs.messagesLeft(queue) == 0);
    } finally {
      result.cancel();
    }
    assertThat(POSTGRES.rows("SELECT lines_read, rows_loaded, duplicates, attempts FROM fieldflow.ingest_files"
            + " WHERE path = 's3://backfill/visits/early.jsonl' ORDER BY file_id"),
        equalTo(List.of(List.of(20L, 20L, 0L, 1), List.of(22L, 2L, 20L, 1))));
    assertThat("complete up to the listing, nothing waiting, as analysts see it",
        POSTGRES.rowsAs(POSTGRES.analyst(), "SELECT complete_through = last_listed_at, files_waiting,"
            + " last_listing_files, ingest_lag_files FROM analytics.input_completeness"
            + " WHERE input = 's3://backfill/visits/*'"),
        equalTo(List.of(List.of(true, 0L, 1L, 2L))));
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    dev.fieldflow.pipelines.status.Status.print(POSTGRES.writer(),
        new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
    assertThat(printed.toString(StandardCharsets.UTF_8),
        containsString("input s3://backfill/visits/*: complete through "));
    assertThat(printed.toString(StandardCharsets.UTF_8),
        containsString("ingestion lag of its last 2 files: median "));
    assertThat(counter(result, BackfillVisitFiles.class, BackfillVisitFiles.Counters.LISTINGS), is(1L));
    assertThat(counter(result, BackfillVisitFiles.class, BackfillVisitFiles.Counters.CLAIMED), is(1L));
    assertThat(counter(result, ReadS3Notifications.class, ReadS3Notifications.Counters.CLAIMED), is(1L));
  }

  @Test
  void aQueueUrlThatIsNotOneIsRefusedAtStartWithTheOptionsName() {
    VisitPipelineOptions options = notified("s3://shapes/visits/", "sqs-visits", 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID()));
    assertThat(e.getMessage(), containsString("--notifications 'sqs-visits' is not an SQS queue URL"));
  }

  /** An unset variable ({@code --notifications=$QUEUE}) must not start a polling pipeline. */
  @Test
  void anEmptyQueueUrlIsRefusedAtStartInsteadOfPolling() {
    VisitPipelineOptions options = notified("s3://shapes/visits/", " ", 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID()));
    assertThat(e.getMessage(), containsString("--notifications is empty: give the SQS queue URL"));
  }

  @Test
  void aLocalInputWithNotificationsIsRefusedAtStart() {
    VisitPipelineOptions options = notified("/tmp/visits/", "http://127.0.0.1:1/000000000000/q", 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID()));
    assertThat(e.getMessage(), containsString("--notifications needs an s3://bucket/prefix/ input"));
  }

  @Test
  void aNegativeBackfillIntervalIsRefusedAtStartWithItsNameAndValue() {
    VisitPipelineOptions options = notified("s3://shapes/visits/", "http://127.0.0.1:1/000000000000/q", -5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID()));
    assertThat(e.getMessage(), containsString("--backfillIntervalSeconds must be >= 0 (0: never list), but was -5"));
  }

  @Test
  void notificationsWithOnceAreRefusedSayingWhichToDrop() {
    VisitPipelineOptions options = notified("s3://shapes/visits/", "http://127.0.0.1:1/000000000000/q", 0);
    options.setOnce(true);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.start(options, POSTGRES.writer(), UUID.randomUUID()));
    assertThat(e.getMessage(), containsString("--notifications is for the continuous mode"));
  }
}
