package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A command line is refused before anything starts, in one line that names the option and the
 * value given, whether Beam cannot read the value or the value cannot work.
 */
class CommandLineTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--mergeChunkRows=abc | --mergeChunkRows must be an integer (at most 2147483647), but was 'abc'",
      "--mergeChunkRows=99999999999 | --mergeChunkRows must be an integer (at most 2147483647), but was '99999999999'",
      "--maxLineBytes=999999999999 | --maxLineBytes must be an integer in 1..268435456, but was '999999999999'",
      "--maxDecompressedBytes=4G | --maxDecompressedBytes must be an integer, but was '4G'",
      "--maxRejectRatio=lots | --maxRejectRatio must be a number, but was 'lots'",
      "--once=maybe | --once must be true or false, but was 'maybe'",
  })
  void aValueThatCannotBeReadIsRefusedWithTheOptionsName(String option, String message) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", option}, VisitPipelineOptions.class));

    assertThat(refused.getMessage(), equalTo(message));
    assertThat(UserMessages.of(refused), equalTo(message));
  }

  /** Beam names the runner in its own message, around a cause that does not. */
  @Test
  void anUnknownRunnerIsRefusedWithBeamsMessageNotItsCause() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", "--runner=Nope"},
            VisitPipelineOptions.class));

    assertThat(refused.getCause(), nullValue());
    assertThat(UserMessages.of(refused), startsWith("Unknown 'runner' specified 'Nope'"));
  }

  @Test
  void anUnknownOptionIsRefusedWithItsName() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", "--pollIntervalSecond=5"},
            VisitPipelineOptions.class));

    assertThat(UserMessages.of(refused), equalTo("unknown option --pollIntervalSecond (Did you"
        + " mean 'pollIntervalSeconds'?); --help lists this command's options"));
  }

  /** Beam's own words name its internal interface: "Class interface …$StatusOptions missing a property". */
  @Test
  void anUnknownOptionWithoutALikelyMeaningIsRefusedWithoutBeamsInternals() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--bogus"}, FieldflowOptions.class));

    assertThat(UserMessages.of(refused), equalTo("unknown option --bogus; --help lists this"
        + " command's options"));
  }

  @Test
  void aMissingRequiredOptionIsRefusedWithItsName() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {}, VisitPipeline.StoppedRunOptions.class));

    assertThat(UserMessages.of(refused), startsWith("Missing required value for [--run"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--batchSize=0 | --batchSize must be >= 1, but was 0",
      "--writeShards=0 | --writeShards must be >= 1, but was 0",
      "--batchMaxBufferingMillis=0 | --batchMaxBufferingMillis must be >= 1, but was 0",
      "--dbConnectTimeoutSeconds=-1 | --dbConnectTimeoutSeconds must be >= 0, but was -1",
  })
  void aSharedOptionThatCannotWorkIsRefusedByEveryCommand(String option, String message) {
    IllegalArgumentException visit = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", option}, VisitPipelineOptions.class));
    IllegalArgumentException network = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--networkInput=/nowhere", option}, NetworkPipelineOptions.class));

    assertThat(visit.getMessage(), equalTo(message));
    assertThat(network.getMessage(), equalTo(message));
  }

  /** The DirectRunner is on this module's test class path; its option is checked through parse. */
  @Test
  void aDirectRunnerWithoutWorkersIsRefusedBeforeTheRunStarts() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", "--targetParallelism=0"},
            VisitPipelineOptions.class));

    assertThat(refused.getMessage(), equalTo("--targetParallelism must be >= 1, but was 0"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--parallelism=0 | --parallelism must be >= 1 (or -1: the Flink cluster's default), but was 0",
      "--parallelism=-2 | --parallelism must be >= 1 (or -1: the Flink cluster's default), but was -2",
      "--targetParallelism=-1 | --targetParallelism must be >= 1, but was -1",
  })
  void aParallelismNoRunnerCanUseIsRefused(String option, String message) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.checkArguments(new String[] {option}));

    assertThat(refused.getMessage(), equalTo(message));
  }

  /** Beam refuses it as "expected one element but was: <a, b>", naming no option. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--visitsInput=/elsewhere | --visitsInput is given 2 times ('/nowhere', '/elsewhere')",
      "--visitsInput | --visitsInput is given 2 times ('/nowhere', (no value))",
  })
  void anOptionOfOneValueGivenTwiceIsRefusedWithItsNameAndBothValues(String again, String message) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", "--once=true", again},
            VisitPipelineOptions.class));

    assertThat(UserMessages.of(refused), startsWith(message + "; it takes one value: give it once"));
  }

  @Test
  void aRepeatedBooleanIsRefusedToo() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> CommandLine.parse(new String[] {"--visitsInput=/nowhere", "--once=true", "--once=false"},
            VisitPipelineOptions.class));

    assertThat(UserMessages.of(refused), startsWith("--once is given 2 times ('true', 'false')"));
  }

  /** The check reads the last value, should it ever see a repeated one Beam let through. */
  @Test
  void theLastValueOfARepeatedParallelismIsTheOneChecked() {
    CommandLine.checkArguments(new String[] {"--parallelism=0", "--parallelism=-1"});
    CommandLine.checkArguments(new String[] {"--targetParallelism=0", "--targetParallelism=1"});

    assertThrows(IllegalArgumentException.class,
        () -> CommandLine.checkArguments(new String[] {"--parallelism=2", "--parallelism=0"}));
  }

  /** Beam's own bare --help lists the registered interfaces; the command's options are what helps. */
  @Test
  void helpPrintsTheCommandsOwnOptionsAndEndsTheCommand() {
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();

    assertThrows(CommandLine.HelpShown.class, () -> CommandLine.parse(new String[] {"--help"},
        VisitPipelineOptions.class, new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8)));

    String help = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(help, org.hamcrest.Matchers.containsString("--mergeChunkRows=<int>"));
    assertThat(help, org.hamcrest.Matchers.containsString("--pollIntervalSeconds=<int>"));
    assertThat(help, org.hamcrest.Matchers.containsString("--dbConnectTimeoutSeconds=<int>"));
  }

  @Test
  void goodValuesAreTakenAsGiven() {
    VisitPipelineOptions options = CommandLine.parse(new String[] {"--visitsInput=/nowhere",
        "--mergeChunkRows=7", "--once", "--batchSize=1", "--dbConnectTimeoutSeconds=0",
        "--targetParallelism=1"}, VisitPipelineOptions.class);

    assertThat(options.getMergeChunkRows(), equalTo(7));
    assertThat(options.getOnce(), equalTo(true));
    assertThat(options.getBatchSize(), equalTo(1));
    assertThat(options.getDbConnectTimeoutSeconds(), equalTo(0));
  }
}
