package dev.fieldflow.io.write;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes rows to PostgreSQL in batches: {@link ShardedBatches} collects rows per shard key up
 * to a size or a buffering time, then {@link JdbcIO} executes one set-based
 * {@link BatchStatement} per batch in its own transaction, retrying transient failures.
 *
 * <p>In: rows. Out: an empty signal collection that completes when every row is written, for
 * {@link org.apache.beam.sdk.transforms.Wait#on} to sequence what must come after.
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

  @Override
  public PCollection<Void> expand(PCollection<T> rows) {
    BatchStatement<T> boundStatement = statement;
    return rows.apply("Batch", ShardedBatches.of(settings))
        .apply(
            "WriteBatch",
            JdbcIO.<KV<Integer, Iterable<T>>>write()
                .withDataSourceConfiguration(dataSource)
                .withStatement(statement.sql())
                .withPreparedStatementSetter(
                    (KV<Integer, Iterable<T>> batch, PreparedStatement ps) ->
                        boundStatement.bind(toList(batch.getValue()), ps))
                // Each element is already a whole batch: one statement per transaction.
                .withBatchSize(1)
                .withRetryStrategy(new TransientSqlErrors())
                .withResults());
  }

  private static <T> List<T> toList(Iterable<T> rows) {
    List<T> list = new ArrayList<>();
    rows.forEach(list::add);
    return list;
  }
}
