package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across a kill -9 of the notification-fed pipeline, as an operator runs it (a
 * child JVM configured from the environment only, as after sourcing .fieldflow/local-aws.env).
 */
@Tag("slow")
class NotificationKillTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  static S3ProxyServer s3;
  static ElasticMqServer sqs;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() throws Exception {
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

  private Process launch(String name, String queueUrl) throws Exception {
    DatabaseConfig db = POSTGRES.writer();
    List<String> command = new ArrayList<>(List.of(S3ProxyServer.javaBinary(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.dev.fieldflow=info",
        "dev.fieldflow.pipelines.Main", "visit",
        "--visitsInput=s3://kill/visits/", "--notifications=" + queueUrl,
        "--backfillIntervalSeconds=0", "--endpoint=" + s3.endpoint(), "--s3PathStyle=true",
        "--pollIntervalSeconds=1", "--jdbcUrl=" + db.jdbcUrl(), "--dbUser=" + db.user(),
        "--targetParallelism=2"));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(new File("target", name + ".log"));
    builder.environment().put("FIELDFLOW_DB_PASSWORD", db.password());
    builder.environment().put("FIELDFLOW_HOME", dir.resolve("home").toString());
    builder.environment().put("AWS_ACCESS_KEY_ID", S3ProxyServer.IDENTITY);
    builder.environment().put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.CREDENTIAL);
    builder.environment().put("AWS_REGION", "us-east-1");
    builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    return builder.start();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("after 120 s, not yet: " + what + "; ledger: "
            + POSTGRES.rows("SELECT path, status, attempts, error FROM fieldflow.ingest_files"));
      }
      Thread.sleep(100);
    }
  }

  @Test
  void aKillBetweenTheLedgerRecordAndTheMessageDeleteIngestsTheFileOnceFromTheRedeliveredMessage()
      throws Exception {
    s3.createBucket("kill");
    s3.put("kill", "visits/k.jsonl", visits(7000, 25).getBytes(StandardCharsets.UTF_8));
    String queue = sqs.createQueue("kill", 3, 5);
    sqs.send(queue, S3Events.created("kill", "visits/k.jsonl"));

    try (DeleteBlockingProxy network = DeleteBlockingProxy.to(sqs.endpoint())) {
      String throughProxy = queue.replace(sqs.endpoint().toString(), network.endpoint().toString());
      Process first = launch("notification-kill-first", throughProxy);
      try {
        await("the first run's delete of the message", network::deleteAttempted);
        assertThat("the file is in the ledger before its message is deleted", POSTGRES.count(
            "SELECT count(*) FROM fieldflow.ingest_files WHERE path = 's3://kill/visits/k.jsonl'"), is(1L));
      } finally {
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no delete
        first.waitFor();
      }
    }
    assertThat("the message outlived the kill", sqs.messagesLeft(queue), is(1L));

    Process second = launch("notification-kill-second", queue);
    try {
      await("the file done and its message deleted", () -> POSTGRES.count(
          "SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'") == 1
          && sqs.messagesLeft(queue) == 0);
    } finally {
      second.destroy();
      second.waitFor();
    }
    assertThat(POSTGRES.rows("SELECT path, lines_read, rows_loaded, duplicates, attempts"
            + " FROM fieldflow.ingest_files"),
        equalTo(List.of(List.of("s3://kill/visits/k.jsonl", 25L, 25L, 0L, 2))));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(25L));
    assertThat("nothing went to the dead-letter queue", sqs.messagesLeft(queue + "-dlq"), is(0L));
  }
}
