package dev.fieldflow.pipelines.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitMerge;
import java.util.Arrays;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.junit.jupiter.api.Test;

/** The visit path's records travel with compact, deterministic coders found by {@code @DefaultCoder}. */
class VisitCodersTest {
  static final VisitFile FILE = new VisitFile(12, 2, "s3://b/visits/2024/03/01/a.jsonl", "size:10,mtime:1709251200000");

  private static <T> void roundTrips(Class<T> type, T value) throws Exception {
    Coder<T> coder = CoderRegistry.createDefault().getCoder(TypeDescriptor.of(type));
    assertThat(type + " coder", coder instanceof SerializableCoder, is(false));
    coder.verifyDeterministic();
    byte[] once = CoderUtils.encodeToByteArray(coder, value);
    byte[] twice = CoderUtils.encodeToByteArray(coder, CoderUtils.decodeFromByteArray(coder, once));
    assertThat(CoderUtils.decodeFromByteArray(coder, once), equalTo(value));
    assertThat(Arrays.equals(once, twice), is(true));
  }

  @Test
  void everyRecordOfTheVisitPathRoundTripsDeterministically() throws Exception {
    roundTrips(VisitFile.class, FILE);
    roundTrips(VisitMerge.Summary.class, new VisitMerge.Summary(FILE, 103, 90, 5, 5, 3, false));
  }
}
