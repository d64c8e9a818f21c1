package dev.fieldflow.pipelines.flink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * manage.sh's class-data sharing archive ({@code ensure_class_archive}, {@code
 * class_archive_opts}), on a copy of the Flink jar that package made: the training writes an
 * archive beside the jar that a JVM running that jar maps (with {@code -Xshare:on} a JVM that
 * cannot map its archive refuses to start); runs are given the archive only while it is newer
 * than the jar; {@code FIELDFLOW_CLASS_ARCHIVE=off} makes none and gives none.
 */
class ClassArchiveIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path FLINK_JAR = ROOT.resolve("pipelines/target/fieldflow-flink-bundled.jar");

  @TempDir Path dir;

  @Test
  void theTrainingWritesAnArchiveThatTheJarsJvmsMap() throws Exception {
    Path jar = Files.copy(FLINK_JAR, dir.resolve("fieldflow-flink-bundled.jar"));
    Path archive = dir.resolve("fieldflow-flink-bundled.jsa");

    Outcome trained = manageFunctions(Map.of(), "ensure_class_archive \"$JAR\" flink-local", jar);

    assertThat(trained.output(), trained.exit(), equalTo(0));
    assertThat(trained.output(), Files.size(archive) > 0, is(true));
    String options = manageFunctions(Map.of(), "class_archive_opts \"$JAR\"", jar).output();
    assertThat(options, equalTo("-XX:SharedArchiveFile=" + archive + "\n-Xlog:cds=off\n-Xlog:cds+dynamic=off\n"));
    // Mapped, or the JVM would not start: the jar answers with its list of commands (exit 2).
    Outcome mapped = java(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-jar", jar.toString()));
    assertThat(mapped.output(), mapped.exit(), equalTo(2));
    assertThat(mapped.output(), containsString("commands:"));

    // A jar rebuilt after its archive: no archive for its runs until the next training.
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(archive).toMillis() + 2_000));
    assertThat(manageFunctions(Map.of(), "class_archive_opts \"$JAR\"", jar).output(), equalTo(""));
  }

  @Test
  void offMakesNoArchiveAndGivesNone() throws Exception {
    Path jar = Files.copy(FLINK_JAR, dir.resolve("fieldflow-flink-bundled.jar"));
    Map<String, String> off = Map.of("FIELDFLOW_CLASS_ARCHIVE", "off");

    Outcome o = manageFunctions(off, "ensure_class_archive \"$JAR\" flink-local; class_archive_opts \"$JAR\"", jar);

    assertThat(o.output(), o.exit(), equalTo(0));
    assertThat(o.output(), equalTo(""));
    assertThat(Files.exists(dir.resolve("fieldflow-flink-bundled.jsa")), is(false));
  }

  record Outcome(int exit, String output) {}

  /**
   * {@code call} with manage.sh's class-archive functions (and those they use) defined, JAR set
   * to {@code jar}, and the Java options manage.sh gives a Flink run.
   */
  private static Outcome manageFunctions(Map<String, String> env, String call, Path jar)
      throws IOException, InterruptedException {
    Path script = ROOT.resolve("manage.sh");
    String functions = "eval \"$(sed -n '/^say() /p;/^die() /p;/^require_java() {/,/^}/p;"
        + "/^check_runner() {/,/^}/p;/^runner_args() {/,/^}/p;/^class_archive() /p;"
        + "/^class_archive_opts() {/,/^}/p;"
        + "/^ensure_class_archive() {/,/^}/p;/^BOUNDED_JAVA_OPTS=/p' \"$0\")\"; ";
    ProcessBuilder pb = new ProcessBuilder("bash", "-c",
        "set -euo pipefail; " + functions + "ROOT=$1; JAR=$2; " + call, script.toString(),
        ROOT.toString(), jar.toString()).redirectErrorStream(true);
    pb.environment().put("PIPELINE_JAVA_OPTS", "-Xmx512m -XX:+UseSerialGC " + flinkJavaOptions());
    pb.environment().remove("FIELDFLOW_CLASS_ARCHIVE");
    pb.environment().putAll(env);
    return finish(pb.start(), "manage.sh's " + call);
  }

  private static Outcome java(List<String> arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:+UseSerialGC"));
    command.addAll(List.of(flinkJavaOptions().split(" ")));
    command.addAll(arguments);
    return finish(new ProcessBuilder(command).redirectErrorStream(true).start(), "java");
  }

  /** Flink's Java 17 flags, as manage.sh and the bench read them. */
  private static String flinkJavaOptions() throws IOException {
    return Files.readAllLines(ROOT.resolve("runner-profiles/flink-cluster/conf/java17.opts"),
            StandardCharsets.UTF_8).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .collect(Collectors.joining(" "));
  }

  private static Outcome finish(Process p, String what) throws IOException, InterruptedException {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(what + " did not finish in 3 minutes");
    }
    return new Outcome(p.exitValue(), out);
  }
}
