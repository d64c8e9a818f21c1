package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visit;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static dev.fieldflow.pipelines.visits.VisitLines.write;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A --once backfill on the DirectRunner runs in waves of files, in path order. */
class OnceInWavesTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    POSTGRES.execute("TRUNCATE fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  private VisitLedger.RunSummary onceInWavesOf(int files) throws Exception {
    VisitPipelineOptions options = VisitPipelineTest.options(dir.toString());
    options.setOnceWaveFiles(files);
    return VisitPipeline.runOnce(options, POSTGRES.writer());
  }

  @Test
  void filesAreCutIntoWavesInPathOrderUpToTheWaveSize() throws Exception {
    for (String name : List.of("c.jsonl", "a.jsonl", "e.jsonl", "b.jsonl", "d.jsonl")) {
      write(dir.resolve(name), visit(1, 1) + "\n");
    }
    VisitPipelineOptions options = VisitPipelineTest.options(dir.toString());
    options.setOnceWaveFiles(2);

    List<List<String>> waves = VisitPipeline.waves(VisitPipeline.list(options), 2, Long.MAX_VALUE)
        .stream().map(w -> w.stream().map(m -> m.resourceId().toString()).toList()).toList();

    assertThat(waves, equalTo(List.of(
        List.of(path("a.jsonl"), path("b.jsonl")),
        List.of(path("c.jsonl"), path("d.jsonl")),
        List.of(path("e.jsonl")))));
  }

  @Test
  void aBackfillInWavesIngestsEveryFileOnceWithExactCounts() throws Exception {
    for (int f = 0; f < 5; f++) {
      write(dir.resolve("visits-" + f + ".jsonl"), visits(1000L * f + 1, 40));
    }

    VisitLedger.RunSummary run = onceInWavesOf(2);

    assertThat(run.describe(), run.filesDone(), is(5L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(200L));
    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"
        + " WHERE status = 'done' AND attempts = 1 AND rows_loaded = 40"), is(5L));
  }

  @Test
  void withWavesOfOneFileALaterFileDeterministicallyReplacesAnEarlierVersion() throws Exception {
    write(dir.resolve("a.jsonl"), visit(7, 2, 5, "2020-01-02", "FAIL", "1 2 3") + "\n");
    write(dir.resolve("b.jsonl"), visit(7, 2, 5, "2020-01-02", "SUCCESS", "1 2 3") + "\n");

    onceInWavesOf(1);

    assertThat(POSTGRES.rows("SELECT outcome FROM fieldflow.visits WHERE task_id = 7"),
        equalTo(List.of(List.of("SUCCESS"))));
    assertThat(POSTGRES.rows("SELECT rows_loaded, updates FROM fieldflow.ingest_files"
            + " ORDER BY path"),
        equalTo(List.of(List.of(1L, 0L), List.of(0L, 1L))));
  }

  private String path(String name) {
    return dir.resolve(name).toString();
  }
}
