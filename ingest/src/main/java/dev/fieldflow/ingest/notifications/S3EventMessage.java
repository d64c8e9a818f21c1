package dev.fieldflow.ingest.notifications;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the body of one SQS message says about S3 objects, in the shapes S3 delivers: an S3
 * event message ({@code Records[]}, several records possible), the same as the {@code Message}
 * string of an SNS envelope (S3 → SNS → SQS without raw delivery), and S3's {@code
 * s3:TestEvent}. Pure: no I/O, so every shape is tested without a queue.
 *
 * <p>Object keys arrive form-URL-encoded ({@code +} is a space, {@code %2B} a plus, non-ASCII
 * as UTF-8 {@code %XX}); {@link CreatedObject#key()} is decoded.
 */
public sealed interface S3EventMessage {
  /**
   * Objects created ({@code ObjectCreated:*}); records of other events in the message are
   * dropped. {@code unreadableRecords} says why each record that could not be understood (no
   * key, a key that is not URL-encoded) could not: the others are still taken, and the message,
   * not deleted, ends in the dead-letter queue for those.
   */
  record ObjectsCreated(List<CreatedObject> objects, int otherRecords,
      List<String> unreadableRecords) implements S3EventMessage {}

  /** {@code s3:TestEvent}, sent when a notification configuration is saved: nothing to do. */
  record TestEvent() implements S3EventMessage {}

  /** Well-formed S3 records none of which creates an object (removals...): nothing to do. */
  record NoObjectCreated(int records) implements S3EventMessage {}

  /** Not a message this reader understands; {@code reason} says why, for the log. */
  record Unreadable(String reason) implements S3EventMessage {}

  /**
   * An object an {@code ObjectCreated:*} record names, with the version fields S3 sends (null
   * when absent). The version read is the object's at the time it is looked at, not these.
   */
  record CreatedObject(String bucket, String key, String eventName, Long size, String eTag,
      String versionId, String sequencer) {
    /** {@code s3://bucket/key}: the path the ledger records. */
    public String uri() {
      return "s3://" + bucket + "/" + key;
    }
  }

  /** Parses an SQS message body; never throws. */
  static S3EventMessage parse(String body) {
    return Parser.parse(body, true);
  }

  /**
   * The message S3 sends for one object created by a PUT, key form-URL-encoded as S3 encodes
   * it: what local servers, which send none, are given by {@code fieldflow upload} and the tests.
   */
  static String objectCreated(String bucket, String key, long size, String eTag, String sequencer) {
    com.fasterxml.jackson.databind.node.ObjectNode record = Parser.JSON.createObjectNode()
        .put("eventVersion", "2.1").put("eventSource", "aws:s3").put("awsRegion", "us-east-1")
        .put("eventTime", java.time.Instant.now().toString()).put("eventName", "ObjectCreated:Put");
    com.fasterxml.jackson.databind.node.ObjectNode s3 = record.putObject("s3");
    s3.put("s3SchemaVersion", "1.0").put("configurationId", "fieldflow-visits");
    s3.putObject("bucket").put("name", bucket).put("arn", "arn:aws:s3:::" + bucket);
    s3.putObject("object").put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"))
        .put("size", size).put("eTag", eTag).put("sequencer", sequencer);
    com.fasterxml.jackson.databind.node.ObjectNode message = Parser.JSON.createObjectNode();
    message.putArray("Records").add(record);
    return message.toString();
  }

  /** The one way of reading these bodies; an SNS envelope is unwrapped once. */
  final class Parser {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Parser() {}

    static S3EventMessage parse(String body, boolean unwrapSns) {
      if (body == null || body.isBlank()) {
        return new Unreadable("empty message body");
      }
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (JsonProcessingException e) {
        return new Unreadable("not JSON: " + e.getOriginalMessage());
      }
      if (root == null || !root.isObject()) {
        return new Unreadable("not a JSON object");
      }
      if (unwrapSns && "Notification".equals(text(root, "Type")) && root.path("Message").isTextual()) {
        S3EventMessage inner = parse(root.get("Message").asText(), false);
        return inner instanceof Unreadable u
            ? new Unreadable("SNS notification " + text(root, "MessageId") + ": " + u.reason()) : inner;
      }
      if ("s3:TestEvent".equals(text(root, "Event"))) {
        return new TestEvent();
      }
      JsonNode records = root.get("Records");
      if (records == null || !records.isArray()) {
        return new Unreadable("no Records array, not an S3 event notification");
      }
      List<CreatedObject> created = new ArrayList<>();
      List<String> unreadable = new ArrayList<>();
      int others = 0;
      for (int i = 0; i < records.size(); i++) {
        JsonNode r = records.get(i);
        String eventName = text(r, "eventName");
        if (eventName == null) {
          unreadable.add("Records[" + i + "] has no eventName");
          continue;
        }
        if (!eventName.startsWith("ObjectCreated:")) {
          others++;
          continue;
        }
        String bucket = text(r.path("s3").path("bucket"), "name");
        String rawKey = text(r.path("s3").path("object"), "key");
        if (bucket == null || bucket.isEmpty() || rawKey == null || rawKey.isEmpty()) {
          unreadable.add("Records[" + i + "] (" + eventName + ") has no s3.bucket.name or s3.object.key");
          continue;
        }
        String key;
        try {
          key = URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          unreadable.add("Records[" + i + "]: key '" + rawKey + "' is not URL-encoded: " + e.getMessage());
          continue;
        }
        JsonNode object = r.path("s3").path("object");
        Long size = object.path("size").isIntegralNumber() ? object.get("size").asLong() : null;
        created.add(new CreatedObject(bucket, key, eventName, size, text(object, "eTag"),
            text(object, "versionId"), text(object, "sequencer")));
      }
      if (created.isEmpty()) {
        return unreadable.isEmpty() ? new NoObjectCreated(others)
            : new Unreadable(String.join("; ", unreadable));
      }
      return new ObjectsCreated(List.copyOf(created), others, List.copyOf(unreadable));
    }

    private static String text(JsonNode node, String field) {
      JsonNode v = node == null ? null : node.get(field);
      return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }
  }
}
