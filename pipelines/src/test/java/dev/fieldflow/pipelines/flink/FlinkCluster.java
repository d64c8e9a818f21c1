package dev.fieldflow.pipelines.flink;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Flink session cluster for a test, started and stopped the way an operator does it:
 * {@code ./manage.sh cluster start|stop} with its own {@code FIELDFLOW_HOME} and free ports, so
 * it never meets a developer's cluster on 8081.
 */
final class FlinkCluster {
  static final Path SCRIPT = Path.of("..", "manage.sh").toAbsolutePath().normalize();

  private final Path home;
  private int restPort;
  private int rpcPort;

  FlinkCluster(Path home) throws IOException {
    this.home = home;
    this.restPort = freePort();
    this.rpcPort = freePort();
  }

  /** The job jar the flink-runner profile built; failsafe names it. */
  static Path jobJar() {
    Path jar = Path.of(System.getProperty("fieldflow.flink.jar", "target/fieldflow-flink-bundled.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with mvn -Pflink-runner -pl pipelines -am package");
    }
    return jar.toAbsolutePath();
  }

  String master() {
    return "127.0.0.1:" + restPort;
  }

  Path logDirectory() {
    return home.resolve("flink").resolve("log");
  }

  /**
   * {@code manage.sh cluster start --taskmanagers=N} with the default memory profile: the test
   * runs four jobs on one TaskManager, and each job's classes take their own metaspace (the
   * t3micro profile's 96m holds about two; see docs/FLINK.md).
   */
  String start(int taskManagers) throws IOException, InterruptedException {
    try {
      return startOn(taskManagers);
    } catch (AssertionError failed) {
      // A port found free is free only until someone else takes it: another process may bind it
      // before the JobManager does. That race, and only it, gets a second start on other ports.
      String logs = jobManagerLogs();
      if (!(logs.contains("Address already in use") || logs.contains("BindException")
          || logs.contains("Could not start rest endpoint on any port"))) {
        throw new AssertionError(failed.getMessage() + "\n--- the JobManager's logs:\n" + logs, failed);
      }
      manage("cluster", "stop");
      restPort = freePort();
      rpcPort = freePort();
      return startOn(taskManagers);
    }
  }

  private String startOn(int taskManagers) throws IOException, InterruptedException {
    return manage("cluster", "start", "--taskmanagers=" + taskManagers, "--port=" + restPort,
        "--rpc-port=" + rpcPort, "--memory=default");
  }

  /** The last lines of the JobManager's log and stdout, or "" when it wrote none. */
  private String jobManagerLogs() throws IOException {
    StringBuilder tail = new StringBuilder();
    if (!Files.isDirectory(logDirectory())) {
      return "";
    }
    try (Stream<Path> files = Files.list(logDirectory())) {
      for (Path file : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("jobmanager"))::iterator) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        tail.append("== ").append(file.getFileName()).append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))).append('\n');
      }
    }
    return tail.toString();
  }

  String stop() throws IOException, InterruptedException {
    return manage("cluster", "stop");
  }

  /** The pids in the cluster's pid files: the JobManager's and every TaskManager's. */
  List<Long> pids() throws IOException {
    Path run = home.resolve("flink").resolve("run");
    List<Long> pids = new ArrayList<>();
    if (!Files.isDirectory(run)) {
      return pids;
    }
    try (Stream<Path> files = Files.list(run)) {
      for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".pid"))::iterator) {
        pids.add(Long.parseLong(Files.readString(file).strip()));
      }
    }
    return pids;
  }

  long taskManagerPid(int number) throws IOException {
    return Long.parseLong(Files.readString(
        home.resolve("flink").resolve("run").resolve("taskmanager-" + number + ".pid")).strip());
  }

  /** A GET on the cluster's REST API, for example {@code /overview}. */
  String rest(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + master() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  private static final java.util.regex.Pattern JOB = java.util.regex.Pattern.compile(
      "\"jid\":\"([0-9a-f]{32})\"[^}]*?\"start-time\":(\\d+)[^}]*?\"state\":\"([A-Z]+)\"");

  /**
   * The id of the job that started last among those in {@code state}. The cluster keeps the jobs
   * of earlier tests, and its overview lists them in no particular order.
   */
  String awaitJob(String state, long timeoutMillis) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    String overview = "";
    while (System.currentTimeMillis() < deadline) {
      overview = rest("/jobs/overview");
      java.util.regex.Matcher m = JOB.matcher(overview);
      String latest = null;
      long latestStart = Long.MIN_VALUE;
      while (m.find()) {
        long start = Long.parseLong(m.group(2));
        if (m.group(3).equals(state) && start > latestStart) {
          latest = m.group(1);
          latestStart = start;
        }
      }
      if (latest != null) {
        return latest;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no job " + state + " within " + timeoutMillis + " ms: " + overview);
  }

  /** Cancels a job ({@code PATCH /jobs/ID?mode=cancel}), as the web UI's cancel button does. */
  void cancel(String jobId) throws IOException, InterruptedException {
    HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://" + master() + "/jobs/" + jobId + "?mode=cancel"))
            .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Every line of the cluster's logs, to look for what must never be there. */
  String logs() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(logDirectory())) {
      for (Path file : (Iterable<Path>) files::iterator) {
        all.append(Files.readString(file, StandardCharsets.UTF_8));
      }
    }
    return all.toString();
  }

  private String manage(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("FIELDFLOW_HOME", home.toString());
    Path out = Files.createTempFile(home, "manage-", ".out");
    builder.redirectOutput(out.toFile());
    Process process = builder.start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("manage.sh " + String.join(" ", args) + " did not finish in 180 s: "
          + Files.readString(out));
    }
    String output = Files.readString(out);
    if (process.exitValue() != 0) {
      throw new AssertionError("manage.sh " + String.join(" ", args) + " failed: " + output);
    }
    return output;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
