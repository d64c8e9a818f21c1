package dev.fieldflow.pipelines.visits;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * A real SQS server for tests: ElasticMQ 1.7.1 in its own process on 127.0.0.1 (its classes
 * are on the test classpath), queues in memory. Its log goes to target/elasticmq-PORT.log.
 */
public final class ElasticMqServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final SqsClient client;

  private ElasticMqServer(Process process, int port) {
    this.process = process;
    this.port = port;
    this.client = SqsClient.builder()
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(S3ProxyServer.credentials())
        .httpClientBuilder(ApacheHttpClient.builder())
        .build();
  }

  public static ElasticMqServer start() throws IOException, InterruptedException {
    int port = LocalServerProcess.freePort();
    Path conf = Files.createTempFile("elasticmq-", ".conf");
    Files.writeString(conf, String.join("\n",
        "include classpath(\"application.conf\")",
        "node-address { protocol = http, host = \"127.0.0.1\", port = " + port + ", context-path = \"\" }",
        "rest-sqs { enabled = true, bind-port = " + port + ", bind-hostname = \"127.0.0.1\", sqs-limits = strict }",
        "rest-stats { enabled = false }") + "\n");
    Path log = Path.of("target", "elasticmq-" + port + ".log").toAbsolutePath();
    Process process = LocalServerProcess.launch(List.of(S3ProxyServer.javaBinary(), "-Xmx128m",
            "-Dconfig.file=" + conf, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-cp", System.getProperty("java.class.path"), "org.elasticmq.server.Main"), log, port, "ElasticMQ");
    return new ElasticMqServer(process, port);
  }


  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  int port() {
    return port;
  }

  /**
   * A queue with a dead-letter queue NAME-dlq that takes a message received {@code maxReceives}
   * times; returns the queue's URL.
   */
  public String createQueue(String name, int visibilitySeconds, int maxReceives) {
    String dlq = client.createQueue(b -> b.queueName(name + "-dlq")).queueUrl();
    String dlqArn = client.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
        .attributes().get(QueueAttributeName.QUEUE_ARN);
    return client.createQueue(b -> b.queueName(name).attributes(Map.of(
        QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds),
        QueueAttributeName.REDRIVE_POLICY,
        "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceives + "\"}"))).queueUrl();
  }

  public void send(String queueUrl, String body) {
    client.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body));
  }

  /** Messages waiting plus messages in flight (received, not deleted). */
  public long messagesLeft(String queueUrl) {
    Map<QueueAttributeName, String> a = client.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(
        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
    return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  /** Receives (and leaves) what is visible in {@code queueUrl} now. */
  List<Message> peek(String queueUrl) {
    return client.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).visibilityTimeout(0))
        .messages();
  }

  @Override
  public void close() {
    client.close();
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
