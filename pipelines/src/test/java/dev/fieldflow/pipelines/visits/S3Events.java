package dev.fieldflow.pipelines.visits;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * S3 event notification bodies as S3 sends them (local S3 servers send none, so tests publish
 * each one after the upload): keys form-URL-encoded, {@code /} kept.
 */
public final class S3Events {
  private S3Events() {}

  static String encodedKey(String key) {
    return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
  }

  static String record(String eventName, String bucket, String key, String sequencer) {
    return "{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
        + "\"eventTime\":\"2026-11-29T08:00:00.000Z\",\"eventName\":\"" + eventName + "\","
        + "\"userIdentity\":{\"principalId\":\"AWS:TEST\"},\"requestParameters\":{\"sourceIPAddress\":\"127.0.0.1\"},"
        + "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"visits\","
        + "\"bucket\":{\"name\":\"" + bucket + "\",\"arn\":\"arn:aws:s3:::" + bucket + "\"},"
        + "\"object\":{\"key\":\"" + encodedKey(key) + "\",\"size\":1,\"eTag\":\"0\",\"sequencer\":\""
        + sequencer + "\"}}}";
  }

  /** One message announcing {@code keys} of {@code bucket} as created. */
  public static String created(String bucket, String... keys) {
    StringBuilder b = new StringBuilder("{\"Records\":[");
    for (int i = 0; i < keys.length; i++) {
      b.append(i > 0 ? "," : "").append(record("ObjectCreated:Put", bucket, keys[i], "00" + i));
    }
    return b.append("]}").toString();
  }

  /** {@code s3Message} as SNS delivers it to SQS without raw message delivery. */
  static String viaSns(String s3Message) {
    return "{\"Type\":\"Notification\",\"MessageId\":\"5b1f2f0e-0000-4000-8000-000000000001\","
        + "\"TopicArn\":\"arn:aws:sns:us-east-1:000000000000:visits\",\"Subject\":\"Amazon S3 Notification\","
        + "\"Message\":" + new com.fasterxml.jackson.databind.node.TextNode(s3Message)
        + ",\"Timestamp\":\"2026-11-29T08:00:00.000Z\",\"SignatureVersion\":\"1\"}";
  }

  static String testEvent(String bucket) {
    return "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-29T08:00:00.000Z\","
        + "\"Bucket\":\"" + bucket + "\",\"RequestId\":\"R\",\"HostId\":\"H\"}";
  }
}
