package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileProfilesTest {
  private static final String DIRECT_LINE = "[direct-runner-worker] INFO dev.fieldflow.ingest.visits.IngestVisitFiles"
      + " - ingested /path/visits-00007.jsonl: 10000 lines: 10000 loaded, 0 updated, 0 duplicates, 0 rejected"
      + " in 1499 ms: read+parse+stage 270, nodes 16, tasks 346, visits 800, ledger 6, commit 60;"
      + " 0 lines upserted through the stage";
  private static final String FLINK_LINE = "2026-11-29 06:31:02,123 INFO  dev.fieldflow.ingest.visits.IngestVisitFiles"
      + "                       - ingested /a: b/visits-00001.jsonl: 10 lines: 9 loaded, 0 updated, 1 duplicates,"
      + " 0 rejected in 100 ms: read+parse+stage 40, nodes 10, tasks 20, visits 25, ledger 5";

  @Test
  void aFileLineGivesItsTotalAndEachPhase() {
    assertThat(FileProfiles.parse(DIRECT_LINE), is(Optional.of(new FileProfiles.File(
        "/path/visits-00007.jsonl: 10000 lines: 10000 loaded, 0 updated, 0 duplicates, 0 rejected",
        1499, 270, 16, 346, 800, 6, 60))));
  }

  @Test
  void aPathWithAColonAndFlinksLayoutParseToo() {
    FileProfiles.File file = FileProfiles.parse(FLINK_LINE).orElseThrow();
    assertThat(file.totalMs(), is(100L));
    assertThat(file.readParseStageMs(), is(40L));
    assertThat(file.ledgerMs(), is(5L));
    assertThat("a line without the commit (before it was timed)", file.commitMs(), is(0L));
  }

  @Test
  void otherLinesAreNoFiles() {
    assertThat(FileProfiles.parse("[main] INFO dev.fieldflow.pipelines.VisitPipeline - listing 12 files"),
        is(Optional.empty()));
    assertThat(FileProfiles.parse("x: taken over by another attempt; left to it"), is(Optional.empty()));
  }

  @Test
  void sumAddsEveryPhaseAndCountsTheFiles() {
    FileProfiles.Sum sum = FileProfiles.sum(List.of(FileProfiles.parse(DIRECT_LINE).orElseThrow(),
        FileProfiles.parse(FLINK_LINE).orElseThrow()));
    assertThat(sum.files(), is(2));
    assertThat(sum.totalMs(), is(1599L));
    assertThat(sum.phaseMs(), is(List.of(310L, 26L, 366L, 825L, 11L, 60L)));
    assertThat(sum.phase("visits"), is(825L));
    assertThat(sum.phase("commit"), is(60L));
    assertThat(sum.share("read+parse+stage"), closeTo(310.0 / 1599, 1e-9));
  }

  @Test
  void outsideTheLoadsIsWallTimeMinusSummedFileTimeOverParallelism() {
    FileProfiles.Sum sum = new FileProfiles.Sum(4, 20_000, List.of(10_000L, 1_000L, 2_000L, 5_000L, 1_000L, 1_000L));
    assertThat(sum.outsideSeconds(14.0, 2), closeTo(4.0, 1e-9));
    assertThat(sum.outsideSeconds(24.0, 1), closeTo(4.0, 1e-9));
  }

  @Test
  void describeGivesEachPhaseInSecondsWithItsShare() {
    FileProfiles.Sum sum = new FileProfiles.Sum(4, 20_000, List.of(10_000L, 1_000L, 2_000L, 5_000L, 1_000L, 1_000L));
    assertThat(sum.describe(), is("4 files, 20.0 s summed: read+parse+stage 10.0 s (50 %), nodes 1.0 s (5 %),"
        + " tasks 2.0 s (10 %), visits 5.0 s (25 %), ledger 1.0 s (5 %), commit 1.0 s (5 %)"));
  }

  @Test
  void noFilesIsNoProfile() {
    assertThat(FileProfiles.sum(List.of()).present(), is(false));
    assertThat(FileProfiles.Sum.NONE.share("nodes"), is(Double.NaN));
  }

  @Test
  void logsAreSummedAndAMissingLogCountsAsNone(@TempDir Path dir) throws IOException {
    Path log = dir.resolve("throughput-direct-1.log");
    Files.write(log, List.of("starting", DIRECT_LINE, DIRECT_LINE, "done"), StandardCharsets.UTF_8);
    FileProfiles.Sum sum = FileProfiles.ofLogs(List.of(log, dir.resolve("missing.log")));
    assertThat(sum.files(), is(2));
    assertThat(sum.phase("tasks"), is(692L));
  }
}
