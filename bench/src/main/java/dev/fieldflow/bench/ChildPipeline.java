package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline JVM started by the harness, its output in a log file, with the environment of a
 * fresh shell pointed at the benchmark database ({@code FIELDFLOW_HOME}) and nothing else of the
 * user's fieldflow configuration.
 */
final class ChildPipeline implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final long startedNanos;

  private ChildPipeline(Process process, Path log, long startedNanos) {
    this.process = process;
    this.log = log;
    this.startedNanos = startedNanos;
  }

  static ChildPipeline start(List<String> command, Path fieldflowHome, Path log) throws IOException {
    return start(command, fieldflowHome, log, Map.of());
  }

  /** As {@link #start(List, Path, Path)}, with {@code extraEnvironment} (AWS credentials) set. */
  static ChildPipeline start(List<String> command, Path fieldflowHome, Path log,
      Map<String, String> extraEnvironment) throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(key -> key.startsWith("FIELDFLOW_"));
    env.put("FIELDFLOW_HOME", fieldflowHome.toString());
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.putAll(extraEnvironment);
    long started = System.nanoTime();
    return new ChildPipeline(builder.start(), log, started);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to end; fails with the end of its log unless it exited with 0. */
  Duration awaitSuccess(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new IllegalStateException("the pipeline did not finish within " + timeout.toSeconds()
          + " s; see " + log);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
    if (process.exitValue() != 0) {
      throw new IllegalStateException("the pipeline exited with " + process.exitValue() + ": "
          + tail(2) + " (log " + log + ")");
    }
    return took;
  }

  /** Waits until the log holds {@code marker}, failing if the process ends first. */
  void awaitLogLine(String marker, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.readString(log, StandardCharsets.UTF_8).contains(marker)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the pipeline stopped at startup: " + tail(5) + " (log " + log + ")");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no '" + marker + "' in " + log + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  /** The last lines of the log that say something: stack frames and their continuations left out. */
  String tail(int lines) throws IOException {
    List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("Caused by"))
        .toList();
    return String.join(" / ", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** SIGTERM (the pipeline's own shutdown), then SIGKILL after 30 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
