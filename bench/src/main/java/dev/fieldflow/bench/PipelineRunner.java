package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

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

  /** What manage.sh adds for a bounded run, {@code visit --once} ({@code BOUNDED_JAVA_OPTS}). */
  static final List<String> BOUNDED_RUN_JAVA_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

  static final String DIRECT = "fieldflow DirectRunner";
  static final String FLINK_EMBEDDED_P1 = "fieldflow FlinkRunner embedded, parallelism 1";
  static final String FLINK_EMBEDDED = "fieldflow FlinkRunner embedded, parallelism 2";
  static final String FLINK_CLUSTER = "fieldflow FlinkRunner local cluster";

  /** The names {@code --runners=} accepts, in the order the bench runs them. */
  static final List<String> NAMES = List.of("direct", "flink-local-p1", "flink-local", "flink-cluster");

  /** The runner of one of {@link #NAMES}. */
  static PipelineRunner named(String name, Path root, Path jars) {
    return switch (name) {
      case "direct" -> direct(root, jars);
      case "flink-local-p1" -> flinkEmbeddedParallelism1(root, jars);
      case "flink-local" -> flinkEmbedded(root, jars);
      case "flink-cluster" -> flinkCluster(root, jars);
      default -> throw new IllegalArgumentException("no runner '" + name + "'; use one of " + String.join(", ", NAMES));
    };
  }

  /** The runners, running the jars copied into {@code jars} from {@code pipelines/target}. */
  static PipelineRunner direct(Path root, Path jars) {
    return of(root, "direct", DIRECT, jars.resolve("fieldflow-bundled.jar"));
  }

  /** The flink-local profile as it is: parallelism 2. */
  static PipelineRunner flinkEmbedded(Path root, Path jars) {
    return of(root, "flink-local", FLINK_EMBEDDED, jars.resolve("fieldflow-flink-bundled.jar"))
        .withBeamOption("--parallelism=2");
  }

  /** The flink-local profile at parallelism 1: the base of the scaling from 1 to 2. */
  static PipelineRunner flinkEmbeddedParallelism1(Path root, Path jars) {
    return of(root, "flink-local", FLINK_EMBEDDED_P1, jars.resolve("fieldflow-flink-bundled.jar"))
        .withBeamOption("--parallelism=1").renamed("flink-local-p1", FLINK_EMBEDDED_P1);
  }

  /** The flink-cluster profile (parallelism 2), on the bench's own cluster of 2 TaskManagers. */
  static PipelineRunner flinkCluster(Path root, Path jars) {
    return of(root, "flink-cluster", FLINK_CLUSTER, jars.resolve("fieldflow-flink-bundled.jar"));
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

  /** This runner under another name and label (its profile and options unchanged). */
  PipelineRunner renamed(String newName, String newLabel) {
    return new PipelineRunner(newName, newLabel, jar, javaOptions, beamOptions, unavailable);
  }

  /**
   * How many files it loads at once: {@code --parallelism} (Flink) or {@code --targetParallelism}
   * (DirectRunner) of its options; empty when its options do not say.
   */
  OptionalInt parallelism() {
    for (String option : beamOptions) {
      for (String prefix : List.of("--parallelism=", "--targetParallelism=")) {
        if (option.startsWith(prefix)) {
          try {
            return OptionalInt.of(Integer.parseInt(option.substring(prefix.length()).strip()));
          } catch (NumberFormatException e) {
            return OptionalInt.empty();
          }
        }
      }
    }
    return OptionalInt.empty();
  }

  /**
   * The child's command line: {@code java OPTIONS -jar JAR visit ARGS PROFILE}, with {@link
   * #BOUNDED_RUN_JAVA_OPTIONS} when ARGS hold {@code --once}, and the jar's class-data sharing
   * archive when there is one, as manage.sh runs it.
   */
  List<String> command(List<String> visitArguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaOptions);
    if (visitArguments.contains("--once")) {
      command.addAll(BOUNDED_RUN_JAVA_OPTIONS);
    }
    if (Files.isRegularFile(classArchive())) {
      command.add("-XX:SharedArchiveFile=" + classArchive());
      command.add("-Xlog:cds=off");
      command.add("-Xlog:cds+dynamic=off");
    }
    command.add("-jar");
    command.add(jar.toString());
    command.add("visit");
    command.addAll(visitArguments);
    command.addAll(beamOptions);
    return command;
  }

  /** The class-data sharing archive of this runner's jar, beside it, as manage.sh names it. */
  Path classArchive() {
    String name = jar.getFileName().toString();
    return jar.resolveSibling(name.substring(0, name.length() - ".jar".length()) + ".jsa");
  }

  /**
   * The run that writes {@link #classArchive()}, as manage.sh's {@code ensure_class_archive}
   * does: the jar's {@code startup-training} on this runner's profile, in a JVM with this
   * runner's options that writes the classes it loaded at exit.
   */
  List<String> trainingCommand() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaOptions);
    command.addAll(BOUNDED_RUN_JAVA_OPTIONS);
    command.add("-XX:ArchiveClassesAtExit=" + classArchive());
    command.add("-jar");
    command.add(jar.toString());
    command.add("startup-training");
    command.addAll(beamOptions);
    return command;
  }

  /** The JVM options as the report shows them: the heap settings, Flink's long flag list elided. */
  String javaOptionsText() {
    return javaOptions.stream().filter(o -> !o.startsWith("--add-")).reduce((a, b) -> a + " " + b).orElse("")
        + (javaOptions.stream().anyMatch(o -> o.startsWith("--add-")) ? " + Flink's java17.opts" : "");
  }
}
