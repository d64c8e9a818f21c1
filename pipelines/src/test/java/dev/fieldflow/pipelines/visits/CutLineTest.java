package dev.fieldflow.pipelines.visits;

import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A line its producer was still writing when a version of the file was read is quarantined
 * with that version, and leaves the quarantine when a newer version of the file loads it whole:
 * a probe's continuous run over files written in two writes per line left such rejects counted
 * as still quarantined, though every one of those lines had loaded since.
 */
class CutLineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @Test
  void aCutLineRejectedByOneVersionIsSupersededWhenTheNextVersionLoadsIt() throws Exception {
    Path file = dir.resolve("growing.jsonl");
    String lines = visits(1, 3);
    int cut = lines.indexOf('\n', lines.indexOf('\n') + 1) + 20; // 20 bytes into line 3
    Files.writeString(file, lines.substring(0, cut));

    VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());
    assertThat(POSTGRES.rows("SELECT line_number, reason_code FROM fieldflow.rejected_records"),
        equalTo(List.of(List.of(3L, "not_json"))));

    Files.writeString(file, lines.substring(cut), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    VisitPipeline.runOnce(VisitPipelineTest.options(dir.toString()), POSTGRES.writer());

    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits"), is(3L));
    assertThat("no longer quarantined", POSTGRES.rows("SELECT readmitted_how,"
            + " readmitted_by LIKE 'file version size:%' FROM fieldflow.rejected_records"),
        equalTo(List.of(List.of("superseded", true))));
    assertThat("a requeue finds nothing to read again", POSTGRES.count(
        "SELECT count(*) FROM fieldflow.rejected_records WHERE readmitted_at IS NULL"), is(0L));
    assertThat("not counted as the version's own re-admission", POSTGRES.rowsAs(POSTGRES.analyst(),
            "SELECT sum(readmitted)::bigint FROM analytics.file_provenance"), equalTo(List.of(List.of(0L))));
  }
}
