package dev.fieldflow.ingest.notifications;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.files.IngestibleFileNames;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The message shapes S3 delivers, as {@link S3EventMessage} reads them. */
class S3EventMessageTest {
  static String record(String eventName, String bucket, String encodedKey) {
    return "{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
        + "\"eventTime\":\"2026-11-29T08:00:00.000Z\",\"eventName\":\"" + eventName + "\","
        + "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":\"" + bucket + "\"},"
        + "\"object\":{\"key\":\"" + encodedKey + "\",\"size\":42,\"eTag\":\"abc\","
        + "\"sequencer\":\"0055AED6DCD90281E5\"}}}";
  }

  private static List<String> keys(S3EventMessage m) {
    return ((S3EventMessage.ObjectsCreated) m).objects().stream()
        .map(S3EventMessage.CreatedObject::key).toList();
  }

  @Test
  void severalRecordsInOneMessageAreEachAnObject() {
    S3EventMessage m = S3EventMessage.parse("{\"Records\":[" + record("ObjectCreated:Put", "b", "v/a.jsonl")
        + "," + record("ObjectCreated:CompleteMultipartUpload", "b", "v/b.jsonl") + "]}");
    assertThat(keys(m), equalTo(List.of("v/a.jsonl", "v/b.jsonl")));
    assertThat(((S3EventMessage.ObjectsCreated) m).objects().get(0).uri(), is("s3://b/v/a.jsonl"));
  }

  @Test
  void keysAreFormDecodedPlusIsASpaceAndPercent2BAPlus() {
    S3EventMessage m = S3EventMessage.parse("{\"Records\":["
        + record("ObjectCreated:Put", "b", "v/day+one/a%2Bb+c.jsonl") + ","
        + record("ObjectCreated:Put", "b", "v/caf%C3%A9+%E2%82%AC.jsonl") + "]}");
    assertThat(keys(m), equalTo(List.of("v/day one/a+b c.jsonl", "v/café €.jsonl")));
  }

  @Test
  void anSnsEnvelopeIsUnwrapped() {
    String inner = "{\"Records\":[" + record("ObjectCreated:Put", "b", "v/a+b.jsonl") + "]}";
    String envelope = "{\"Type\":\"Notification\",\"MessageId\":\"m-1\",\"TopicArn\":\"arn:aws:sns:us-east-1:1:t\","
        + "\"Subject\":\"Amazon S3 Notification\",\"Message\":"
        + new com.fasterxml.jackson.databind.node.TextNode(inner) + "}";
    assertThat(keys(S3EventMessage.parse(envelope)), equalTo(List.of("v/a b.jsonl")));
  }

  @Test
  void theTestEventIsRecognizedDirectlyAndInsideSns() {
    String test = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2026-11-29T08:00:00.000Z\","
        + "\"Bucket\":\"b\",\"RequestId\":\"r\",\"HostId\":\"h\"}";
    assertThat(S3EventMessage.parse(test), instanceOf(S3EventMessage.TestEvent.class));
    assertThat(S3EventMessage.parse("{\"Type\":\"Notification\",\"Message\":"
        + new com.fasterxml.jackson.databind.node.TextNode(test) + "}"),
        instanceOf(S3EventMessage.TestEvent.class));
  }

  @Test
  void removalsCreateNothingAndAreKeptApartFromCreations() {
    assertThat(S3EventMessage.parse("{\"Records\":[" + record("ObjectRemoved:Delete", "b", "v/a") + "]}"),
        equalTo(new S3EventMessage.NoObjectCreated(1)));
    S3EventMessage mixed = S3EventMessage.parse("{\"Records\":[" + record("ObjectRemoved:Delete", "b", "v/a")
        + "," + record("ObjectCreated:Copy", "b", "v/c") + "]}");
    assertThat(keys(mixed), equalTo(List.of("v/c")));
    assertThat(((S3EventMessage.ObjectsCreated) mixed).otherRecords(), is(1));
  }

  @Test
  void garbageIsUnreadableWithAReasonNeverAnException() {
    for (String body : new String[] {"", "not json {", "[1,2]", "{\"hello\":1}",
        "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\"}]}",
        "{\"Records\":[" + record("ObjectCreated:Put", "b", "v/%ZZ") + "]}",
        "{\"Type\":\"Notification\",\"Message\":\"garbage\"}"}) {
      assertThat(body, S3EventMessage.parse(body), instanceOf(S3EventMessage.Unreadable.class));
    }
    assertThat(((S3EventMessage.Unreadable) S3EventMessage.parse("{\"hello\":1}")).reason(),
        containsString("no Records"));
  }

  @Test
  void aRecordThatCannotBeReadLeavesTheOthersOfItsMessageReadable() {
    S3EventMessage parsed = S3EventMessage.parse("{\"Records\":["
        + record("ObjectCreated:Put", "b", "v/good.jsonl") + ","
        + record("ObjectCreated:Put", "b", "v/bad%zz.jsonl") + "]}");

    assertThat(keys(parsed), equalTo(List.of("v/good.jsonl")));
    List<String> unreadable = ((S3EventMessage.ObjectsCreated) parsed).unreadableRecords();
    assertThat(unreadable.size(), is(1));
    assertThat(unreadable.get(0), containsString("Records[1]: key 'v/bad%zz.jsonl' is not URL-encoded"));
  }

  @Test
  void theInputPatternCoversItsPrefixOnlyAndSkipsHiddenNames() {
    InputPattern input = new InputPattern("s3://b/visits/*", IngestibleFileNames.defaults());
    assertThat(input.prefix(), is("s3://b/visits/"));
    assertThat(input.covers("s3://b/visits/a b+c.jsonl"), is(true));
    assertThat(input.covers("s3://b/other/a.jsonl"), is(false));
    assertThat(input.covers("s3://other/visits/a.jsonl"), is(false));
    assertThat(input.covers("s3://b/visits/deeper/a.jsonl"), is(false));
    assertThat(input.ingests("s3://b/visits/.hidden.jsonl"), is(false));
    assertThat(input.ingests("s3://b/visits/a.jsonl"), is(true));
  }
}
