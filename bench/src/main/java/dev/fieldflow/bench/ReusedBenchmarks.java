package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Measurements 4 and 5, reused rather than rewritten: the pipelines module's own benchmarks,
 * run with Maven in one invocation. {@code AnalystQuestionsBenchmark} (q1..q5 as the analyst
 * role, through the same code as {@code manage.sh query}) writes a Markdown report;
 * {@code WatchStateBenchmark} (heap per file tracked by the continuous pipeline's discovery)
 * prints a Markdown table, taken from Maven's output.
 */
final class ReusedBenchmarks {
  static final String ANALYST = "analytics/src/test/java/dev/fieldflow/analytics/AnalystQuestionsBenchmark.java";
  static final String WATCH = "pipelines/src/test/java/dev/fieldflow/pipelines/visits/WatchStateBenchmark.java";

  /** What came back; empty parts did not run (the log says why). */
  record Results(Optional<String> analyst, Optional<String> fileTracking, String command) {}

  private ReusedBenchmarks() {}

  static Results run(Path root, int analystVisits, int analystRuns, String trackedFiles, Path analystOut, Path log)
      throws IOException, InterruptedException {
    boolean analyst = Files.isRegularFile(root.resolve(ANALYST));
    boolean watch = Files.isRegularFile(root.resolve(WATCH));
    String tests = (analyst ? "AnalystQuestionsBenchmark" : "")
        + (analyst && watch ? "," : "") + (watch ? "WatchStateBenchmark" : "");
    List<String> command = List.of("mvn", "-B", "-pl", "pipelines,analytics", "-am", "test",
        "-Dtest=" + tests, "-Dsurefire.failIfNoSpecifiedTests=false",
        "-Dfieldflow.bench.visits=" + analystVisits, "-Dfieldflow.bench.runs=" + analystRuns,
        "-Dfieldflow.bench.out=" + analystOut, "-Dfieldflow.bench.files=" + trackedFiles);
    String shown = String.join(" ", command).replace(analystOut.toString(), root.relativize(analystOut).toString());
    if (tests.isEmpty()) {
      return new Results(Optional.empty(), Optional.empty(), shown);
    }
    Files.deleteIfExists(analystOut);
    Files.createDirectories(log.getParent());
    Process mvn = new ProcessBuilder(command).directory(root.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!mvn.waitFor(40, TimeUnit.MINUTES)) {
        return new Results(Optional.empty(), Optional.empty(), shown);
      }
    } finally {
      if (mvn.isAlive()) {
        mvn.descendants().forEach(ProcessHandle::destroy);
        mvn.destroy();
      }
    }
    Optional<String> analystText = Files.isRegularFile(analystOut)
        ? Optional.of(Files.readString(analystOut, StandardCharsets.UTF_8)) : Optional.empty();
    return new Results(analystText, watchTable(Files.readAllLines(log, StandardCharsets.UTF_8)), shown);
  }

  /** The table WatchStateBenchmark prints, and its line saying the JVM it ran in. */
  static Optional<String> watchTable(List<String> output) {
    int header = -1;
    for (int i = 0; i < output.size(); i++) {
      if (output.get(i).startsWith("| tracked files")) {
        header = i;
      }
    }
    if (header < 0) {
      return Optional.empty();
    }
    List<String> table = output.subList(header, output.size()).stream()
        .takeWhile(line -> line.startsWith("|")).collect(Collectors.toList());
    String jvm = output.subList(header, output.size()).stream().filter(line -> line.startsWith("Java "))
        .findFirst().orElse("");
    return Optional.of(String.join("\n", table) + (jvm.isEmpty() ? "" : "\n\n" + jvm));
  }
}
