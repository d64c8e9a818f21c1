package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code startup-training}, the run whose classes manage.sh archives for class-data sharing,
 * runs the visit-shaped pipeline to its end without a database (its lines parse with the
 * production parser, or it fails) and leaves no files behind.
 */
class StartupTrainingTest {
  @Test
  void theTrainingPipelineRunsWithoutADatabaseAndLeavesNothingBehind() throws Exception {
    List<Path> before = trainingDirectories();

    StartupTraining.main(new String[] {"--runner=DirectRunner", "--targetParallelism=2"});

    List<Path> left = trainingDirectories();
    left.removeAll(before);
    assertThat(left, empty());
  }

  private static List<Path> trainingDirectories() throws IOException {
    try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return entries.filter(p -> p.getFileName().toString().startsWith("fieldflow-startup-training-"))
          .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
    }
  }
}
