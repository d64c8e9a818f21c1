package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.IngestibleFileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClaimVisitFiles} claims only the files whose names are ingested, on a real ledger. */
@ExtendWith(TestPipelineExtension.class)
class ClaimVisitFilesNamesTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyLedgerAndProducerLeftovers() throws IOException {
    db.execute("DELETE FROM fieldflow.ingest_files");
    for (String name : List.of("visits-01.jsonl", "visits-02.jsonl.gz", "_SUCCESS",
        ".visits-03.jsonl.crc", "visits-03.jsonl.tmp", ".hidden.jsonl")) {
      Files.writeString(dir.resolve(name), "{}\n");
    }
  }

  private PCollection<String> claimedNames(TestPipeline p, ClaimVisitFiles claim) {
    return p.apply(FileIO.match().filepattern(dir.resolve("*").toString()))
        .apply(claim)
        .apply(MapElements.into(TypeDescriptors.strings())
            .via(f -> f.path().substring(f.path().lastIndexOf('/') + 1)));
  }

  private static List<String> ledgerNames() {
    List<String> names = new ArrayList<>();
    for (List<Object> row : db.rows("SELECT path FROM fieldflow.ingest_files")) {
      String path = (String) row.get(0);
      names.add(path.substring(path.lastIndexOf('/') + 1));
    }
    return names;
  }

  private static long filesIgnored(PipelineResult result) {
    long total = 0;
    for (MetricResult<Long> counter : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(IngestVisitFiles.class, "files_ignored"))
        .build()).getCounters()) {
      total += counter.getCommitted();
    }
    return total;
  }

  @Test
  void hiddenAndTemporaryFilesAreNeitherClaimedNorEnteredInTheLedgerButCounted(TestPipeline p) {
    ClaimVisitFiles claim =
        ClaimVisitFiles.forRun(LedgerClaims.forRun(UUID.randomUUID(), db.writer(), Duration.ofSeconds(30)))
            .retryingFailedNow();

    PAssert.that(claimedNames(p, claim))
        .containsInAnyOrder("visits-01.jsonl", "visits-02.jsonl.gz");
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(filesIgnored(result), is(4L));
    assertThat(ledgerNames(), containsInAnyOrder("visits-01.jsonl", "visits-02.jsonl.gz"));
  }

  @Test
  void anOverridingPatternDecidesWhichNamesAreClaimed(TestPipeline p) {
    ClaimVisitFiles claim =
        ClaimVisitFiles.forRun(LedgerClaims.forRun(UUID.randomUUID(), db.writer(), Duration.ofSeconds(30)))
            .retryingFailedNow()
            .withFileNames(IngestibleFileNames.ignoring(".*\\.tmp"));

    PAssert.that(claimedNames(p, claim)).containsInAnyOrder("visits-01.jsonl",
        "visits-02.jsonl.gz", "_SUCCESS", ".visits-03.jsonl.crc", ".hidden.jsonl");
    p.run().waitUntilFinish();
  }
}
