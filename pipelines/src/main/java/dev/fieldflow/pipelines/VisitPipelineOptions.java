package dev.fieldflow.pipelines;

import dev.fieldflow.ingest.visits.LoadSettings;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Options of {@link VisitPipeline}. S3 comes from Beam's own options ({@code --awsRegion},
 * {@code --endpoint}, {@code --awsCredentialsProvider}, {@code --s3ClientFactoryClass}) and the
 * AWS SDK's default chain (AWS_REGION, AWS_ACCESS_KEY_ID..., profiles, instance role).
 */
public interface VisitPipelineOptions extends FieldflowOptions, InputFileOptions, S3Options {
  @Description("Visit files to ingest: a local directory or glob, or an s3://bucket/prefix/ pattern"
      + " (a directory or a prefix ending in / means every file in it). Default: FIELDFLOW_VISITS.")
  @Default.InstanceFactory(VisitsInputFromEnvironment.class)
  String getVisitsInput();

  void setVisitsInput(String value);

  @Description("Ingest the files present now, then exit (backfill). Without it the pipeline keeps"
      + " polling for new files until stopped.")
  @Default.Boolean(false)
  boolean getOnce();

  void setOnce(boolean value);

  @Description("With --once on the DirectRunner: most files one pipeline run reads; a backfill"
      + " then runs in waves of this many files in path order, each committed before the next"
      + " starts. 0 (the default): one wave; memory does not grow with the files, whose rows go"
      + " from the reader straight to PostgreSQL. Other runners always run one wave.")
  @Default.Integer(0)
  int getOnceWaveFiles();

  void setOnceWaveFiles(int value);

  @Description("With --once: most megabytes of (compressed) files in one wave; a larger file is a"
      + " wave of its own.")
  @Default.Integer(64)
  int getOnceWaveMegabytes();

  void setOnceWaveMegabytes(int value);

  @Description("Seconds between two polls of the watched input in the continuous mode; also how"
      + " often the ledger is asked for failed files due for a retry.")
  @Default.Integer(5)
  int getPollIntervalSeconds();

  void setPollIntervalSeconds(int value);

  @Description("Continuous mode: watch date partitions instead of the whole input, e.g."
      + " s3://bucket/visits/{yyyy}/{MM}/{dd}/* ({yyyy}, {MM} and {dd} required). Each watch"
      + " generation watches today's and yesterday's partition (UTC), so the watch's memory is"
      + " bounded by two days of files. With --once: every partition. Replaces --visitsInput.")
  String getVisitsPartitionTemplate();

  void setVisitsPartitionTemplate(String value);

  @Description("Continuous mode: minutes between two watch generations. Each generation starts a"
      + " fresh watch of each pattern (its first poll lists all files there again; the ledger"
      + " skips those done), and the previous watch ends, freeing its memory.")
  @Default.Integer(60)
  int getWatchGenerationMinutes();

  void setWatchGenerationMinutes(int value);

  @Description("Continuous mode: minutes a watch older than a generation waits for a new file"
      + " before it ends; shorter than --watchGenerationMinutes.")
  @Default.Integer(15)
  int getWatchIdleMinutes();

  void setWatchIdleMinutes(int value);

  @Description("Visit lines held before they are merged into the model, within the file's one"
      + " transaction (the size flush rule of the visit writer; 16 MiB of encoded rows and a"
      + " file's end also merge). Larger chunks mean fewer statements; a chunk's rows are held"
      + " in the pipeline's memory, about 200 bytes a line.")
  @Default.Integer(LoadSettings.DEFAULT_CHUNK_ROWS)
  int getMergeChunkRows();

  void setMergeChunkRows(int value);

  @Description("Share of a file's lines (0..1) past which a loaded file is flagged as suspicious in"
      + " the ledger (warning), manage.sh status and the log; its good lines load all the same.")
  @Default.Double(0.5)
  double getMaxRejectRatio();

  void setMaxRejectRatio(double value);

  @Description("Wait for each file's load to reach PostgreSQL's write-ahead log on disk before the"
      + " next (synchronous_commit = on). By default a load commits without that wait: a"
      + " PostgreSQL crash may then undo the loads of its last moments, ledger row and rows"
      + " together, and they are loaded again (docs/INGESTING-VISITS.md, \"Guarantees\").")
  @Default.Boolean(false)
  boolean getSynchronousLoadCommit();

  void setSynchronousLoadCommit(boolean value);

  @Description("Seconds a failed file (unreadable, or its commit refused) waits before it is tried"
      + " again; the wait doubles with each attempt, up to an hour.")
  @Default.Integer(60)
  int getRetryFailedAfterSeconds();

  void setRetryFailedAfterSeconds(int value);

  @Description("Seconds a claim holds a file: a file still 'running' in the ledger that long after"
      + " it was claimed, with no commit, is taken over (read again as a new attempt) by the next"
      + " sighting or ledger check, whichever run holds it. Must be well above the time one file"
      + " takes to ingest; after a Flink restore, a file claimed after the restored checkpoint"
      + " and not started yet waits this long before it is read again (one whose load had"
      + " started: --abandonedLoadSeconds).")
  @Default.Integer(600)
  int getClaimLeaseSeconds();

  void setClaimLeaseSeconds(int value);

  @Description("Seconds a load of this run may be held by no database session before the ledger"
      + " check takes it over (read again as a new attempt, counted as a reader death): a load"
      + " cut off by a lost Flink TaskManager or undone by a crash of PostgreSQL is read again"
      + " after this, not after --claimLeaseSeconds. A live load holds its ledger row from start"
      + " to commit, and a retry marks its start again within seconds; keep this well above that.")
  @Default.Integer(30)
  int getAbandonedLoadSeconds();

  void setAbandonedLoadSeconds(int value);

  @Description("Seconds every database step keeps retrying while PostgreSQL is unreachable before"
      + " the pipeline gives up and fails.")
  @Default.Integer(300)
  int getDbOutageToleranceSeconds();

  void setDbOutageToleranceSeconds(int value);

  @Description("Address S3 buckets by path (http://host:port/bucket/key) instead of by host name:"
      + " needed by S3-compatible servers such as MinIO or S3Proxy behind a host name. Use with"
      + " --endpoint. Short for --s3ClientFactoryClass=dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory,"
      + " which the fieldflow jar adds to the command line.")
  @Default.Boolean(false)
  boolean getS3PathStyle();

  void setS3PathStyle(boolean value);

  @Description("Continuous mode: the URL of an SQS queue receiving the input bucket's S3 event"
      + " notifications (directly, or through SNS), e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/visits."
      + " New files are then taken from the notifications within a second instead of by polling"
      + " the input, and the input is listed only at start and every --backfillIntervalSeconds."
      + " The queue's endpoint is the URL's host. Needs an s3:// input. docs/INGESTING-VISITS.md.")
  String getNotifications();

  void setNotifications(String value);

  @Description("With --notifications: seconds between two listings of the input that take the files"
      + " the ledger lacks (objects there before the queue, lost notifications); the first is at"
      + " start. 0: never list.")
  @Default.Integer(3600)
  int getBackfillIntervalSeconds();

  void setBackfillIntervalSeconds(int value);

  /** Reads the default from FIELDFLOW_VISITS, so options beat the environment. */
  class VisitsInputFromEnvironment implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return System.getenv("FIELDFLOW_VISITS");
    }
  }
}
