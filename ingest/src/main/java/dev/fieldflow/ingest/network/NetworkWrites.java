package dev.fieldflow.ingest.network;

import dev.fieldflow.ingest.write.BatchSettings;
import dev.fieldflow.ingest.write.BatchedJdbcWrite;
import dev.fieldflow.transforms.AdjacencyLine;
import dev.fieldflow.transforms.RejectedLine;
import javax.sql.DataSource;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The writes of a network load: staging its lines and its rejected lines, then committing the
 * snapshot.
 */
public final class NetworkWrites {
  private NetworkWrites() {}

  /** Stages a load's parsed lines in batches; the returned signal completes when all are written. */
  public static PTransform<PCollection<AdjacencyLine>, PCollection<Void>> stageLines(
      NetworkLoad load, JdbcIO.DataSourceConfiguration dataSource, BatchSettings batching) {
    return BatchedJdbcWrite.of(dataSource, new AdjacencyLineStatement(load.loadId()), batching);
  }

  /**
   * Stages a load's rejected lines, each keyed by its file's version, in batches; the commit
   * moves them into the quarantine, so a load that does not commit quarantines nothing. The
   * returned signal completes when all are written.
   */
  public static PTransform<PCollection<KV<String, RejectedLine>>, PCollection<Void>> stageRejects(
      NetworkLoad load, JdbcIO.DataSourceConfiguration dataSource, BatchSettings batching) {
    return BatchedJdbcWrite.of(
        dataSource, new RejectedLineStagingStatement(load.loadId()), batching);
  }

  /**
   * Commits the load as the current network. In: the load id, once, after every staging write
   * has finished ({@link org.apache.beam.sdk.transforms.Wait#on}). Out: the committed
   * snapshot's summary line. A load that shrinks the network more than {@code limit} allows
   * fails with {@link NetworkShrinkRefusedException}.
   */
  public static ParDo.SingleOutput<String, String> commit(
      NetworkLoad load, JdbcIO.DataSourceConfiguration dataSource, ShrinkLimit limit) {
    return ParDo.of(new CommitFn(load, dataSource, limit));
  }

  private static final class CommitFn extends DoFn<String, String> {
    private final NetworkLoad load;
    private final JdbcIO.DataSourceConfiguration config;
    private final ShrinkLimit limit;
    private final Counter snapshots = Metrics.counter(NetworkWrites.class, "snapshots_committed");
    private transient DataSource dataSource;

    CommitFn(NetworkLoad load, JdbcIO.DataSourceConfiguration config, ShrinkLimit limit) {
      this.load = load;
      this.config = config;
      this.limit = limit;
    }

    @Setup
    public void setup() {
      dataSource = JdbcIO.DataSourceProviderFromDataSourceConfiguration.of(config).apply(null);
    }

    @ProcessElement
    public void process(@Element String loadId, OutputReceiver<String> out) throws Exception {
      NetworkSnapshotSummary summary = NetworkSnapshots.commit(dataSource, load, limit);
      snapshots.inc();
      out.output(summary.describe());
    }
  }
}
