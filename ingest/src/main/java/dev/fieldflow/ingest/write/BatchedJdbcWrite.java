package dev.fieldflow.ingest.write;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.io.jdbc.JdbcWriteResult;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes rows to PostgreSQL in batches: {@link ShardedBatches} collects rows per shard key up
 * to a size or a buffering time, then {@link JdbcIO} executes one set-based
 * {@link BatchStatement} per batch in its own transaction.
 *
 * <p>In: rows. Out: an empty signal collection that completes when every row is written, for
 * {@link org.apache.beam.sdk.transforms.Wait#on} to sequence what must come after; transient
 * failures are retried by JdbcIO. {@link #withResults} instead emits one result per committed
 * batch, for unbounded inputs where nothing ever "completes".
 */
public final class BatchedJdbcWrite<T> extends PTransform<PCollection<T>, PCollection<Void>> {
  private final JdbcIO.DataSourceConfiguration dataSource;
  private final BatchStatement<T> statement;
  private final BatchSettings settings;

  private BatchedJdbcWrite(
      JdbcIO.DataSourceConfiguration dataSource, BatchStatement<T> statement, BatchSettings settings) {
    this.dataSource = dataSource;
    this.statement = statement;
    this.settings = settings;
  }

  public static <T> BatchedJdbcWrite<T> of(
      JdbcIO.DataSourceConfiguration dataSource, BatchStatement<T> statement, BatchSettings settings) {
    return new BatchedJdbcWrite<>(dataSource, statement, settings);
  }

  /**
   * Batches as {@link #of}, and out: what {@code result} reads from the statement's result set,
   * once per batch, after the batch committed. JdbcIO 2.70 does not retry a statement that
   * returns results: a failure fails the bundle, and the runner's restart (and the statement's
   * idempotence) take over.
   */
  public static <T, R extends JdbcWriteResult> PTransform<PCollection<T>, PCollection<R>> withResults(
      JdbcIO.DataSourceConfiguration dataSource,
      BatchStatement<T> statement,
      BatchSettings settings,
      JdbcIO.RowMapper<R> result) {
    return PTransform.compose("BatchedJdbcWriteWithResults",
        rows -> rows.apply("Batch", ShardedBatches.of(settings))
            .apply("WriteBatch", oneStatementPerBatch(dataSource, statement).withWriteResults(result)));
  }

  @Override
  public PCollection<Void> expand(PCollection<T> rows) {
    return rows.apply("Batch", ShardedBatches.of(settings))
        .apply("WriteBatch",
            oneStatementPerBatch(dataSource, statement)
                .withRetryStrategy(new DatabaseErrors())
                .withResults());
  }

  /** JdbcIO writing each element, a whole batch already, as one statement in one transaction. */
  private static <T> JdbcIO.Write<KV<Integer, Iterable<T>>> oneStatementPerBatch(
      JdbcIO.DataSourceConfiguration dataSource, BatchStatement<T> statement) {
    return JdbcIO.<KV<Integer, Iterable<T>>>write()
        .withDataSourceConfiguration(dataSource)
        .withStatement(statement.sql())
        .withPreparedStatementSetter(
            (KV<Integer, Iterable<T>> batch, PreparedStatement ps) ->
                statement.bind(toList(batch.getValue()), ps))
        .withBatchSize(1);
  }

  private static <T> List<T> toList(Iterable<T> rows) {
    List<T> list = new ArrayList<>();
    rows.forEach(list::add);
    return list;
  }
}
