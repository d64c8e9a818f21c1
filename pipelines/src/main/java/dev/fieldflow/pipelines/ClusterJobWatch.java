package dev.fieldflow.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees a bounded job on a Flink cluster finish as soon as the JobManager does. Beam's FlinkRunner
 * submits such a job attached and returns once Flink's REST client has its result, which that
 * client asks for with a backoff growing to 2 s (Flink 1.19's {@code RestClusterClient},
 * {@code ExponentialWaitStrategy(10, 2000)}, not configurable): a run of half a minute ended up to
 * 2 s after its job had finished, about 1 s on average (measured: 0.85 s, 1.6 s and 2.3 s from
 * the JobManager's FINISHED to the launcher's exit). This watch asks the JobManager's REST API
 * ({@code GET /jobs/overview}) every {@link #POLL} instead, for the job of this launch (the job
 * with the pipeline's {@code --jobName} that was not there before the launch), and lets the
 * launcher go on as soon as that job is {@code FINISHED}: by then every file it loaded has
 * committed. Any other end (FAILED, CANCELED), and any answer it cannot read (a REST API behind
 * TLS or a proxy, two new jobs of the same name), leaves the outcome to the FlinkRunner, as
 * before, with its error.
 *
 * <p>The watch also stops what it watches: {@link #cancel} (the launcher's shutdown hook, on
 * Ctrl-C or SIGTERM) cancels the launched job on the JobManager ({@code PATCH /jobs/ID?mode=cancel})
 * and waits for it to end, as a stop cancels an embedded run: an attached job does not go on
 * loading on the cluster once its launcher has ended.
 *
 * <p>Only for attached runs on a cluster ({@code --flinkMaster=HOST:PORT}): {@code visit --once}
 * and the network pipeline, and a continuous visit pipeline submitted with {@code
 * --attachedMode=true} (which never finishes, so only the cancel applies). An embedded Flink
 * completes its result without polling; a detached job returns at once, and {@code ./manage.sh
 * stop} cancels it.
 */
public final class ClusterJobWatch {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterJobWatch.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  /** How long {@link #cancel} waits for the cancelled job to end, within a shutdown hook. */
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(20);
  private static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "CANCELED");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Starts a pipeline run; for an attached Flink job, returns once the job has ended. */
  @FunctionalInterface
  public interface Launch {
    PipelineResult start() throws IOException;
  }

  private final URI jobsOverview;
  private final String jobName;
  private final HttpClient http;
  /** Whether a launch is in progress. */
  private volatile boolean launching;
  /** The jobs of {@link #jobName} before the launch in progress; null if they could not be read. */
  private volatile Set<String> launchedAfter;
  /** The id of the launch's job once the JobManager has listed it. */
  private volatile String jobId;

  private ClusterJobWatch(URI restAddress, String jobName) {
    this.jobsOverview = restAddress.resolve("/jobs/overview");
    this.jobName = jobName;
    this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  }

  /**
   * A watch when {@code args} submit attached to a Flink cluster ({@code --runner} a Flink runner,
   * {@code --flinkMaster} neither {@code [local]}, {@code [auto]} nor {@code [collection]}, no
   * {@code --attachedMode=false}); empty otherwise.
   */
  public static Optional<ClusterJobWatch> of(String[] args, String jobName) {
    String master = Main.option(args, "flinkMaster");
    String attached = Main.option(args, "attachedMode");
    if (!Main.onFlink(args) || master == null
        || master.isBlank() || master.startsWith("[")
        || (attached != null && attached.strip().equalsIgnoreCase("false"))) {
      return Optional.empty();
    }
    Optional<URI> rest = restAddress(master.strip());
    return rest.map(uri -> new ClusterJobWatch(uri, jobName));
  }

  /**
   * The JobManager's REST address for a {@code --flinkMaster} value: {@code HOST:PORT}, {@code
   * HOST} (port 8081, Flink's default) or an {@code http://} or {@code https://} URL; empty if it
   * is none of these.
   */
  static Optional<URI> restAddress(String master) {
    String url = master.contains("://") ? master : "http://" + master;
    try {
      URI uri = URI.create(url);
      if (uri.getHost() == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        return Optional.empty();
      }
      int port = uri.getPort() == -1 ? 8081 : uri.getPort();
      return Optional.of(new URI(uri.getScheme(), null, uri.getHost(), port, "/", null, null));
    } catch (IllegalArgumentException | java.net.URISyntaxException e) {
      return Optional.empty();
    }
  }

  /** {@code launch} under {@code watch} when there is one, else {@code launch} as it is. */
  static PipelineResult start(Optional<ClusterJobWatch> watch, Launch launch) throws IOException {
    return watch.isPresent() ? watch.get().start(launch) : launch.start();
  }

  /**
   * Runs {@code launch} on a thread of its own and returns its result, or a finished result as
   * soon as the JobManager reports the launched job {@code FINISHED}. An exception of {@code
   * launch} is thrown as it was.
   */
  public PipelineResult start(Launch launch) throws IOException {
    return launch(launch, true);
  }

  /**
   * Runs {@code launch}, a job that never finishes (the continuous visit pipeline submitted
   * attached), on a thread of its own and returns its result when it ends. The JobManager is
   * asked only until it lists the job, for {@link #cancel}; there is no end to see sooner.
   */
  public PipelineResult startUnbounded(Launch launch) throws IOException {
    return launch(launch, false);
  }

  private PipelineResult launch(Launch launch, boolean untilFinished) throws IOException {
    Optional<Set<String>> before = jobIds();
    jobId = null;
    launchedAfter = before.orElse(null);
    launching = true;
    try {
      return await(launch, before, untilFinished);
    } finally {
      launching = false;
    }
  }

  private PipelineResult await(Launch launch, Optional<Set<String>> before, boolean untilFinished)
      throws IOException {
    CompletableFuture<PipelineResult> launched = new CompletableFuture<>();
    Thread launcher = new Thread(() -> {
      try {
        launched.complete(launch.start());
      } catch (Throwable e) {
        launched.completeExceptionally(e);
      }
    }, "flink-job-launcher");
    // The launcher may still wait for Flink's answer when this watch has seen the job finish.
    launcher.setDaemon(true);
    launcher.start();
    boolean watching = before.isPresent();
    while (true) {
      try {
        return watching ? launched.get(POLL.toMillis(), TimeUnit.MILLISECONDS) : launched.get();
      } catch (TimeoutException e) {
        Optional<String> state = newJobState(before.orElseThrow());
        if (state.isEmpty() || (!untilFinished && jobId != null)) {
          watching = false;
        } else if (state.get().equals("FINISHED")) {
          LOG.info("Flink job {} FINISHED (seen on the JobManager at {}); not waiting for the"
              + " FlinkRunner's own poll", jobName, jobsOverview.resolve("/"));
          return new Finished();
        }
      } catch (ExecutionException e) {
        throw rethrown(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while Flink job " + jobName + " runs");
      }
    }
  }

  /**
   * Cancels the job of the launch in progress on the JobManager and waits up to {@link
   * #CANCEL_WAIT} for it to end; does nothing when no launch is in progress or its job has ended.
   * For the launcher's shutdown hook: a failure is logged with what to do, never thrown.
   *
   * @return whether a job was asked to cancel
   */
  public boolean cancel() {
    if (!launching) {
      return false;
    }
    String id = jobId;
    if (id == null && launchedAfter != null) {
      newJobState(launchedAfter);
      id = jobId;
    }
    if (id == null) {
      LOG.warn("stopping: the JobManager at {} lists no job {} of this launch yet; if it starts,"
          + " cancel it in the Flink web UI or with PATCH /jobs/ID?mode=cancel", jobsOverview.resolve("/"),
          jobName);
      return false;
    }
    URI job = jobsOverview.resolve("/jobs/" + id);
    try {
      Optional<String> state = jobState(job);
      if (state.isPresent() && ENDED.contains(state.get())) {
        return false;
      }
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(job + "?mode=cancel"))
              .timeout(REQUEST_TIMEOUT).method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        LOG.warn("stopping: the JobManager refused to cancel Flink job {} ({}): HTTP {}; cancel it"
            + " in the Flink web UI", id, jobName, response.statusCode());
        return false;
      }
      long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        state = jobState(job);
        if (state.isPresent() && ENDED.contains(state.get())) {
          LOG.info("stopping: Flink job {} ({}) {} on the JobManager", id, jobName, state.get());
          return true;
        }
        Thread.sleep(POLL.toMillis());
      }
      LOG.warn("stopping: Flink job {} ({}) is cancelling but has not ended after {} s; the"
          + " JobManager ends it", id, jobName, CANCEL_WAIT.toSeconds());
      return true;
    } catch (IOException e) {
      LOG.warn("stopping: cannot cancel Flink job {} ({}) on the JobManager at {} ({}); cancel it in"
          + " the Flink web UI", id, jobName, jobsOverview.resolve("/"), e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The state of the job at {@code job} ({@code GET /jobs/ID}); empty when it cannot be read. */
  private Optional<String> jobState(URI job) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(job).timeout(REQUEST_TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      return Optional.empty();
    }
    return Optional.ofNullable(JSON.readTree(response.body()).path("state").asText(null));
  }

  /** The cause of a failed launch, thrown as what it was. */
  private static IOException rethrown(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new IOException(cause);
  }

  /**
   * The state of the one job named {@link #jobName} that is not among {@code before}: "NONE"
   * while there is none yet, empty when the answer cannot be read or is ambiguous.
   */
  private Optional<String> newJobState(Set<String> before) {
    Optional<JsonNode> jobs = overview();
    if (jobs.isEmpty()) {
      return Optional.empty();
    }
    String state = "NONE";
    String id = null;
    for (JsonNode job : jobs.get()) {
      if (jobName.equals(job.path("name").asText(null)) && !before.contains(job.path("jid").asText())) {
        if (id != null) {
          LOG.info("two new Flink jobs named {}: leaving the outcome to the FlinkRunner", jobName);
          return Optional.empty();
        }
        state = job.path("state").asText("UNKNOWN");
        id = job.path("jid").asText(null);
      }
    }
    if (id != null) {
      jobId = id;
    }
    return Optional.of(state);
  }

  /** The ids of the jobs named {@link #jobName} now; empty when the answer cannot be read. */
  private Optional<Set<String>> jobIds() {
    return overview().map(jobs -> {
      Set<String> ids = new HashSet<>();
      for (JsonNode job : jobs) {
        if (jobName.equals(job.path("name").asText(null))) {
          ids.add(job.path("jid").asText());
        }
      }
      return ids;
    });
  }

  /** The {@code jobs} array of {@code GET /jobs/overview}; empty on any failure (logged once). */
  private Optional<JsonNode> overview() {
    try {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(jobsOverview).timeout(REQUEST_TIMEOUT).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode jobs = response.statusCode() == 200 ? JSON.readTree(response.body()).get("jobs") : null;
      if (jobs == null || !jobs.isArray()) {
        LOG.info("the JobManager at {} answered HTTP {} without a job list: waiting for the"
            + " FlinkRunner's own poll", jobsOverview, response.statusCode());
        return Optional.empty();
      }
      return Optional.of(jobs);
    } catch (IOException e) {
      LOG.info("cannot ask the JobManager at {} for its jobs ({}): waiting for the FlinkRunner's"
          + " own poll", jobsOverview, e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The result of a job the JobManager reported FINISHED. */
  private static final class Finished implements PipelineResult {
    @Override
    public State getState() {
      return State.DONE;
    }

    @Override
    public State cancel() {
      return State.DONE;
    }

    @Override
    public State waitUntilFinish(org.joda.time.Duration duration) {
      return State.DONE;
    }

    @Override
    public State waitUntilFinish() {
      return State.DONE;
    }

    @Override
    public MetricResults metrics() {
      throw new UnsupportedOperationException(
          "a job seen FINISHED on the JobManager has no Beam metrics here");
    }

    @Override
    public String toString() {
      return "Flink job FINISHED";
    }
  }
}
