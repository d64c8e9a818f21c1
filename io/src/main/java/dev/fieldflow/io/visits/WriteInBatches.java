package dev.fieldflow.io.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.write.BatchSettings;
import dev.fieldflow.io.write.BatchStatement;
import dev.fieldflow.io.write.ShardedBatches;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes lines of visit files to PostgreSQL in batches and reports, per batch, how many lines
 * of each file it wrote.
 *
 * <p>In: tagged lines. {@link GroupIntoBatches} collects them per shard key until a batch is
 * full or its oldest line has waited the buffering time (and the runner flushes at bundle and
 * checkpoint boundaries); each batch is one set-based statement in one transaction, retried
 * through {@link RetryingDatabase} when PostgreSQL goes away. Out: one {@link FileProgress} per
 * file per committed batch, for {@link TrackFileCompletion}.
 */
final class WriteInBatches<T> extends PTransform<PCollection<FileLine<T>>, PCollection<FileProgress>> {
  private final BatchStatement<FileLine<T>> statement;
  private final FileProgress.Kind kind;
  private final DatabaseConfig db;
  private final BatchSettings batching;
  private final Duration outageTolerance;

  WriteInBatches(
      BatchStatement<FileLine<T>> statement,
      FileProgress.Kind kind,
      DatabaseConfig db,
      BatchSettings batching,
      Duration outageTolerance) {
    this.statement = statement;
    this.kind = kind;
    this.db = db;
    this.batching = batching;
    this.outageTolerance = outageTolerance;
  }

  @Override
  public PCollection<FileProgress> expand(PCollection<FileLine<T>> lines) {
    return lines
        .apply("Batch", ShardedBatches.of(batching))
        .apply("WriteBatch", ParDo.of(new WriteBatchFn<>(statement, kind, db, outageTolerance)));
  }

  private static final class WriteBatchFn<T> extends DoFn<KV<Integer, Iterable<FileLine<T>>>, FileProgress> {
    private final BatchStatement<FileLine<T>> statement;
    private final FileProgress.Kind kind;
    private final DatabaseConfig db;
    private final Duration outageTolerance;
    private final Counter batches;
    private final Counter rows;
    private final Distribution batchRows;
    private transient RetryingDatabase database;

    WriteBatchFn(
        BatchStatement<FileLine<T>> statement,
        FileProgress.Kind kind,
        DatabaseConfig db,
        Duration outageTolerance) {
      this.statement = statement;
      this.kind = kind;
      this.db = db;
      this.outageTolerance = outageTolerance;
      String name = kind == FileProgress.Kind.STAGED ? "visits_staged" : "rejects_stored";
      this.batches = Metrics.counter(IngestVisitFiles.class, name + "_batches");
      this.rows = Metrics.counter(IngestVisitFiles.class, name);
      this.batchRows = Metrics.distribution(IngestVisitFiles.class, name + "_per_batch");
    }

    @Setup
    public void setup() {
      database = new RetryingDatabase(db, outageTolerance);
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<FileLine<T>>> batch, OutputReceiver<FileProgress> out)
        throws Exception {
      List<FileLine<T>> list = new ArrayList<>();
      batch.getValue().forEach(list::add);
      String what = (kind == FileProgress.Kind.STAGED ? "staging " : "quarantining ")
          + list.size() + " line(s)";
      database.inTransaction(what, c -> {
        try (PreparedStatement ps = c.prepareStatement(statement.sql())) {
          statement.bind(list, ps);
          return ps.executeUpdate();
        }
      });
      batches.inc();
      rows.inc(list.size());
      batchRows.update(list.size());
      Map<KV<Long, Integer>, Long> perFile = new LinkedHashMap<>();
      for (FileLine<T> line : list) {
        perFile.merge(KV.of(line.fileId(), line.attempt()), 1L, Long::sum);
      }
      perFile.forEach((file, n) -> out.output(kind == FileProgress.Kind.STAGED
          ? FileProgress.staged(file.getKey(), file.getValue(), n)
          : FileProgress.quarantined(file.getKey(), file.getValue(), n)));
    }

    @Teardown
    public void teardown() {
      if (database != null) {
        database.close();
      }
    }
  }
}
