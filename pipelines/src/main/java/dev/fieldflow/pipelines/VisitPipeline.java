package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.io.files.InputFiles;
import dev.fieldflow.io.files.LocalPatterns;
import dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory;
import dev.fieldflow.ingest.visits.ClaimVisitFiles;
import dev.fieldflow.ingest.visits.LedgerClaims;
import dev.fieldflow.ingest.visits.ContinuousInputLock;
import dev.fieldflow.ingest.visits.IngestVisitFiles;
import dev.fieldflow.ingest.visits.LoadSettings;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.ReclaimVisitFiles;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.ingest.visits.VisitPartitions;
import dev.fieldflow.ingest.visits.WatchVisitFiles;
import dev.fieldflow.ingest.notifications.BackfillVisitFiles;
import dev.fieldflow.ingest.notifications.InputPattern;
import dev.fieldflow.ingest.notifications.NotificationQueue;
import dev.fieldflow.ingest.notifications.ReadS3Notifications;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;

/**
 * Ingests visit files into PostgreSQL, each file exactly once in effect: continuously (polling
 * the input until stopped), or with {@code --once} the files present now, then exits.
 *
 * <p>Beam's {@code FileIO.match()} (or, continuously, its {@code Watch}) finds the files; the
 * ledger takes those that still need work; each is read, parsed, staged and quarantined in batches, and committed in one
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
        CommandLine.parse(args, VisitPipelineOptions.class);
    validate(options);
    DatabaseConfig db = Databases.writer(options);
    RestartOnDatabaseFailure runs = restarts(options, db);
    Optional<ClusterJobWatch> watch = ClusterJobWatch.of(args, options.getJobName());
    stopOnShutdown(runs, watch);
    if (options.getOnce()) {
      VisitLedger.RunSummary summary = runOnce(options, db, runs, watch);
      System.out.println("visits " + options.getVisitsInput() + ": " + summary.describe());
      if (summary.filesNotIngested() > 0) {
        throw new IllegalStateException(summary.filesNotIngested() + " file(s) not ingested, first "
            + summary.failures().get(0) + "; ./manage.sh status lists them, a later run retries them");
      }
    } else {
      // Held until the JVM ends: a second continuous pipeline on this input is refused.
      @SuppressWarnings({"resource", "unused"})
      ContinuousInputLock lock = ContinuousInputLock.take(db, continuousInput(options));
      runs.run(runId -> watch.isPresent()
          ? watch.get().startUnbounded(() -> start(options, db, runId)) : start(options, db, runId));
    }
  }

  /**
   * The input a continuous pipeline locks: every file its pattern or template can name, in one
   * spelling ({@link LocalPatterns#canonical}), so that {@code /data/./visits/} is refused beside
   * {@code /data/visits}.
   */
  public static String continuousInput(VisitPipelineOptions options) {
    return LocalPatterns.canonical(partitions(options).everything());
  }

  /** {@code visit-stopped --run=ID}: which run's job is being stopped on purpose. */
  public interface StoppedRunOptions extends FieldflowOptions {
    @Description("The run id of the visit pipeline being stopped (its log's \"run ID submitted"
        + " detached\" line).")
    @Validation.Required
    String getRun();

    void setRun(String value);
  }

  /**
   * {@code visit-stopped --run=ID}: records that run ID is being stopped on purpose, as a
   * launcher's shutdown hook does for its own run ({@link VisitLedger#recordStop}). For a job
   * submitted detached, which no launcher watches: {@code ./manage.sh stop} runs this before it
   * cancels the job, so the files the job was loading are taken again without counting a reader
   * death.
   */
  public static void recordStopped(String[] args) throws Exception {
    StoppedRunOptions options =
        CommandLine.parse(args, StoppedRunOptions.class);
    UUID run = recordStopped(Databases.writer(options), options.getRun());
    System.out.println("visit: run " + run + " recorded as stopped on purpose");
  }

  /** Records run {@code run} (a run id as the log prints it) as stopped on purpose in {@code db}. */
  public static UUID recordStopped(DatabaseConfig db, String run) throws SQLException {
    UUID id;
    try {
      id = UUID.fromString(run.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--run must be a run id (a UUID), but was '" + run + "'");
    }
    recordStopped(db, id);
    return id;
  }

  /**
   * Records run {@code run} as stopped on purpose in {@code db}, in a transaction of its own:
   * for {@code visit-stopped} and for a launcher's shutdown hook ({@link RestartOnDatabaseFailure}).
   */
  static void recordStopped(DatabaseConfig db, UUID run) throws SQLException {
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(true);
      VisitLedger.recordStop(c, run);
    }
  }

  /**
   * On a signal (./manage.sh stop, Ctrl-C), records the stop and cancels the run in progress,
   * on a cluster through {@code watch}; files in flight are read again by the next run and not
   * counted as reader deaths.
   */
  private static void stopOnShutdown(RestartOnDatabaseFailure runs, Optional<ClusterJobWatch> watch) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runs.cancel();
      } catch (IOException | RuntimeException e) {
        LOG.debug("cancel on shutdown: {}", e.getMessage());
      }
      watch.ifPresent(ClusterJobWatch::cancel);
    }, "visit-pipeline-stop"));
  }

  /**
   * Ingests the files present now and returns what this run did, from the ledger. The input is
   * listed once; on the DirectRunner the listing is cut into waves ({@link #waves}), each run as
   * a pipeline of its own. A wave that fails because PostgreSQL went away is started again once
   * it is back.
   */
  public static VisitLedger.RunSummary runOnce(VisitPipelineOptions options, DatabaseConfig db)
      throws IOException, SQLException, InterruptedException {
    return runOnce(options, db, restarts(options, db), Optional.empty());
  }

  private static VisitLedger.RunSummary runOnce(VisitPipelineOptions options, DatabaseConfig db,
      RestartOnDatabaseFailure restarts, Optional<ClusterJobWatch> watch)
      throws IOException, SQLException, InterruptedException {
    if (!options.getOnce()) {
      throw new IllegalArgumentException("runOnce ingests the files present now: set --once");
    }
    validate(options);
    List<UUID> runIds = new ArrayList<>();
    List<List<MatchResult.Metadata>> waves = inWaves(options)
        ? waves(list(options), options.getOnceWaveFiles(), (long) options.getOnceWaveMegabytes() << 20)
        : List.of(List.of());
    for (int i = 0; i < waves.size(); i++) {
      if (waves.size() > 1) {
        LOG.info("wave {} of {}: {} file(s)", i + 1, waves.size(), waves.get(i).size());
      }
      List<MatchResult.Metadata> wave = waves.get(i);
      runIds.addAll(restarts.run(
          runId -> ClusterJobWatch.start(watch, () -> start(options, db, runId, wave))));
    }
    try (Connection c = db.dataSource().getConnection()) {
      return VisitLedger.summarizeRuns(c, runIds, LocalPatterns.matcher(partitions(options).everything()));
    }
  }

  private static RestartOnDatabaseFailure restarts(VisitPipelineOptions options, DatabaseConfig db) {
    return new RestartOnDatabaseFailure(db, Duration.ofSeconds(options.getDbOutageToleranceSeconds()));
  }

  /**
   * Whether a --once run is cut into waves: only on the DirectRunner, and only when asked for
   * ({@code --onceWaveFiles} &gt; 0). Flink streams a bounded job with back-pressure, and each
   * wave there would be a job. Files are loaded straight from the reader into PostgreSQL, so a
   * pipeline holds no rows whatever the number of files; waves remain useful to commit a
   * backfill in path order.
   */
  static boolean inWaves(VisitPipelineOptions options) {
    return options.getOnceWaveFiles() > 0
        && options.getRunner().getSimpleName().equals("DirectRunner");
  }

  /** The files of the input now (directories left out), in path order: one listing. */
  public static List<MatchResult.Metadata> list(VisitPipelineOptions options) throws IOException {
    String everything = partitions(options).everything();
    checkS3(options, everything);
    FileSystems.setDefaultPipelineOptions(options);
    List<MatchResult.Metadata> files = new ArrayList<>(listOrFail(everything));
    files.sort(Comparator.comparing(m -> m.resourceId().toString()));
    return files;
  }

  /**
   * {@code listing} cut, in its order, into waves of at most {@code maxFiles} files and {@code
   * maxBytes} bytes (a larger file is a wave of its own). A pure function: no listing, no I/O.
   * An empty listing is one empty wave.
   */
  public static List<List<MatchResult.Metadata>> waves(
      List<MatchResult.Metadata> listing, int maxFiles, long maxBytes) {
    if (maxFiles < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("waves need maxFiles >= 1 and maxBytes >= 1, but were "
          + maxFiles + " and " + maxBytes);
    }
    List<List<MatchResult.Metadata>> waves = new ArrayList<>();
    List<MatchResult.Metadata> wave = new ArrayList<>();
    long bytes = 0;
    for (MatchResult.Metadata file : listing) {
      if (!wave.isEmpty() && (wave.size() >= maxFiles || bytes + file.sizeBytes() > maxBytes)) {
        waves.add(wave);
        wave = new ArrayList<>();
        bytes = 0;
      }
      wave.add(file);
      bytes += file.sizeBytes();
    }
    if (!wave.isEmpty() || waves.isEmpty()) {
      waves.add(wave);
    }
    return waves;
  }

  /**
   * Checks the input and the database, then starts the pipeline as run {@code runId}. With
   * {@code --once} the result finishes when the files present now are ingested; otherwise it
   * runs until cancelled (on the DirectRunner, {@code --blockOnRun=false} returns at once).
   */
  public static PipelineResult start(VisitPipelineOptions options, DatabaseConfig db, UUID runId)
      throws IOException {
    return start(options, db, runId, List.of());
  }

  /**
   * As {@link #start(VisitPipelineOptions, DatabaseConfig, UUID)}; with --once and a non-empty
   * {@code wave}, the pipeline takes exactly the wave's files, as listed, instead of listing.
   */
  static PipelineResult start(
      VisitPipelineOptions options, DatabaseConfig db, UUID runId, List<MatchResult.Metadata> wave)
      throws IOException {
    validate(options);
    VisitPartitions partitions = partitions(options);
    checkNotifications(options, partitions);
    checkS3(options, partitions.everything());
    FileSystems.setDefaultPipelineOptions(options);
    checkQueue(options);
    String there;
    if (wave.isEmpty()) {
      List<String> patterns = options.getOnce()
          ? List.of(partitions.everything()) : partitions.patternsOn(LocalDate.now(ZoneOffset.UTC));
      IngestibleFileNames names = InputFileOptions.fileNames(options);
      int listed = 0;
      List<String> ignored = new ArrayList<>();
      for (String pattern : patterns) {
        for (MatchResult.Metadata m : listOrFail(pattern)) {
          String path = m.resourceId().toString();
          if (names.isIngested(path)) {
            listed++;
          } else {
            ignored.add(IngestibleFileNames.printable(path));
          }
        }
      }
      there = listed + " file(s) there now";
      if (!ignored.isEmpty()) {
        // Said, not only skipped: an operator who names a hidden file gets its reason.
        there += " and " + ignored.size() + " ignored by name (" + ignored.get(0)
            + (ignored.size() > 1 ? ", ..." : "") + "; --ignoreFileNames says which names)";
      }
      if (listed == 0 && options.getOnce()) {
        // Not an error: a daily run over an empty partition is normal. A mistyped input looks the
        // same, so it is said where the operator looks.
        LOG.warn("no file matches {} now{}: nothing to ingest; check {}{}",
            partitions.everything(), ignored.isEmpty() ? "" : " but " + ignored.size()
                + " ignored by name (" + ignored.get(0) + ")", INPUT_HINT,
            ignored.isEmpty() ? "" : ", or --ignoreFileNames (hidden and temporary names are not"
                + " read by default)");
      }
    } else {
      there = "a wave of " + wave.size() + " file(s)";
    }
    db.checkReachable(Duration.ofSeconds(options.getDbConnectTimeoutSeconds()));
    SessionBudget.warnIfShort(options, db);
    LOG.info("ingesting visits from {} ({}, {}) into {} as run {}",
        options.getOnce() ? partitions.everything() : partitions.describe(), there,
        options.getOnce() ? "once" : notified(options) ? "from the notifications on "
            + options.getNotifications() + ", listing " + (options.getBackfillIntervalSeconds() == 0
                ? "never" : "at start and every " + options.getBackfillIntervalSeconds() + " s")
        : "watching with a poll every " + options.getPollIntervalSeconds()
            + " s, a new watch every " + options.getWatchGenerationMinutes() + " min",
        db.describe(), runId);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, options, db, runId, wave);
    return pipeline.run();
  }

  /**
   * The pipeline as a chain of named steps; the same names appear in the runner's UI and logs.
   * With {@code --once}, Beam's bounded {@code FileIO.match()} lists the input once; otherwise
   * {@link WatchVisitFiles} watches it, and the ledger is checked for failed files due for a
   * retry and files of dead runs. Either way the ledger decides what is read.
   */
  static void build(Pipeline pipeline, VisitPipelineOptions options, DatabaseConfig db, UUID runId) {
    build(pipeline, options, db, runId, List.of());
  }

  /** With --once and a non-empty {@code wave}, exactly the wave's listed files are taken. */
  static void build(
      Pipeline pipeline, VisitPipelineOptions options, DatabaseConfig db, UUID runId,
      List<MatchResult.Metadata> wave) {
    LedgerClaims claims = new LedgerClaims(runId, db,
        Duration.ofSeconds(options.getDbOutageToleranceSeconds()),
        Duration.ofSeconds(options.getClaimLeaseSeconds()),
        Duration.ofSeconds(options.getAbandonedLoadSeconds()));
    VisitPartitions partitions = partitions(options);
    IngestibleFileNames names = InputFileOptions.fileNames(options);
    PCollection<VisitFile> claimed;
    if (options.getOnce()) {
      WatchVisitFiles.keepModificationTimes(pipeline);
      // One listing, its files kept together (no output parallelization): they are claimed in
      // a few statements, not one per file, and spread over the workers once, after the claim.
      PCollection<MatchResult.Metadata> matched = wave.isEmpty()
          ? pipeline.apply("Input", Create.of(partitions.everything()))
              .apply("MatchFiles", FileIO.matchAll().withOutputParallelization(false)
                  .withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
          : pipeline.apply("ListedWave", Create.of(wave).withCoder(MetadataCoderV2.of()));
      claimed = matched
          .apply("ClaimFiles", ClaimVisitFiles.forRun(claims).retryingFailedNow().withFileNames(names));
    } else if (notified(options)) {
      claimed = notifiedFiles(pipeline, options, claims, partitions, names);
    } else {
      Duration poll = Duration.ofSeconds(options.getPollIntervalSeconds());
      PCollection<VisitFile> seen = pipeline
          .apply("DiscoverFiles", new WatchVisitFiles(partitions, poll,
              Duration.ofMinutes(options.getWatchGenerationMinutes()),
              Duration.ofMinutes(options.getWatchIdleMinutes())))
          .apply("ClaimFiles", ClaimVisitFiles.forRun(claims).withFileNames(names));
      PCollection<VisitFile> retried = pipeline
          .apply("CheckLedger", PeriodicImpulse.create().withInterval(
              org.joda.time.Duration.millis(poll.toMillis())))
          .apply("ReclaimFiles", ReclaimVisitFiles.forRun(claims));
      claimed = PCollectionList.of(seen).and(retried).apply("AllClaimedFiles", Flatten.pCollections());
    }
    claimed.apply("IngestVisitFiles", new IngestVisitFiles(db, runId, loadSettings(options)));
  }

  /**
   * Refuses a bad option value, at start and with the option's name: a value is never clamped
   * or changed (the load settings and read limits check their own, {@link #loadSettings}).
   */
  static void validate(VisitPipelineOptions options) {
    CommandLine.atLeast("pollIntervalSeconds", options.getPollIntervalSeconds(), 1);
    CommandLine.atLeast("claimLeaseSeconds", options.getClaimLeaseSeconds(), 1);
    CommandLine.atLeast("abandonedLoadSeconds", options.getAbandonedLoadSeconds(), 1);
    CommandLine.atLeast("watchGenerationMinutes", options.getWatchGenerationMinutes(), 1);
    CommandLine.atLeast("watchIdleMinutes", options.getWatchIdleMinutes(), 1);
    CommandLine.atLeast("onceWaveFiles", options.getOnceWaveFiles(), 0);
    CommandLine.atLeast("onceWaveMegabytes", options.getOnceWaveMegabytes(), 1);
    InputFileOptions.fileNames(options);
    loadSettings(options);
  }

  /** Whether new files come from S3 event notifications ({@code --notifications}). */
  static boolean notified(VisitPipelineOptions options) {
    return !options.getOnce() && options.getNotifications() != null && !options.getNotifications().isBlank();
  }

  /**
   * The notification mode's sources, each claiming in the ledger itself (so that a message is
   * deleted only after its file's claim commits): the queue, the backfill listings, and the
   * ledger's own failed and orphaned files, as in the polling mode.
   */
  private static PCollection<VisitFile> notifiedFiles(Pipeline pipeline, VisitPipelineOptions options,
      LedgerClaims claims, VisitPartitions partitions, IngestibleFileNames names) {
    InputPattern input = new InputPattern(partitions.everything(), names);
    PCollectionList<VisitFile> sources = PCollectionList.of(pipeline.apply("ReadNotifications",
        ReadS3Notifications.from(options.getNotifications().strip(), input, claims)));
    if (options.getBackfillIntervalSeconds() > 0) {
      sources = sources.and(pipeline.apply("BackfillFiles", BackfillVisitFiles.every(
          Duration.ofSeconds(options.getBackfillIntervalSeconds()), input, claims)));
    }
    Duration poll = Duration.ofSeconds(options.getPollIntervalSeconds());
    sources = sources.and(pipeline
        .apply("CheckLedger", PeriodicImpulse.create().withInterval(
            org.joda.time.Duration.millis(poll.toMillis())))
        .apply("ReclaimFiles", ReclaimVisitFiles.forRun(claims)));
    return sources.apply("AllClaimedFiles", Flatten.pCollections());
  }

  /** Refuses notification options that cannot work, naming the option and what to do. */
  static void checkNotifications(VisitPipelineOptions options, VisitPartitions partitions) {
    if (options.getBackfillIntervalSeconds() < 0) {
      throw new IllegalArgumentException("--backfillIntervalSeconds must be >= 0 (0: never list),"
          + " but was " + options.getBackfillIntervalSeconds());
    }
    String queue = options.getNotifications();
    if (queue == null) {
      return;
    }
    if (queue.isBlank()) {
      throw new IllegalArgumentException("--notifications is empty: give the SQS queue URL"
          + " (https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE), or leave the option out to poll"
          + " the input");
    }
    if (options.getOnce()) {
      throw new IllegalArgumentException("--notifications is for the continuous mode; --once lists"
          + " the input instead: drop one of them");
    }
    NotificationQueue.endpoint(queue.strip());
    if (!partitions.everything().startsWith("s3://")) {
      throw new IllegalArgumentException("--notifications needs an s3://bucket/prefix/ input, but "
          + INPUT_HINT + " is " + partitions.everything());
    }
  }

  /** Reaches the queue now, so that a wrong URL or a missing permission fails at start. */
  private static void checkQueue(VisitPipelineOptions options) {
    if (!notified(options)) {
      return;
    }
    String url = options.getNotifications().strip();
    try (NotificationQueue queue = NotificationQueue.open(url, options)) {
      var attributes = queue.attributes();
      String visibility = attributes.get(software.amazon.awssdk.services.sqs.model.QueueAttributeName.VISIBILITY_TIMEOUT);
      if (!attributes.containsKey(software.amazon.awssdk.services.sqs.model.QueueAttributeName.REDRIVE_POLICY)) {
        LOG.warn("queue {} has no dead-letter queue (RedrivePolicy): a message that is not an S3"
            + " event notification is received again until its retention ends; see"
            + " docs/INGESTING-VISITS.md", url);
      }
      LOG.info("notifications: queue {} reached, visibility timeout {} s", url, visibility);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot reach the SQS queue " + url + ": " + UserMessages.of(e)
          + "; check --notifications, AWS_REGION, the credentials and sqs:GetQueueAttributes", e);
    }
  }

  /** How files are loaded, from the options; a bad value is refused with its option's name. */
  public static LoadSettings loadSettings(VisitPipelineOptions options) {
    return new LoadSettings(options.getMergeChunkRows(),
        InputFileOptions.readLimits(options),
        Duration.ofSeconds(options.getDbOutageToleranceSeconds()),
        Duration.ofSeconds(options.getRetryFailedAfterSeconds()), options.getMaxRejectRatio(),
        options.getSynchronousLoadCommit());
  }

  /** What to discover: the partition template if given, else the input as one pattern. */
  static VisitPartitions partitions(VisitPipelineOptions options) {
    String template = options.getVisitsPartitionTemplate();
    if (template != null && !template.isBlank()) {
      VisitPartitions daily = VisitPartitions.daily(template.strip());
      LocalPatterns.checkInput(daily.everything(), "--visitsPartitionTemplate");
      return daily;
    }
    return VisitPartitions.whole(pattern(options.getVisitsInput()));
  }

  /**
   * The input as a pattern: a directory or a prefix ending in {@code /} means all its files.
   *
   * @throws IllegalArgumentException if the input is missing, or is a local path that names
   *     nothing or a pattern whose match would search the whole machine ({@link LocalPatterns})
   */
  public static String pattern(String input) {
    if (input == null || input.isBlank()) {
      throw new IllegalArgumentException("no visit input given: set " + INPUT_HINT);
    }
    String pattern = InputFiles.asPattern(input);
    LocalPatterns.checkInput(pattern, INPUT_HINT);
    return pattern;
  }

  /**
   * S3 needs a region and credentials; without them the AWS SDK fails only at the first poll.
   * Check them now and say what to set. {@code --s3PathStyle} must come with its factory,
   * which the jar's {@link Main} adds on the command line.
   */
  public static void checkS3(VisitPipelineOptions options, String pattern) {
    if (!pattern.startsWith("s3://")) {
      return;
    }
    if (options.getS3PathStyle()
        && !PathStyleS3ClientBuilderFactory.class.equals(options.getS3ClientFactoryClass())) {
      throw new IllegalArgumentException("--s3PathStyle=true needs --s3ClientFactoryClass="
          + PathStyleS3ClientBuilderFactory.class.getName() + " (the fieldflow jar adds it), but"
          + " the factory is " + options.getS3ClientFactoryClass().getName());
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
  private static List<MatchResult.Metadata> listOrFail(String pattern) throws IOException {
    try {
      MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.NOT_FOUND) {
        return List.of();
      }
      // Not OK: metadata() throws the listing's own error (e.g. S3's "bucket does not exist").
      return result.metadata().stream().filter(m -> !m.resourceId().isDirectory()).toList();
    } catch (IOException | RuntimeException e) {
      throw new IOException("cannot list " + pattern + ": " + UserMessages.of(e)
          + "; check " + INPUT_HINT + ", the endpoint and your access", e);
    }
  }
}
