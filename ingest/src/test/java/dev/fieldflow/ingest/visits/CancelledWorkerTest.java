package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.io.files.ReadLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.WindowedValues;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker the runner is cancelling (its thread interrupted: a stop, a Flink failover) starts no
 * new file: the file stays claimed, untouched, for the next run ({@link
 * IngestVisitFiles.LoadVisitFileFn}). Seen end to end on a cluster in FlinkClusterIT.
 */
class CancelledWorkerTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @Test
  void anInterruptedWorkerLeavesTheFileClaimedAndALiveOneLoadsIt() throws Exception {
    Path path = dir.resolve("claimed.jsonl");
    Files.writeString(path, VisitLedgerLeaseTest.tenVisits(), StandardCharsets.UTF_8);
    UUID run = UUID.randomUUID();
    VisitFile file;
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      file = VisitLedger.claim(c, run, List.of(new VisitLedger.Claim(
          ClaimVisitFiles.listed(FileSystems.matchSingleFileSpec(path.toString())), UUID.randomUUID())),
          false, Duration.ofMinutes(10)).get(0);
    }
    IngestVisitFiles.LoadVisitFileFn fn = new IngestVisitFiles.LoadVisitFileFn(POSTGRES.writer(), run,
        new LoadSettings(1_000, ReadLimits.defaults(), Duration.ofSeconds(5), Duration.ofSeconds(60),
            0.5, true));
    List<VisitMerge.Summary> out = new ArrayList<>();
    fn.setup();
    try {
      Thread.currentThread().interrupt();
      CancellationException cancelled;
      try {
        cancelled = assertThrows(CancellationException.class, () -> fn.process(file, receiver(out)));
      } finally {
        Thread.interrupted();
      }

      assertThat(cancelled.getMessage(), containsString(file.describe() + " is not started"));
      assertThat(POSTGRES.rows("SELECT status, attempts, rows_loaded FROM fieldflow.ingest_files"
          + " WHERE path = ?", path.toString()), equalTo(List.of(List.of("running", 1, 0L))));
      assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.visits WHERE source_file = ?",
          path.toString()), is(0L));

      fn.process(file, receiver(out));

      assertThat(out, hasSize(1));
      assertThat(POSTGRES.rows("SELECT status, rows_loaded FROM fieldflow.ingest_files WHERE path = ?",
          path.toString()), equalTo(List.of(List.of("done", 10L))));
    } finally {
      fn.teardown();
    }
  }

  /** Collects the values the DoFn outputs, in the global window. */
  private static DoFn.OutputReceiver<VisitMerge.Summary> receiver(List<VisitMerge.Summary> out) {
    return value -> WindowedValues.<VisitMerge.Summary>builder()
        .setValue(value)
        .setTimestamp(BoundedWindow.TIMESTAMP_MIN_VALUE)
        .setWindow(GlobalWindow.INSTANCE)
        .setPaneInfo(PaneInfo.NO_FIRING)
        .setReceiver(windowed -> out.add(windowed.getValue()));
  }
}
