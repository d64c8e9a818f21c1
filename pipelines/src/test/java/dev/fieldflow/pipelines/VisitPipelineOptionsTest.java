package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
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
      "--abandonedLoadSeconds=0, '--abandonedLoadSeconds must be >= 1, but was 0'",
      "--watchGenerationMinutes=0, '--watchGenerationMinutes must be >= 1, but was 0'",
      "--watchIdleMinutes=0, '--watchIdleMinutes must be >= 1, but was 0'",
      "--onceWaveFiles=-1, '--onceWaveFiles must be >= 0, but was -1'",
      "--onceWaveMegabytes=0, '--onceWaveMegabytes must be >= 1, but was 0'",
      "--mergeChunkRows=0, '--mergeChunkRows must be >= 1, but was 0'",
      "--maxRejectRatio=1.5, '--maxRejectRatio must be in 0..1, but was 1.5'",
      "--retryFailedAfterSeconds=0, '--retryFailedAfterSeconds must be >= 1, but was 0'",
      "--ignoreFileNames=(, '--ignoreFileNames: ignored file names must be a regular expression,"
          + " but was ''('': Unclosed group at index 1'",
  })
  void aBadValueIsRefusedWithItsName(String option, String message) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs("--visitsInput=/nowhere", option)
        .as(VisitPipelineOptions.class);

    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> VisitPipeline.validate(options));

    assertThat(refused.getMessage(), equalTo(message));
    assertThat(UserMessages.of(refused), equalTo(message));
  }

  /** Beam would look for these by walking every file of the machine (LocalPatterns). */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--visitsInput=/nowhere | --visitsInput (or FIELDFLOW_VISITS) /nowhere: no such file or directory",
      "--visitsInput=/*.jsonl | --visitsInput (or FIELDFLOW_VISITS) /*.jsonl: its first wildcard is in /",
      "--visitsPartitionTemplate=/visits-{yyyy}-{MM}-{dd}/* | --visitsPartitionTemplate /visits-*-*-*/*:"
          + " its first wildcard is in /",
  })
  void aLocalInputBeamWouldSearchTheWholeMachineForIsRefusedWithItsOption(String option,
      String message) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(option).as(VisitPipelineOptions.class);

    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> VisitPipeline.partitions(options));

    assertThat(refused.getMessage(), startsWith(message));
  }

  @ParameterizedTest
  @CsvSource({"--pollIntervalSeconds=1", "--claimLeaseSeconds=1", "--abandonedLoadSeconds=1",
      "--onceWaveFiles=0"})
  void theSmallestGoodValueIsTaken(String option) {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs("--visitsInput=/nowhere", option)
        .as(VisitPipelineOptions.class);

    VisitPipeline.validate(options);
  }

  @ParameterizedTest
  @CsvSource({"--s3PathStyle=true", "--s3PathStyle"})
  void pathStyleIsExpandedOnTheCommandLineIntoItsClientFactory(String flag) {
    String[] args = Main.withPathStyleS3(new String[] {"--visitsInput=s3://b/v/", flag});

    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(args).as(VisitPipelineOptions.class);

    assertThat(options.getS3ClientFactoryClass(),
        equalTo(dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory.class));
  }

  @org.junit.jupiter.api.Test
  void withoutPathStyleTheCommandLineIsLeftAsGiven() {
    String[] args = {"--visitsInput=s3://b/v/", "--s3PathStyle=false"};

    assertThat(Main.withPathStyleS3(args), equalTo(args));
  }

  @org.junit.jupiter.api.Test
  void pathStyleWithAnotherClientFactoryIsRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> Main.withPathStyleS3(new String[] {"--s3PathStyle=true",
            "--s3ClientFactoryClass=org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory"}));

    assertThat(refused.getMessage(), equalTo("--s3PathStyle asks for"
        + " dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory, but"
        + " --s3ClientFactoryClass=org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory was"
        + " given too: drop one of them"));
  }

  /** Options built without the jar's command line (a test, an embedding) are checked, not fixed. */
  @org.junit.jupiter.api.Test
  void pathStyleOptionsWithoutTheirFactoryAreRefusedNotChanged() {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs("--visitsInput=s3://b/v/",
        "--s3PathStyle=true", "--awsRegion=us-east-1").as(VisitPipelineOptions.class);
    Class<?> before = options.getS3ClientFactoryClass();

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> VisitPipeline.checkS3(options, "s3://b/v/"));

    assertThat(refused.getMessage(), org.hamcrest.Matchers.startsWith("--s3PathStyle=true needs"
        + " --s3ClientFactoryClass=dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory"));
    assertThat(options.getS3ClientFactoryClass(), equalTo(before));
  }
}
