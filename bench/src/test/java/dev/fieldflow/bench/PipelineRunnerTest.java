package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PipelineRunnerTest {
  private static PipelineRunner runner(String... beam) {
    return new PipelineRunner("flink-local", "x", Path.of("x.jar"), List.of(), List.of(beam), Optional.empty());
  }

  @Test
  void parallelismComesFromFlinksOrTheDirectRunnersOption() {
    assertThat(runner("--runner=FlinkRunner", "--parallelism=2").parallelism(), is(OptionalInt.of(2)));
    assertThat(runner("--runner=DirectRunner", "--targetParallelism=3").parallelism(), is(OptionalInt.of(3)));
    assertThat(runner("--runner=DirectRunner").parallelism(), is(OptionalInt.empty()));
  }

  @Test
  void parallelismOneReplacesTheProfilesParallelism() {
    PipelineRunner one = runner("--runner=FlinkRunner", "--parallelism=2").withBeamOption("--parallelism=1")
        .renamed("flink-local-p1", PipelineRunner.FLINK_EMBEDDED_P1);
    assertThat(one.parallelism(), is(OptionalInt.of(1)));
    assertThat(one.beamOptions(), not(hasItem("--parallelism=2")));
    assertThat(one.name(), is("flink-local-p1"));
    assertThat(one.label(), is(PipelineRunner.FLINK_EMBEDDED_P1));
  }

  @Test
  void everyAcceptedNameIsARunnerAndNoOtherIs(@org.junit.jupiter.api.io.TempDir Path root) {
    for (String name : PipelineRunner.NAMES) {
      // No profiles or jars under root: each is a runner, reported as not measured.
      PipelineRunner runner = PipelineRunner.named(name, root, root.resolve("jars"));
      assertThat(runner.name(), is(name));
      assertThat(runner.unavailable().isPresent(), is(true));
    }
    assertThrows(IllegalArgumentException.class, () -> PipelineRunner.named("flink", root, root));
  }

  @Test
  void aBoundedRunGetsManageShsBoundedJavaOptionsAndAContinuousOneDoesNot() throws Exception {
    PipelineRunner runner = new PipelineRunner("direct", "x", Path.of("x.jar"),
        PipelineRunner.PIPELINE_JAVA_OPTIONS, List.of(), Optional.empty());
    String manageSh = java.nio.file.Files.readString(Path.of("..", "manage.sh"));
    assertThat(manageSh, org.hamcrest.Matchers.containsString(
        "\nBOUNDED_JAVA_OPTS=\"" + String.join(" ", PipelineRunner.BOUNDED_RUN_JAVA_OPTIONS) + "\"\n"));

    List<String> once = runner.command(List.of("--visitsInput=d/", "--once"));
    assertThat(once.subList(1, once.indexOf("-jar")), org.hamcrest.Matchers.equalTo(List.of(
        "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")));
    List<String> continuous = runner.command(List.of("--visitsInput=d/"));
    assertThat(continuous.subList(1, continuous.indexOf("-jar")), org.hamcrest.Matchers.equalTo(
        PipelineRunner.PIPELINE_JAVA_OPTIONS));
  }
}
