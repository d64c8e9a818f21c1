package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReusedBenchmarksTest {
  @Test
  void watchTableIsTakenFromMavensOutputWithItsJvmLine() {
    List<String> output = List.of(
        "[INFO] Running dev.fieldflow.pipelines.visits.WatchStateBenchmark",
        "",
        "| tracked files | heap after GC (MB) | bytes per tracked file |",
        "|---:|---:|---:|",
        "| 0 | 23.0 | – |",
        "| 1,000 | 44.4 | 21406 |",
        "",
        "Java 17.0.15, -Xmx1024 MB, 2 cores",
        "[INFO] Tests run: 1");
    assertThat(ReusedBenchmarks.watchTable(output), is(Optional.of(
        "| tracked files | heap after GC (MB) | bytes per tracked file |\n|---:|---:|---:|\n| 0 | 23.0 | – |\n"
            + "| 1,000 | 44.4 | 21406 |\n\nJava 17.0.15, -Xmx1024 MB, 2 cores")));
  }

  @Test
  void noTableWhenTheBenchmarkDidNotRun() {
    assertThat(ReusedBenchmarks.watchTable(List.of("[ERROR] BUILD FAILURE")), is(Optional.empty()));
  }
}
