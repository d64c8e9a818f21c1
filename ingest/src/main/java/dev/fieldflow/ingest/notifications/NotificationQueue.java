package dev.fieldflow.ingest.notifications;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SQS queue S3 event notifications arrive on, through the AWS SDK v2 client Beam's aws2
 * module builds (region and credentials from the pipeline's AWS options). The endpoint is the
 * queue URL's own scheme and host ({@code https://sqs.eu-west-1.amazonaws.com},
 * {@code http://127.0.0.1:9324}): S3's {@code --endpoint} is not the queue's.
 */
public final class NotificationQueue implements AutoCloseable {
  /** SQS's most messages per receive and per delete batch. */
  static final int MAX_MESSAGES = 10;

  private final String queueUrl;
  private final SqsClient sqs;

  private NotificationQueue(String queueUrl, SqsClient sqs) {
    this.queueUrl = queueUrl;
    this.sqs = sqs;
  }

  /** A client of {@code queueUrl} with the region and credentials of {@code options}. */
  public static NotificationQueue open(String queueUrl, AwsOptions options) {
    SqsClient client = ClientBuilderFactory.buildClient(options, SqsClient.builder(),
        ClientConfiguration.builder().endpoint(endpoint(queueUrl)).build());
    return new NotificationQueue(queueUrl, client);
  }

  /** {@code scheme://host[:port]} of a queue URL; refuses what is not one, saying so. */
  public static URI endpoint(String queueUrl) {
    URI uri;
    try {
      uri = URI.create(queueUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--notifications '" + queueUrl + "' is not a URL: " + e.getMessage());
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null
        || uri.getPath() == null || uri.getPath().length() < 2) {
      throw new IllegalArgumentException("--notifications '" + queueUrl + "' is not an SQS queue URL"
          + " such as https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE");
    }
    return URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
  }

  public String url() {
    return queueUrl;
  }

  /** Up to 10 messages, waiting up to {@code waitSeconds} for the first (long polling). */
  List<Message> receive(int waitSeconds) {
    return sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(MAX_MESSAGES)
            .waitTimeSeconds(waitSeconds).attributeNamesWithStrings("ApproximateReceiveCount"))
        .messages();
  }

  /**
   * Deletes {@code messages} (at most 10); returns how many SQS refused (an expired receipt
   * handle: the message was received again meanwhile and its new receipt deletes it).
   */
  int delete(List<Message> messages) {
    if (messages.isEmpty()) {
      return 0;
    }
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
          .receiptHandle(messages.get(i).receiptHandle()).build());
    }
    DeleteMessageBatchResponse response =
        sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
    return response.failed().size();
  }

  /** The queue's attributes (visibility timeout, redrive policy): reaching it at start. */
  public Map<QueueAttributeName, String> attributes() {
    return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.ALL))
        .attributes();
  }

  @Override
  public void close() {
    sqs.close();
  }
}
