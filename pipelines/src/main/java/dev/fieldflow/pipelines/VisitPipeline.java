package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory;
import dev.fieldflow.io.visits.ClaimVisitFiles;
import dev.fieldflow.io.visits.IngestVisitFiles;
import dev.fieldflow.io.visits.VisitFile;
import dev.fieldflow.io.visits.VisitLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;

/**
 * Ingests visit files into PostgreSQL, each file exactly once in effect: continuously (polling
 * the input until stopped), or with {@code --once} the files present now, then exits.
 *
 * <p>Every poll lists the input and takes from the ledger the file versions that still need
 * work; each is read, parsed, staged and quarantined in batches, and committed in one
 * transaction with its ledger row once all its lines are written. A restart (or a kill) loses
 * nothing and repeats nothing: done files are skipped, files of the stopped run are read again.
 * See docs/INGESTING-VISITS.md.
 */
public final class VisitPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(VisitPipeline.class);
  static final String INPUT_HINT = "--visitsInput (or FIELDFLOW_VISITS)";

  private VisitPipeline() {}

  public static void main(String[] args) throws Exception {
    VisitPipelineOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(VisitPipelineOptions.class);
    DatabaseConfig db = Databases.writer(options);
    if (options.getOnce()) {
      VisitLedger.RunSummary summary = runOnce(options, db);
      System.out.println("visits " + options.getVisitsInput() + ": " + summary.describe());
      if (summary.filesFailed() > 0) {
        throw new IllegalStateException(summary.filesFailed() + " file(s) failed, first "
            + summary.failures().get(0) + "; ./manage.sh status lists them, a later run retries them");
      }
    } else {
      PipelineResult result = start(options, db, UUID.randomUUID());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        LOG.info("stopping the visit pipeline; files in flight are read again by the next run");
        try {
          result.cancel();
        } catch (IOException | RuntimeException e) {
          LOG.debug("cancel on shutdown: {}", e.getMessage());
        }
      }, "visit-pipeline-stop"));
      result.waitUntilFinish();
    }
  }

  /** Ingests the files present now and returns what this run did, from the ledger. */
  public static VisitLedger.RunSummary runOnce(VisitPipelineOptions options, DatabaseConfig db)
      throws IOException, SQLException {
    options.setOnce(true);
    UUID runId = UUID.randomUUID();
    PipelineResult.State state = start(options, db, runId).waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("visit ingestion ended " + state
          + "; files done so far stay done, the others are taken again by the next run");
    }
    try (Connection c = db.dataSource().getConnection()) {
      return VisitLedger.summarizeRun(c, runId);
    }
  }

  /**
   * Checks the input and the database, then starts the pipeline as run {@code runId}. With
   * {@code --once} the result finishes when the files present now are ingested; otherwise it
   * runs until cancelled (on the DirectRunner, {@code --blockOnRun=false} returns at once).
   */
  public static PipelineResult start(VisitPipelineOptions options, DatabaseConfig db, UUID runId)
      throws IOException {
    String pattern = pattern(options.getVisitsInput());
    options.setVisitsInput(pattern);
    checkS3(options, pattern);
    FileSystems.setDefaultPipelineOptions(options);
    int listed = listOrFail(pattern);
    db.checkReachable(Duration.ofSeconds(options.getDbConnectTimeoutSeconds()));
    LOG.info("ingesting visits from {} ({} file(s) there now, {}) into {} as run {}", pattern,
        listed, options.getOnce() ? "once" : "polling every " + options.getPollIntervalSeconds() + " s",
        db.describe(), runId);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, options, db, runId);
    return pipeline.run();
  }

  /** The pipeline as a chain of named steps; the same names appear in the runner's UI and logs. */
  static void build(Pipeline pipeline, VisitPipelineOptions options, DatabaseConfig db, UUID runId) {
    Duration outageTolerance = Duration.ofSeconds(options.getDbOutageToleranceSeconds());
    PCollection<Instant> polls =
        options.getOnce()
            ? pipeline.apply("ListOnce", Create.of(Instant.now()))
            : pipeline.apply("Poll",
                PeriodicImpulse.create()
                    .withInterval(org.joda.time.Duration.standardSeconds(
                        Math.max(1, options.getPollIntervalSeconds()))));
    polls
        .apply("ClaimNewFiles",
            new ClaimVisitFiles(options.getVisitsInput(), runId, db, outageTolerance, options.getOnce()))
        .setCoder(org.apache.beam.sdk.coders.SerializableCoder.of(VisitFile.class))
        .apply("IngestVisitFiles",
            new IngestVisitFiles(db, Databases.batching(options), outageTolerance,
                Duration.ofSeconds(options.getRetryFailedAfterSeconds())));
  }

  /** The input as a pattern: a directory or a prefix ending in {@code /} means all its files. */
  static String pattern(String input) {
    if (input == null || input.isBlank()) {
      throw new IllegalArgumentException("no visit input given: set " + INPUT_HINT);
    }
    String pattern = input.strip();
    if (pattern.endsWith("/")) {
      return pattern + "*";
    }
    if (!pattern.contains("://") && Files.isDirectory(Path.of(pattern))) {
      return pattern + "/*";
    }
    return pattern;
  }

  /**
   * S3 needs a region and credentials; without them the AWS SDK fails only at the first poll.
   * Check them now and say what to set. {@code --s3PathStyle} selects path-style addressing.
   */
  static void checkS3(VisitPipelineOptions options, String pattern) {
    if (!pattern.startsWith("s3://")) {
      return;
    }
    if (options.getS3PathStyle()) {
      options.setS3ClientFactoryClass(PathStyleS3ClientBuilderFactory.class);
    }
    Region region;
    try {
      region = options.getAwsRegion();
    } catch (RuntimeException e) {
      region = null;
    }
    if (region == null) {
      throw new IllegalArgumentException("no AWS region to read " + pattern
          + ": set AWS_REGION (or a profile's region) or --awsRegion");
    }
    try {
      options.getAwsCredentialsProvider().resolveCredentials();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("no AWS credentials to read " + pattern + " ("
          + e.getMessage() + "): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE,"
          + " an instance role, or --awsCredentialsProvider", e);
    }
  }

  /** Lists the input once, so that a wrong bucket, endpoint or permission fails now. */
  private static int listOrFail(String pattern) throws IOException {
    try {
      return ClaimVisitFiles.list(pattern).size();
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot list " + pattern + ": " + UserMessages.of(e)
          + "; check " + INPUT_HINT + ", the endpoint and your access", e);
    }
  }
}
