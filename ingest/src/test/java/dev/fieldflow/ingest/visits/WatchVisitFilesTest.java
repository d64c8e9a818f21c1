package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WatchVisitFiles} stamps every file a watch finds with the watch generation's tick, not
 * with the poll that found it: the claim of a file is named by that stamp, so a restored job's
 * watch, finding a file again, claims it under the same claim ({@code VisitLedgerLeaseTest}
 * has what the ledger does with that repeat).
 */
@ExtendWith(TestPipelineExtension.class)
class WatchVisitFilesTest {
  /** Path of each file the running watch emitted, with the timestamp it came out with. */
  private static final Map<String, Instant> SEEN = new ConcurrentHashMap<>();

  @TempDir Path dir;

  @Test
  void everyFileOfAWatchComesOutStampedWithItsGenerationsTickNotWithItsPoll(TestPipeline p)
      throws Exception {
    SEEN.clear();
    Path early = Files.writeString(dir.resolve("early.jsonl"), "{}\n");
    p.apply(new WatchVisitFiles(VisitPartitions.whole(dir + "/*"), Duration.ofMillis(200),
            Duration.ofMinutes(10), Duration.ofMinutes(1)))
        .apply(ParDo.of(new Record()));
    p.getOptions().as(DirectOptions.class).setBlockOnRun(false); // runs until cancelled
    PipelineResult result = p.run();
    try {
      awaitSeen(early);
      Thread.sleep(1_000); // several polls later
      Instant beforeLate = Instant.now();
      Path late = Files.writeString(dir.resolve("late.jsonl"), "{}\n");
      awaitSeen(late);

      assertThat("the late file's stamp, against when it was written",
          SEEN.get(late.toString()), lessThan(beforeLate));
      assertThat("both files come out under one stamp", SEEN.get(late.toString()),
          equalTo(SEEN.get(early.toString())));
    } finally {
      result.cancel();
    }
  }

  private static void awaitSeen(Path file) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!SEEN.containsKey(file.toString())) {
      assertThat(file + " seen by the watch within 60 s", System.currentTimeMillis(), lessThan(deadline));
      Thread.sleep(50);
    }
  }

  private static final class Record extends DoFn<MatchResult.Metadata, Void> {
    @ProcessElement
    public void process(@Element MatchResult.Metadata file, @Timestamp Instant timestamp) {
      SEEN.put(file.resourceId().toString(), timestamp);
    }
  }
}
