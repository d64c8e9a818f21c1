package dev.fieldflow.pipelines.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import dev.fieldflow.io.visits.FileOutcome;
import dev.fieldflow.io.visits.FileProgress;
import dev.fieldflow.io.visits.VisitFile;
import dev.fieldflow.io.visits.VisitMerge;
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
    roundTrips(FileProgress.class, FileProgress.read(FILE, 100, 3));
    roundTrips(FileProgress.class, FileProgress.unreadable(FILE, "cannot read: EOFException"));
    roundTrips(FileProgress.class, FileProgress.staged(12, 2, 500));
    roundTrips(FileOutcome.class, FileOutcome.complete(FILE, 100, 3));
    roundTrips(FileOutcome.class, FileOutcome.failed(FILE, "wrote more lines than were read"));
    roundTrips(VisitMerge.Summary.class, new VisitMerge.Summary(FILE, 103, 90, 5, 5, 3, false));
  }

  @Test
  void aBatchReportIsAFewBytes() throws Exception {
    byte[] encoded = CoderUtils.encodeToByteArray(FileProgress.ProgressCoder.of(),
        FileProgress.quarantined(123_456, 1, 250));
    assertThat(encoded.length, lessThan(16));
  }
}
