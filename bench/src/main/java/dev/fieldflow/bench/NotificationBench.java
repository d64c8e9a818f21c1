package dev.fieldflow.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fieldflow.ingest.notifications.S3EventMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Issue 11's measures, polling and S3 event notifications side by side, on S3Proxy and
 * ElasticMQ ({@code ./manage.sh local-aws}, under the run's work directory): upload (or, with
 * notifications, the notification's send) → rows committed as the harness sees them; S3
 * requests per ingested file, counted by a pass-through proxy between the pipeline and S3Proxy
 * (the harness's own uploads bypass it); the pipeline's live heap (after a full GC) once 1,000 and
 * 10,000 (100,000 with {@code --notification-files}) files came through notifications.
 */
final class NotificationBench {
  /** One latency run: a mode, the seconds per file, S3 requests by kind during the run. */
  record LatencyRun(String mode, List<Double> observedSeconds, Map<String, Long> requests, int files) {
    double perFile(String kind) {
      return requests.getOrDefault(kind, 0L) / (double) files;
    }
  }

  /** Live heap (after a full GC), once {@code files} files were ingested through notifications. */
  record HeapPoint(int files, long heapBytes, double seconds) {}

  final List<LatencyRun> latencyRuns = new ArrayList<>();
  final List<HeapPoint> heap = new ArrayList<>();
  String notMeasured;

  private final BenchDatabase db;
  private final Path work;
  private final Path root;
  private final int latencyFiles;
  private final Duration spacing;
  private final List<Integer> heapSteps;
  private Map<String, String> aws;
  private S3Client s3;
  private SqsClient sqs;
  private RequestCounter counter;

  NotificationBench(BenchDatabase db, Path root, Path work, int latencyFiles, Duration spacing,
      List<Integer> heapSteps) {
    this.db = db;
    this.root = root;
    this.work = work;
    this.latencyFiles = latencyFiles;
    this.spacing = spacing;
    this.heapSteps = heapSteps;
  }

  int latencyFiles() {
    return latencyFiles;
  }

  Duration spacing() {
    return spacing;
  }

  /**
   * Runs every measure with {@code runner} (the DirectRunner), and the notifications' latency
   * also with {@code flink} when it is usable; a failure is recorded, not thrown.
   */
  void run(PipelineRunner runner, PipelineRunner flink) {
    Path awsHome = work.resolve("aws-home");
    try {
      startServers(awsHome);
      Map<String, PipelineRunner> modes = new LinkedHashMap<>();
      modes.put("polling (1 s), " + runner.label(), runner);
      modes.put("notifications, " + runner.label(), runner);
      if (flink.unavailable().isEmpty()) {
        modes.put("notifications, " + flink.label(), flink);
      } else {
        notMeasured = "notifications on " + flink.label() + ": " + flink.unavailable().get();
      }
      for (Map.Entry<String, PipelineRunner> m : modes.entrySet()) {
        String mode = m.getKey();
        Bench.say("notifications bench: latency, " + mode + ", " + latencyFiles + " files one every "
            + spacing.toMillis() + " ms");
        LatencyRun r = latency(m.getValue(), mode);
        latencyRuns.add(r);
        Bench.say(String.format(Locale.ROOT, "notifications bench: %s p50 %.2f s, p95 %.2f s; per file %.2f LIST,"
                + " %.2f HEAD, %.2f GET", mode, Stats.percentile(r.observedSeconds(), 50),
            Stats.percentile(r.observedSeconds(), 95), r.perFile("LIST"), r.perFile("HEAD"), r.perFile("GET")));
      }
      if (!heapSteps.isEmpty()) {
        heapAtScale(runner);
      }
    } catch (Exception e) {
      notMeasured = (notMeasured == null ? "" : notMeasured + "; ") + e.getMessage();
      Bench.say("notifications bench failed: " + e.getMessage());
    } finally {
      if (s3 != null) {
        s3.close();
        sqs.close();
      }
      if (counter != null) {
        counter.close();
      }
      try {
        manage(awsHome, "local-aws", "stop");
      } catch (IOException | InterruptedException e) {
        Bench.say("local-aws stop: " + e.getMessage());
      }
    }
  }

  private void startServers(Path awsHome) throws IOException, InterruptedException {
    if (!manage(awsHome, "local-aws", "start")) {
      throw new IllegalStateException("./manage.sh local-aws start failed; see "
          + work.resolve("logs/manage-local-aws.log"));
    }
    aws = new LinkedHashMap<>();
    for (String line : Files.readAllLines(awsHome.resolve("local-aws.env"))) {
      int eq = line.indexOf('=');
      if (!line.startsWith("#") && eq > 0) {
        aws.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
        AwsBasicCredentials.create(aws.get("AWS_ACCESS_KEY_ID"), aws.get("AWS_SECRET_ACCESS_KEY")));
    URI queue = URI.create(aws.get("FIELDFLOW_SQS_QUEUE_URL"));
    s3 = S3Client.builder().endpointOverride(URI.create(aws.get("FIELDFLOW_S3_ENDPOINT")))
        .forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(credentials)
        .httpClientBuilder(ApacheHttpClient.builder()).build();
    sqs = SqsClient.builder().endpointOverride(URI.create(queue.getScheme() + "://" + queue.getRawAuthority()))
        .region(Region.US_EAST_1).credentialsProvider(credentials)
        .httpClientBuilder(ApacheHttpClient.builder()).build();
    counter = new RequestCounter(URI.create(aws.get("FIELDFLOW_S3_ENDPOINT")));
  }

  private boolean manage(Path home, String... arguments) throws IOException, InterruptedException {
    Path log = work.resolve("logs/manage-" + String.join("-", arguments) + ".log");
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>(List.of(root.resolve("manage.sh").toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("FIELDFLOW_HOME", home.toString());
    Process process = builder.start();
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroy();
      return false;
    }
    return process.exitValue() == 0;
  }

  private ChildPipeline startPipeline(PipelineRunner runner, String bucket, boolean notified, int pollSeconds,
      String name) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("--visitsInput=s3://" + bucket + "/visits/",
        "--pollIntervalSeconds=" + pollSeconds, "--endpoint=" + counter.endpoint(), "--s3PathStyle=true"));
    if (notified) {
      args.add("--notifications=" + aws.get("FIELDFLOW_SQS_QUEUE_URL"));
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String key : List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION")) {
      env.put(key, aws.get(key));
    }
    ChildPipeline child = ChildPipeline.start(runner.command(args), db.home(), work.resolve("logs/" + name + ".log"), env);
    child.awaitLogLine("ingesting visits from", Duration.ofMinutes(3));
    return child;
  }

  private String newBucket(String name) {
    String bucket = "bench-" + name + "-" + System.currentTimeMillis();
    s3.createBucket(b -> b.bucket(bucket));
    return bucket;
  }

  private static byte[] visitFile(long firstTask, int lines) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      long task = firstTask + i;
      b.append("{\"task_id\":").append(task).append(",\"node_id\":").append(1 + task % 97)
          .append(",\"visit_id\":1,\"visit_date\":\"2020-01-02\",\"original_reported_date\":\"2020-01-01\","
              + "\"node_age\":3,\"node_type\":1,\"task_type\":2,\"engineer_skill_level\":4,"
              + "\"engineer_note\":\"1 2 3\",\"outcome\":\"SUCCESS\"}\n");
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void upload(String bucket, String key, byte[] content) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
  }

  private String notification(String bucket, String key, long size, long sequencer) {
    return S3EventMessage.objectCreated(bucket, key, size, "", String.format(Locale.ROOT, "%016X", sequencer));
  }

  private LatencyRun latency(PipelineRunner runner, String mode) throws Exception {
    boolean notified = mode.startsWith("notifications");
    db.settle();
    String bucket = newBucket(notified ? "notified" : "polled");
    String queue = aws.get("FIELDFLOW_SQS_QUEUE_URL");
    Map<String, Long> sent = new LinkedHashMap<>();
    Map<String, Long> observed = new LinkedHashMap<>();
    try (ChildPipeline child = startPipeline(runner, bucket, notified, 1, "notifications-latency-" + (notified ? "notified-" : "polled-") + runner.name());
        Connection c = db.adminConnection();
        PreparedStatement done = c.prepareStatement(
            "SELECT path FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND status = 'done'")) {
      // A first file, waited for: the runner is then really running (its start takes seconds on a
      // busy machine) and the start's own listing is over; counting and timing begin after it.
      byte[] warmup = visitFile(900_000L, 10);
      upload(bucket, "visits/warmup.jsonl", warmup);
      if (notified) {
        String body = notification(bucket, "visits/warmup.jsonl", warmup.length, 999_999);
        sqs.sendMessage(b -> b.queueUrl(queue).messageBody(body));
      }
      long warmupDeadline = System.currentTimeMillis() + 180_000;
      while (!observed.containsKey("s3://" + bucket + "/visits/warmup.jsonl")) {
        if (!child.isAlive() || System.currentTimeMillis() > warmupDeadline) {
          throw new IllegalStateException(mode + ": the warm-up file was not ingested within 3 minutes");
        }
        poll(done, observed);
        Thread.sleep(20);
      }
      observed.clear();
      counter.reset();
      long next = System.currentTimeMillis();
      for (int i = 0; i < latencyFiles; i++) {
        while (System.currentTimeMillis() < next) {
          poll(done, observed);
          Thread.sleep(Math.min(20, Math.max(1, next - System.currentTimeMillis())));
        }
        String key = String.format(Locale.ROOT, "visits/latency-%04d.jsonl", i);
        byte[] content = visitFile(1_000_000L + i * 1_000L, 100);
        upload(bucket, key, content);
        if (notified) {
          String body = notification(bucket, key, content.length, i);
          sqs.sendMessage(b -> b.queueUrl(queue).messageBody(body));
        }
        sent.put("s3://" + bucket + "/" + key, System.currentTimeMillis());
        next += spacing.toMillis();
      }
      long deadline = System.currentTimeMillis() + 120_000;
      while (!observed.keySet().containsAll(sent.keySet()) && System.currentTimeMillis() < deadline) {
        if (!child.isAlive()) {
          throw new IllegalStateException("the pipeline ended: " + child.tail(5));
        }
        poll(done, observed);
        Thread.sleep(20);
      }
      if (!observed.keySet().containsAll(sent.keySet())) {
        throw new IllegalStateException(mode + ": only " + sent.keySet().stream().filter(observed::containsKey).count()
            + " of " + sent.size()
            + " files committed within 2 minutes");
      }
      Map<String, Long> requests = counter.counts();
      List<Double> seconds = new ArrayList<>();
      sent.forEach((path, at) -> seconds.add((observed.get(path) - at) / 1000.0));
      return new LatencyRun(mode, seconds, requests, sent.size());
    }
  }

  private static void poll(PreparedStatement done, Map<String, Long> observed) throws SQLException {
    long now = System.currentTimeMillis();
    try (ResultSet rs = done.executeQuery()) {
      while (rs.next()) {
        observed.putIfAbsent(rs.getString(1), now);
      }
    }
  }

  private void heapAtScale(PipelineRunner runner) throws Exception {
    db.settle();
    String bucket = newBucket("scale");
    String queue = aws.get("FIELDFLOW_SQS_QUEUE_URL");
    try (ChildPipeline child = startPipeline(runner, bucket, true, 5, "notifications-heap")) {
      long started = System.nanoTime();
      int uploaded = 0;
      for (int step : heapSteps) {
        Bench.say("notifications bench: uploading and announcing files " + (uploaded + 1) + ".." + step);
        List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
        for (; uploaded < step; uploaded++) {
          String key = String.format(Locale.ROOT, "visits/scale-%06d.jsonl", uploaded);
          byte[] content = visitFile(10_000_000L + uploaded * 10L, 5);
          upload(bucket, key, content);
          batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(batch.size()))
              .messageBody(notification(bucket, key, content.length, uploaded)).build());
          if (batch.size() == 10) {
            List<SendMessageBatchRequestEntry> entries = List.copyOf(batch);
            sqs.sendMessageBatch(b -> b.queueUrl(queue).entries(entries));
            batch.clear();
          }
        }
        if (!batch.isEmpty()) {
          List<SendMessageBatchRequestEntry> entries = List.copyOf(batch);
          sqs.sendMessageBatch(b -> b.queueUrl(queue).entries(entries));
        }
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(10).toMillis() + step * 200L;
        while (db.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'") < step) {
          if (!child.isAlive() || System.currentTimeMillis() > deadline) {
            throw new IllegalStateException("heap at scale: " + db.count(
                "SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'") + " of " + step
                + " files done; see the log " + work.resolve("logs/notifications-heap.log"));
          }
          Thread.sleep(500);
        }
        long heapBytes = liveHeap(child.pid(), work.resolve("logs/notifications-heap-" + step + ".histogram.txt"));
        double seconds = (System.nanoTime() - started) / 1e9;
        heap.add(new HeapPoint(step, heapBytes, seconds));
        Bench.say(String.format(Locale.ROOT, "notifications bench: %,d files done after %.0f s; live heap %.1f MB",
            step, seconds, heapBytes / 1e6));
      }
    }
  }

  private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

  /**
   * The bytes of the objects alive in JVM {@code pid}: {@code jcmd GC.class_histogram} collects
   * the whole heap first, then counts what survived; its table, saved to {@code histogram}, says
   * what holds them. (GC.heap_info after GC.run also counts what the busy pipeline allocated
   * between the two commands: up to 9 MB more than this, measured.)
   */
  static long liveHeap(long pid, Path histogram) throws IOException, InterruptedException {
    String table = jcmd(pid, "GC.class_histogram");
    Files.writeString(histogram, table);
    Matcher m = TOTAL.matcher(table);
    if (!m.find()) {
      throw new IllegalStateException("no Total line in jcmd GC.class_histogram: " + table.lines().limit(5).toList());
    }
    return Long.parseLong(m.group(1));
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  /** Where the heap part of a rendered section begins (this version's words and the earlier ones). */
  private static final Pattern HEAP_PART = Pattern.compile("\n(Live heap|Heap) of the pipeline JVM");

  /** The heap part of a rendered section (its paragraph and table, to the end), or empty. */
  static java.util.Optional<String> heapPart(String section) {
    Matcher m = HEAP_PART.matcher(section);
    return m.find() ? java.util.Optional.of(section.substring(m.start()).stripTrailing() + "\n\n")
        : java.util.Optional.empty();
  }

  /** Whether this run measured heap points. */
  boolean measuredHeap() {
    return !heap.isEmpty();
  }

  /** The heading of this section in BENCHMARKS.md. */
  static final String HEADING = "## Polling vs S3 event notifications (issue 11)";

  /** The markdown section of BENCHMARKS.md. */
  void section(StringBuilder md) {
    md.append(HEADING).append("\n\n");
    if (latencyRuns.isEmpty() && heap.isEmpty()) {
      md.append("Not measured in this run").append(notMeasured == null ? "" : ": " + notMeasured).append(".\n\n");
      return;
    }
    md.append("S3Proxy 4.1.0 and ElasticMQ 1.7.1 as local processes (`./manage.sh local-aws`). ")
        .append(latencyFiles).append(" files of 100 visits, one every ").append(spacing.toMillis())
        .append(" ms; for notifications the clock starts when the harness has sent the notification (right after")
        .append(" the upload), for polling at the upload; it stops when the harness, polling the ledger every 20 ms,")
        .append(" sees the file `done`. Timing and counting start once a first (warm-up) file is in: the runner is")
        .append(" running and the start's own listing is over. S3 requests are the pipeline's, counted by a")
        .append(" pass-through proxy in front of S3Proxy, divided by the files.\n\n")
        .append("| mode | p50 | p95 | max | LIST / file | HEAD / file | GET / file |\n|---|---|---|---|---|---|---|\n");
    for (LatencyRun r : latencyRuns) {
      md.append(String.format(Locale.ROOT, "| %s | %.2f s | %.2f s | %.2f s | %.2f | %.2f | %.2f |%n", r.mode(),
          Stats.percentile(r.observedSeconds(), 50), Stats.percentile(r.observedSeconds(), 95),
          Stats.percentile(r.observedSeconds(), 100), r.perFile("LIST"), r.perFile("HEAD"), r.perFile("GET")));
    }
    if (!heap.isEmpty()) {
      md.append("\nLive heap of the pipeline JVM (`-Xmx512m`, DirectRunner): the bytes of the objects alive")
          .append(" after a full GC, the Total of `jcmd GC.class_histogram` (each point's table is saved as")
          .append(" `bench/target/run/logs/notifications-heap-FILES.histogram.txt`). Files of 5 visits are uploaded")
          .append(" and announced in batches; the pipeline keeps running between the points. Goal: flat, within 10 %")
          .append(" of the first point.\n\n")
          .append("| files ingested through notifications | live heap | against the first point | elapsed |\n")
          .append("|---|---|---|---|\n");
      for (HeapPoint h : heap) {
        md.append(String.format(Locale.ROOT, "| %,d | %.1f MB | %+.0f %% | %.0f s |%n", h.files(), h.heapBytes() / 1e6,
            100.0 * (h.heapBytes() - heap.get(0).heapBytes()) / heap.get(0).heapBytes(), h.seconds()));
      }
    }
    if (notMeasured != null) {
      md.append("\nNot measured: ").append(notMeasured).append('\n');
    }
    md.append('\n');
  }

  /**
   * A pass-through HTTP proxy to S3Proxy that counts the pipeline's requests: LIST (a GET of a
   * bucket), HEAD, GET (of an object), other. The Host header is passed as sent, so AWS
   * signatures stay valid.
   */
  static final class RequestCounter implements AutoCloseable {
    private static final Set<String> HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
        "transfer-encoding");
    private final HttpServer server;
    private final java.util.concurrent.ExecutorService threads = Executors.newFixedThreadPool(8);
    private final HttpClient client;
    private final URI target;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    RequestCounter(URI target) throws IOException {
      System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
      this.target = target;
      this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", this::handle);
      server.setExecutor(threads);
      server.start();
    }

    URI endpoint() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void reset() {
      counts.clear();
    }

    Map<String, Long> counts() {
      Map<String, Long> copy = new LinkedHashMap<>();
      counts.forEach((k, v) -> copy.put(k, v.get()));
      return copy;
    }

    private static String kind(String method, URI uri) {
      String path = uri.getRawPath();
      boolean bucketOnly = path.indexOf('/', 1) < 0 || path.indexOf('/', 1) == path.length() - 1;
      return switch (method) {
        case "HEAD" -> "HEAD";
        case "GET" -> bucketOnly ? "LIST" : "GET";
        default -> method;
      };
    }

    private void handle(HttpExchange exchange) throws IOException {
      counts.computeIfAbsent(kind(exchange.getRequestMethod(), exchange.getRequestURI()), k -> new AtomicLong())
          .incrementAndGet();
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
          .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      exchange.getRequestHeaders().forEach((name, values) -> {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("host") || !HOP.contains(lower)) {
          values.forEach(v -> request.header(name, v));
        }
      });
      try {
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        response.headers().map().forEach((name, values) -> {
          if (!HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
            exchange.getResponseHeaders().put(name, values);
          }
        });
        byte[] answer = response.body();
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (head) {
          response.headers().firstValue("content-length")
              .ifPresent(v -> exchange.getResponseHeaders().set("Content-Length", v));
        }
        exchange.sendResponseHeaders(response.statusCode(), head || answer.length == 0 ? -1 : answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
          if (!head) {
            out.write(answer);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exchange.close();
      }
    }

    @Override
    public void close() {
      server.stop(0);
      threads.shutdownNow(); // its threads would keep the harness's JVM alive
    }
  }
}
