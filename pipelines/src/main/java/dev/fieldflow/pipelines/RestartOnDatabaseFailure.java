package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.DatabaseUnavailableException;
import dev.fieldflow.ingest.write.DatabaseErrors;
import dev.fieldflow.ingest.visits.VisitLedger;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.sdk.PipelineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restart strategy the DirectRunner lacks: a run of the visit pipeline that fails because
 * PostgreSQL went away (a batch write fails its bundle, and the DirectRunner fails the pipeline
 * on a failed bundle) is started again as a new run once PostgreSQL answers, waiting for it up
 * to the outage tolerance. The new run takes over the files the failed one had in flight (a
 * running file of another run is an orphan), and what was written already is kept: staging and
 * quarantine are idempotent, a done file is skipped. Any other failure ends the pipeline.
 *
 * <p>On Flink the job's own restart strategy acts first; this only restarts a job that Flink
 * gave up on.
 */
final class RestartOnDatabaseFailure {
  private static final Logger LOG = LoggerFactory.getLogger(RestartOnDatabaseFailure.class);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  /** Starts one run of the pipeline as run {@code runId}. */
  @FunctionalInterface
  interface Launch {
    PipelineResult start(UUID runId) throws IOException;
  }

  private final DatabaseConfig db;
  private final Duration outageTolerance;
  private final AtomicReference<PipelineResult> current = new AtomicReference<>();
  /** The run in progress: set while a run starts or runs, cleared once it has ended. */
  private final AtomicReference<UUID> running = new AtomicReference<>();

  RestartOnDatabaseFailure(DatabaseConfig db, Duration outageTolerance) {
    this.db = db;
    this.outageTolerance = outageTolerance;
  }

  /**
   * Runs {@code launch} until a run finishes (or is cancelled), restarting it after transient
   * database failures.
   *
   * @return the ids of the runs, in order; the last one finished
   */
  List<UUID> run(Launch launch) throws IOException, InterruptedException {
    List<UUID> runs = new ArrayList<>();
    Duration pause = Duration.ofSeconds(1);
    while (true) {
      UUID runId = UUID.randomUUID();
      runs.add(runId);
      PipelineResult.State state;
      running.set(runId);
      try {
        // The DirectRunner's run() blocks until the pipeline ends (unless --blockOnRun=false).
        PipelineResult result = launch.start(runId);
        if (isDetached(result)) {
          // The cluster runs the job now, restarting it by its own strategy; a launcher that
          // stayed would only wait (and cancel the job on its way out). Stopping it is
          // ./manage.sh stop's: it records the stop (visit-stopped) and cancels the job.
          running.set(null);
          LOG.info("run {} submitted detached: {}; this launcher ends, the cluster runs the job",
              runId, result);
          return runs;
        }
        current.set(result);
        state = result.waitUntilFinish();
        running.set(null);
      } catch (IOException e) {
        // Refused at its start (an input that cannot be listed): a failure, not a stop.
        running.set(null);
        throw e;
      } catch (RuntimeException e) {
        running.set(null);
        // The start's own reachability check has waited already.
        if (e instanceof DatabaseUnavailableException || !DatabaseErrors.isTransientCause(e)) {
          throw e;
        }
        LOG.warn("run {} failed: PostgreSQL at {} is unavailable ({}); starting a new run once it"
                + " answers (waiting up to {} s); files in flight are taken over, written lines kept",
            runId, db.describe(), UserMessages.of(e), outageTolerance.toSeconds());
        Thread.sleep(pause.toMillis());
        pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
        db.checkReachable(outageTolerance);
        continue;
      }
      if (state != PipelineResult.State.DONE && state != PipelineResult.State.CANCELLED) {
        throw new IllegalStateException("visit ingestion ended " + state
            + "; files done so far stay done, the others are taken again by the next run");
      }
      return runs;
    }
  }

  /**
   * Whether {@code result} is of a job submitted to a Flink cluster with {@code
   * --attachedMode=false}. By name: the DirectRunner's jar has no Flink runner on its classpath.
   */
  static boolean isDetached(PipelineResult result) {
    return result.getClass().getName().equals("org.apache.beam.runners.flink.FlinkDetachedRunnerResult");
  }

  /**
   * Stops the current run (from a shutdown hook: the JVM ends once the hook returns). A run
   * still in progress is being stopped on purpose (a signal), not failing: that is recorded
   * first, so that the files it was loading are not counted as reader deaths ({@link
   * VisitLedger#recordStop}). A run that failed (an error, an OutOfMemoryError) has ended before
   * the hook runs and records nothing.
   */
  void cancel() throws IOException {
    UUID run = running.get();
    if (run != null) {
      recordStop(run);
    }
    PipelineResult result = current.get();
    if (result != null) {
      result.cancel();
    }
  }

  private void recordStop(UUID run) {
    try {
      VisitPipeline.recordStopped(db, run);
      LOG.info("run {} stopped on purpose; files it was loading are taken again, not counted as"
          + " reader deaths", run);
    } catch (SQLException e) {
      LOG.warn("cannot record that run {} was stopped ({}); files it was loading count one reader"
          + " death each", run, e.getMessage());
    }
  }
}
