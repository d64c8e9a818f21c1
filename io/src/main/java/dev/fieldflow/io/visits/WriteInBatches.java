package dev.fieldflow.io.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.write.BatchSettings;
import dev.fieldflow.io.write.BatchStatement;
import dev.fieldflow.io.write.BatchedJdbcWrite;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.io.jdbc.JdbcWriteResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes lines of visit files to PostgreSQL in batches and reports, per committed batch, how
 * many lines of each file it wrote.
 *
 * <p>In: tagged lines. {@link BatchedJdbcWrite#withResults}: {@code GroupIntoBatches} collects
 * them per shard key until a batch is full or its oldest line has waited the buffering time (and
 * the runner flushes at bundle and checkpoint boundaries), and {@code JdbcIO} writes each batch
 * as one set-based statement in one transaction. The statement also returns the batch's share
 * of each file ({@link Reporting}), which JdbcIO emits only after the commit. Out: one {@link
 * FileProgress} per file per committed batch, for {@link TrackFileCompletion}.
 *
 * <p>A failed batch (PostgreSQL gone) fails the bundle: Flink restarts the job from its last
 * checkpoint, the visit pipeline's launcher restarts a DirectRunner run; staging and quarantine
 * are idempotent, so the batch written again changes nothing.
 */
final class WriteInBatches<T> extends PTransform<PCollection<FileLine<T>>, PCollection<FileProgress>> {
  private final BatchStatement<FileLine<T>> statement;
  private final FileProgress.Kind kind;
  private final DatabaseConfig db;
  private final BatchSettings batching;

  WriteInBatches(
      BatchStatement<FileLine<T>> statement,
      FileProgress.Kind kind,
      DatabaseConfig db,
      BatchSettings batching) {
    this.statement = statement;
    this.kind = kind;
    this.db = db;
    this.batching = batching;
  }

  @Override
  public PCollection<FileProgress> expand(PCollection<FileLine<T>> lines) {
    FileProgress.Kind reported = kind;
    return lines
        .apply("WriteBatches", BatchedJdbcWrite.withResults(db.jdbcIoConfiguration(),
            new Reporting<>(statement), batching, rs -> WrittenBatch.read(rs, reported)))
        .setCoder(WrittenBatch.BatchCoder.INSTANCE)
        .apply("ReportPerFile", ParDo.of(new ReportPerFileFn(kind)));
  }

  /**
   * {@code statement}, then its batch's lines per file attempt as a result set: {@code WITH
   * written AS (statement) SELECT file_id, attempt, lines FROM unnest(...)}. PostgreSQL runs a
   * data-modifying {@code WITH} exactly once and to completion, so the report comes back only
   * from a statement that wrote the whole batch.
   */
  static final class Reporting<T> implements BatchStatement<FileLine<T>> {
    private final BatchStatement<FileLine<T>> written;
    private final int writtenParameters;

    Reporting(BatchStatement<FileLine<T>> written) {
      this.written = written;
      // fieldflow's batch statements use '?' only as placeholders (no ? operators or literals).
      this.writtenParameters = (int) written.sql().chars().filter(c -> c == '?').count();
    }

    @Override
    public String sql() {
      return "WITH written AS (" + written.sql() + ")"
          + " SELECT file_id, attempt, lines FROM unnest(?::bigint[], ?::int[], ?::bigint[])"
          + " AS report(file_id, attempt, lines)";
    }

    @Override
    public void bind(List<FileLine<T>> rows, PreparedStatement ps) throws SQLException {
      written.bind(rows, ps);
      Map<KV<Long, Integer>, Long> perFile = new LinkedHashMap<>();
      for (FileLine<T> line : rows) {
        perFile.merge(KV.of(line.fileId(), line.attempt()), 1L, Long::sum);
      }
      Long[] files = new Long[perFile.size()];
      Integer[] attempts = new Integer[perFile.size()];
      Long[] lines = new Long[perFile.size()];
      int i = 0;
      for (Map.Entry<KV<Long, Integer>, Long> e : perFile.entrySet()) {
        files[i] = e.getKey().getKey();
        attempts[i] = e.getKey().getValue();
        lines[i++] = e.getValue();
      }
      Connection c = ps.getConnection();
      ps.setArray(writtenParameters + 1, c.createArrayOf("bigint", files));
      ps.setArray(writtenParameters + 2, c.createArrayOf("integer", attempts));
      ps.setArray(writtenParameters + 3, c.createArrayOf("bigint", lines));
    }
  }

  /** A committed batch's share of each file attempt (JdbcIO's write results must be one). */
  static final class WrittenBatch extends JdbcWriteResult {
    final List<FileProgress> files;

    WrittenBatch(List<FileProgress> files) {
      this.files = files;
    }

    static WrittenBatch read(ResultSet rs, FileProgress.Kind kind) throws SQLException {
      List<FileProgress> files = new ArrayList<>();
      while (rs.next()) {
        long fileId = rs.getLong(1);
        int attempt = rs.getInt(2);
        long lines = rs.getLong(3);
        files.add(kind == FileProgress.Kind.STAGED
            ? FileProgress.staged(fileId, attempt, lines)
            : FileProgress.quarantined(fileId, attempt, lines));
      }
      return new WrittenBatch(files);
    }

    /** The list of progress reports. */
    static final class BatchCoder extends CustomCoder<WrittenBatch> {
      static final BatchCoder INSTANCE = new BatchCoder();
      private static final ListCoder<FileProgress> FILES = ListCoder.of(FileProgress.ProgressCoder.of());

      @Override
      public void encode(WrittenBatch batch, OutputStream out) throws IOException {
        FILES.encode(batch.files, out);
      }

      @Override
      public WrittenBatch decode(InputStream in) throws IOException {
        return new WrittenBatch(FILES.decode(in));
      }

      @Override
      public void verifyDeterministic() throws NonDeterministicException {
        FILES.verifyDeterministic();
      }
    }
  }

  /** Emits each file's share and counts batches and lines. */
  private static final class ReportPerFileFn extends DoFn<WrittenBatch, FileProgress> {
    private final Counter batches;
    private final Counter rows;
    private final Distribution batchRows;

    ReportPerFileFn(FileProgress.Kind kind) {
      String name = kind == FileProgress.Kind.STAGED ? "visits_staged" : "rejects_stored";
      this.batches = Metrics.counter(IngestVisitFiles.class, name + "_batches");
      this.rows = Metrics.counter(IngestVisitFiles.class, name);
      this.batchRows = Metrics.distribution(IngestVisitFiles.class, name + "_per_batch");
    }

    @ProcessElement
    public void process(@Element WrittenBatch batch, OutputReceiver<FileProgress> out) {
      long lines = 0;
      for (FileProgress file : batch.files) {
        lines += file.visits() + file.rejects();
        out.output(file);
      }
      batches.inc();
      rows.inc(lines);
      batchRows.update(lines);
    }
  }
}
