package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.io.files.InputFiles;
import dev.fieldflow.io.files.ReadLimits;
import dev.fieldflow.io.files.ReadLines;
import dev.fieldflow.ingest.network.NetworkLoad;
import dev.fieldflow.ingest.network.NetworkSnapshotSummary;
import dev.fieldflow.ingest.network.NetworkSnapshots;
import dev.fieldflow.ingest.network.NetworkWrites;
import dev.fieldflow.ingest.network.ShrinkLimit;
import dev.fieldflow.ingest.write.BatchSettings;
import dev.fieldflow.transforms.AdjacencyLine;
import dev.fieldflow.transforms.ParseNetwork;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the node network (adjacency lists) into PostgreSQL as one atomic snapshot, then exits.
 *
 * <p>The files matched at start form the snapshot. Their lines are parsed and staged in batches,
 * rejected lines too; once every write has finished, one transaction replaces the stored edges
 * with the snapshot (both directions), adds its nodes, quarantines its rejected lines and records
 * each file in the ledger. A failure anywhere before that transaction commits leaves the previous
 * network as it was and the quarantine without the load's lines, and records the load's files
 * {@code failed} with the reason. That transaction refuses a snapshot much smaller than the
 * current one ({@code --maxShrinkRatio}, default half of the nodes or edges) unless {@code
 * --force} is given.
 * Files are read as the visit pipeline reads them: the same ignored names and read limits
 * ({@link InputFileOptions}).
 */
public final class NetworkPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkPipeline.class);
  static final String INPUT_HINT = "--networkInput (or FIELDFLOW_NETWORK)";

  private NetworkPipeline() {}

  public static void main(String[] args) throws Exception {
    NetworkPipelineOptions options =
        CommandLine.parse(args, NetworkPipelineOptions.class);
    Optional<ClusterJobWatch> watch = ClusterJobWatch.of(args, options.getJobName());
    // Ctrl-C or SIGTERM cancels a load on a cluster, as it ends an embedded one with the JVM.
    watch.ifPresent(w -> Runtime.getRuntime().addShutdownHook(new Thread(w::cancel, "network-pipeline-stop")));
    NetworkSnapshotSummary summary = run(options, Databases.writer(options), watch);
    System.out.println("network " + options.getNetworkInput() + ": " + summary.describe());
  }

  /** Runs one load to completion and returns what the committed snapshot holds. */
  public static NetworkSnapshotSummary run(NetworkPipelineOptions options)
      throws IOException, SQLException {
    return run(options, Databases.writer(options));
  }

  /** Runs one load into {@code db}, which the caller has resolved (tests, embedding). */
  public static NetworkSnapshotSummary run(NetworkPipelineOptions options, DatabaseConfig db)
      throws IOException, SQLException {
    return run(options, db, Optional.empty());
  }

  private static NetworkSnapshotSummary run(NetworkPipelineOptions options, DatabaseConfig db,
      Optional<ClusterJobWatch> watch) throws IOException, SQLException {
    ShrinkLimit shrinkLimit = shrinkLimit(options);
    ReadLimits limits = InputFileOptions.readLimits(options);
    IngestibleFileNames names = InputFileOptions.fileNames(options);
    FileSystems.setDefaultPipelineOptions(options);
    List<MatchResult.Metadata> files =
        InputFiles.matchOrFail(options.getNetworkInput(), INPUT_HINT, names);
    db.checkReachable(Duration.ofSeconds(options.getDbConnectTimeoutSeconds()));
    NetworkLoad load = NetworkLoad.of(files);
    LOG.info("loading network snapshot {} from {} file(s) matching {} into {}",
        load.loadId(), files.size(), options.getNetworkInput(), db.describe());

    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, files, limits, load, db.jdbcIoConfiguration(), Databases.batching(options),
        shrinkLimit);
    PipelineResult.State state;
    try {
      state = ClusterJobWatch.start(watch, pipeline::run).waitUntilFinish();
    } catch (RuntimeException e) {
      failed(db, load, UserMessages.of(e));
      throw e;
    }
    if (state != PipelineResult.State.DONE) {
      String ended = "network load " + load.loadId() + " ended " + state
          + "; the previous network snapshot is unchanged";
      failed(db, load, ended);
      throw new IllegalStateException(ended);
    }
    return NetworkSnapshots.find(db.dataSource(), load.loadId())
        .orElseThrow(() -> new IllegalStateException("network load " + load.loadId()
            + " finished but its snapshot is not committed; the previous snapshot is unchanged"));
  }

  /** The load as a chain of named steps; the same names appear in the runner's UI and logs. */
  static void build(
      Pipeline pipeline,
      List<MatchResult.Metadata> files,
      ReadLimits limits,
      NetworkLoad load,
      JdbcIO.DataSourceConfiguration jdbc,
      BatchSettings batching,
      ShrinkLimit shrinkLimit) {
    WithFailures.Result<PCollection<SourceLine>, RejectedLine> lines =
        pipeline
            .apply("ListFiles", Create.of(files).withCoder(MetadataCoderV2.of()))
            .apply("OpenFiles", FileIO.readMatches().withCompression(Compression.AUTO))
            .apply("ReadLines", ReadLines.create().withLimits(limits));
    WithFailures.Result<PCollection<AdjacencyLine>, RejectedLine> parsed =
        lines.output().apply("ParseNetwork", new ParseNetwork());

    PCollection<Void> staged =
        parsed.output().apply("StageAdjacency", NetworkWrites.stageLines(load, jdbc, batching));

    Map<String, String> versions = load.versions();
    PCollection<Void> stagedRejects =
        PCollectionList.of(lines.failures())
            .and(parsed.failures())
            .apply("AllRejects", Flatten.pCollections())
            .apply(
                "AttachFileVersion",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(RejectedLine.class)))
                    .via((RejectedLine r) -> KV.of(versions.get(r.file()), r)))
            .apply("StageRejects", NetworkWrites.stageRejects(load, jdbc, batching));

    pipeline
        .apply("Snapshot", Create.of(load.loadId()))
        .apply("AfterAllWrites", Wait.on(staged, stagedRejects))
        .apply("CommitSnapshot", NetworkWrites.commit(load, jdbc, shrinkLimit));
  }

  /** Refuses a ratio outside [0, 1] at start, before any file is read. */
  static ShrinkLimit shrinkLimit(NetworkPipelineOptions options) {
    ShrinkLimit limit = ShrinkLimit.atMost(options.getMaxShrinkRatio());
    return options.getForce() ? ShrinkLimit.forced() : limit;
  }

  /**
   * Records a load that will not commit in the ledger, with the counts of what it staged, then
   * removes its staging; both best effort: the failure itself may be the database's, and the
   * exception that follows says what went wrong either way.
   */
  private static void failed(DatabaseConfig db, NetworkLoad load, String error) {
    try {
      NetworkSnapshots.recordFailure(db.dataSource(), load, error);
    } catch (SQLException e) {
      LOG.warn("could not record failed network load {} in the ledger ({})", load.loadId(),
          e.getMessage());
    }
    try {
      NetworkSnapshots.discard(db.dataSource(), load.loadId());
    } catch (SQLException e) {
      LOG.warn("could not remove staging rows of failed load {} ({}); the next load removes them",
          load.loadId(), e.getMessage());
    }
  }
}
