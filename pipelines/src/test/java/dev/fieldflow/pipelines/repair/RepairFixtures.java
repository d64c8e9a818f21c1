package dev.fieldflow.pipelines.repair;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.visits.LoadSettings;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** What the repair commands' tests share: options, a --once load, the model emptied. */
final class RepairFixtures {
  private RepairFixtures() {}

  /** --once visit options on {@code input}, with {@code extra} Beam options (e.g. --maxLineBytes=1024). */
  static VisitPipelineOptions options(String input, String... extra) {
    String[] args = new String[extra.length + 3];
    args[0] = "--runner=DirectRunner";
    args[1] = "--targetParallelism=2";
    args[2] = "--once";
    System.arraycopy(extra, 0, args, 3, extra.length);
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(args).as(VisitPipelineOptions.class);
    options.setVisitsInput(input);
    options.setDbConnectTimeoutSeconds(5);
    return options;
  }

  static LoadSettings settings(VisitPipelineOptions options) {
    return VisitPipeline.loadSettings(options);
  }

  /** Ingests the files of {@code dir} now, as ./manage.sh visit --once does. */
  static VisitLedger.RunSummary load(EmbeddedPostgresExtension postgres, Path dir, String... extra)
      throws Exception {
    return VisitPipeline.runOnce(options(dir.toString(), extra), postgres.writer());
  }

  static void emptyModel(EmbeddedPostgresExtension postgres) {
    postgres.execute("TRUNCATE fieldflow.ingest_files, fieldflow.file_replays,"
        + " fieldflow.rejected_records, fieldflow.visits, fieldflow.tasks, fieldflow.nodes CASCADE");
  }

  /** lines_read, rows_loaded, updates, duplicates, rejected, status of the one row of {@code path}. */
  static List<Object> ledger(EmbeddedPostgresExtension postgres, Path path) {
    List<List<Object>> rows = postgres.rows("SELECT lines_read, rows_loaded, updates, duplicates,"
        + " rejected, status FROM fieldflow.ingest_files WHERE path = ?", path.toString());
    if (rows.size() != 1) {
      throw new IllegalStateException("ledger rows of " + path + ": " + rows);
    }
    return rows.get(0);
  }
}
