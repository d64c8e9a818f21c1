package dev.fieldflow.pipelines.localaws;

import dev.fieldflow.ingest.notifications.S3EventMessage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code fieldflow upload DIR s3://BUCKET/PREFIX/ QUEUE_URL}: uploads the files of a directory
 * (in name order) and, after each upload, publishes the S3 event notification S3 would send to
 * the queue. Local S3 servers send none; this is how the demo and an operator trying
 * {@code ./manage.sh local-aws} feed the notification mode. S3's endpoint is
 * FIELDFLOW_S3_ENDPOINT (path-style) if set; region and credentials come from the AWS
 * environment (AWS_REGION, AWS_ACCESS_KEY_ID...).
 */
public final class UploadWithNotifications {
  private UploadWithNotifications() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3 || !args[1].startsWith("s3://")) {
      throw new IllegalArgumentException("usage: upload DIR s3://BUCKET/PREFIX/ QUEUE_URL");
    }
    Path dir = Path.of(args[0]);
    URI target = URI.create(args[1]);
    String bucket = target.getHost();
    String prefix = target.getPath().replaceFirst("^/", "");
    String queueUrl = args[2];
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(Files::isRegularFile).sorted().toList();
    }
    String endpoint = System.getenv("FIELDFLOW_S3_ENDPOINT");
    var s3Builder = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder());
    if (endpoint != null && !endpoint.isBlank()) {
      s3Builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    URI queue = URI.create(queueUrl);
    try (S3Client s3 = s3Builder.build();
        SqsClient sqs = SqsClient.builder().httpClientBuilder(ApacheHttpClient.builder())
            .endpointOverride(URI.create(queue.getScheme() + "://" + queue.getRawAuthority())).build()) {
      long sequencer = System.currentTimeMillis();
      for (Path file : files) {
        String key = prefix + file.getFileName();
        PutObjectResponse put = s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
        String message = S3EventMessage.objectCreated(bucket, key, Files.size(file),
            put.eTag() == null ? "" : put.eTag().replace("\"", ""),
            String.format(Locale.ROOT, "%016X", sequencer++));
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(message));
        System.out.println("uploaded s3://" + bucket + "/" + key + " and published its notification");
      }
    }
  }
}
