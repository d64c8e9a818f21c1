package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bad option value is refused before anything starts, with the option's name and the value
 * given; it is never clamped to a value the operator did not ask for.
 */
class VisitPipelineOptionsTest {

  @ParameterizedTest
  @CsvSource({
      "--pollIntervalSeconds=0, '--pollIntervalSeconds must be >= 1, but was 0'",
      "--claimLeaseSeconds=-5, '--claimLeaseSeconds must be >= 1, but was -5'",
      "--watchGenerationMinutes=0, '--watchGenerationMinutes must be >= 1, but was 0'",
      "--watchIdleMinutes=0, '--watchIdleMinutes must be >= 1, but was 0'",
      "--onceWaveFiles=-1, '--onceWaveFiles must be >= 0, but was -1'",
      "--onceWaveMegabytes=0, '--onceWaveMegabytes must be >= 1, but was 0'",
      "--mergeChunkRows=0, '--mergeChunkRows must be >= 1, but was 0'",
      "--maxRejectRatio=1.5, '--maxRejectRatio must be in 0..1, but was 1.5'",
      "--retryFailedAfterSeconds=0, '--retryFailedAfterSeconds must be >= 1, but was 0'",
  })
  void aBadValueIsRefusedWithItsName(String option, String message) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs("--visitsInput=/nowhere", option)
        .as(VisitPipelineOptions.class);

    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> VisitPipeline.validate(options));

    assertThat(refused.getMessage(), equalTo(message));
  }

  @ParameterizedTest
  @CsvSource({"--pollIntervalSeconds=1", "--claimLeaseSeconds=1", "--onceWaveFiles=0"})
  void theSmallestGoodValueIsTaken(String option) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs("--visitsInput=/nowhere", option)
        .as(VisitPipelineOptions.class);

    VisitPipeline.validate(options);
  }
}
