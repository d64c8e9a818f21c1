package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How one runner runs the visit pipeline: the runnable jar, the JVM options (the heap settings
 * the report states) and the Beam options of its {@code runner-profiles/NAME.args}, exactly as
 * {@code manage.sh visit --runner=NAME} passes them. A runner whose jar or profile is missing is
 * reported as not measured, with the reason.
 */
record PipelineRunner(
    String name, String label, Path jar, List<String> javaOptions, List<String> beamOptions,
    Optional<String> unavailable) {

  /** manage.sh's default for a pipeline JVM ({@code PIPELINE_JAVA_OPTS}). */
  static final List<String> PIPELINE_JAVA_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC");

  static final String DIRECT = "fieldflow DirectRunner";

  /** The runners, running the jars copied into {@code jars} from {@code pipelines/target}. */
  static PipelineRunner direct(Path root, Path jars) {
    return of(root, "direct", DIRECT, jars.resolve("fieldflow-bundled.jar"));
  }

  static PipelineRunner flinkEmbedded(Path root, Path jars) {
    return of(root, "flink-local", "fieldflow FlinkRunner embedded", jars.resolve("fieldflow-flink-bundled.jar"));
  }

  static PipelineRunner flinkCluster(Path root, Path jars) {
    return of(root, "flink-cluster", "fieldflow FlinkRunner local cluster", jars.resolve("fieldflow-flink-bundled.jar"));
  }

  private static PipelineRunner of(Path root, String name, String label, Path jar) {
    Path profile = root.resolve("runner-profiles/" + name + ".args");
    Optional<String> unavailable = Optional.empty();
    List<String> beam = List.of();
    if (!Files.isRegularFile(profile)) {
      unavailable = Optional.of("no runner profile " + root.relativize(profile) + " yet");
    } else if (!Files.isRegularFile(jar)) {
      unavailable = Optional.of("no pipelines/target/" + jar.getFileName() + " (build it first)");
    } else if (name.startsWith("flink") && !contains(jar, "org/apache/beam/runners/flink/FlinkRunner.class")) {
      unavailable = Optional.of("pipelines/target/" + jar.getFileName() + " holds no FlinkRunner (build it with mvn -Pflink-runner)");
    } else {
      try {
        beam = Files.readAllLines(profile, StandardCharsets.UTF_8).stream()
            .map(String::strip)
            .filter(line -> !line.isEmpty() && !line.startsWith("#"))
            .toList();
      } catch (IOException e) {
        unavailable = Optional.of("cannot read " + profile + ": " + e.getMessage());
      }
    }
    List<String> java = new ArrayList<>(PIPELINE_JAVA_OPTIONS);
    if (name.startsWith("flink") && unavailable.isEmpty()) {
      // As manage.sh's ensure_built_for: Flink's Java 17 flags and a quiet Flink client log.
      Path opens = root.resolve("runner-profiles/flink-cluster/conf/java17.opts");
      try {
        Files.readAllLines(opens, StandardCharsets.UTF_8).stream().map(String::strip)
            .filter(line -> !line.isEmpty() && !line.startsWith("#")).forEach(java::add);
      } catch (IOException e) {
        unavailable = Optional.of("cannot read " + root.relativize(opens) + ": " + e.getMessage());
      }
      java.add("-Dorg.slf4j.simpleLogger.log.org.apache.flink=warn");
      java.add("-Dorg.slf4j.simpleLogger.log.org.apache.beam.runners.flink=warn");
    }
    return new PipelineRunner(name, label, jar, List.copyOf(java), beam, unavailable);
  }

  private static boolean contains(Path jar, String entry) {
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
      return zip.getEntry(entry) != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** This runner with one Beam option replaced (a profile's line for the same option dropped). */
  PipelineRunner withBeamOption(String option) {
    String name = option.substring(0, option.indexOf('=') + 1);
    List<String> beam = new ArrayList<>(beamOptions.stream().filter(o -> !o.startsWith(name)).toList());
    beam.add(option);
    return new PipelineRunner(this.name, label, jar, javaOptions, List.copyOf(beam), unavailable);
  }

  /** The child's command line: {@code java OPTIONS -jar JAR visit ARGS PROFILE}. */
  List<String> command(List<String> visitArguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.add("visit");
    command.addAll(visitArguments);
    command.addAll(beamOptions);
    return command;
  }

  /** The JVM options as the report shows them: the heap settings, Flink's long flag list elided. */
  String javaOptionsText() {
    return javaOptions.stream().filter(o -> !o.startsWith("--add-")).reduce((a, b) -> a + " " + b).orElse("")
        + (javaOptions.stream().anyMatch(o -> o.startsWith("--add-")) ? " + Flink's java17.opts" : "");
  }
}
