package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalPatternsTest {
  private static final String OPTION = "--visitsInput";

  @TempDir Path dir;

  @Test
  void aGlobInAnExistingDirectoryAnExistingFileAndAMissingDirectorysGlobPass() throws Exception {
    Path file = Files.writeString(dir.resolve("a.jsonl"), "{}\n");

    LocalPatterns.checkInput(dir + "/*.jsonl", OPTION);
    LocalPatterns.checkInput(file.toString(), OPTION);
    LocalPatterns.checkInput("file://" + file, OPTION);
    LocalPatterns.checkInput(dir.resolve("not-yet") + "/*", OPTION);
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://bucket/visits/", "s3://bucket/none/*.jsonl", "s3://b/*"})
  void patternsOfOtherFileSystemsAreNotLooked(String pattern) {
    LocalPatterns.checkInput(pattern, OPTION);
    assertThat(LocalPatterns.isMissingLocalFile(pattern), is(false));
  }

  @Test
  void aLocalPathWithoutWildcardsThatDoesNotExistIsRefusedNamingTheOption() {
    String missing = dir.resolve("visits-typo").toString();

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> LocalPatterns.checkInput(missing, OPTION));

    assertThat(refused.getMessage(), is(OPTION + " " + missing + ": no such file or directory;"
        + " give an existing directory, a glob within one (DIR/*) or an s3://bucket/prefix/"));
  }

  /** Beam would walk every file of the machine, /proc included, to match these. */
  @ParameterizedTest
  @ValueSource(strings = {"/*.jsonl", "/nonexistent*", "/*/visits/*.jsonl", "/{data,srv}/*",
      "file:///visits-*.jsonl", "/nonexistent"})
  void aPatternWhoseMatchWouldSearchTheWholeMachineIsRefused(String pattern) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> LocalPatterns.checkInput(pattern, OPTION));

    assertThat(refused.getMessage(), containsString(OPTION + " " + pattern + ": "));
  }

  @ParameterizedTest
  @ValueSource(strings = {"run[1]", "run{a,b}", "run*", "what?"})
  void aDirectoryWhoseOwnNameHasAWildcardIsRefusedRatherThanMatchedAsAPattern(String name)
      throws Exception {
    Path literal = Files.createDirectories(dir.resolve(name).resolve("day"));
    Files.writeString(literal.resolve("a.jsonl"), "{}\n");

    for (String pattern : List.of(dir.resolve(name) + "/*", literal + "/*.jsonl")) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> LocalPatterns.checkInput(pattern, OPTION));

      assertThat(refused.getMessage(), is(OPTION + " " + pattern + ": the directory "
          + dir.resolve(name) + " has a wildcard character (* ? [ {) in its name, which Beam's"
          + " matching reads as a pattern rather than as its name; rename it, or give a link to it"
          + " whose name has none"));
    }
  }

  @Test
  void aGlobOverDirectoriesThatExistOnlyUnderOtherNamesPasses() throws Exception {
    Files.createDirectories(dir.resolve("run1"));
    Files.createDirectories(dir.resolve("2024-01-02"));

    LocalPatterns.checkInput(dir + "/run[12]/*", OPTION);
    LocalPatterns.checkInput(dir + "/2024-*/*.jsonl", OPTION);
  }

  @Test
  void aMissingLocalFileIsKnownWithoutASearch() throws Exception {
    Path file = Files.writeString(dir.resolve("a.jsonl"), "{}\n");

    assertThat(LocalPatterns.isMissingLocalFile(dir.resolve("gone.jsonl").toString()), is(true));
    assertThat(LocalPatterns.isMissingLocalFile("/nonexistent"), is(true));
    assertThat(LocalPatterns.isMissingLocalFile(file.toString()), is(false));
    assertThat(LocalPatterns.isMissingLocalFile(dir + "/*.jsonl"), is(false));
  }

  @Test
  void filesLookedAtOneByOneAnswerInOrderAndAMissingLocalOneIsNotFound() throws Exception {
    Path first = Files.writeString(dir.resolve("a.jsonl"), "{}\n");
    Path second = Files.writeString(dir.resolve("b.jsonl"), "{}\n{}\n");
    List<String> paths = List.of(first.toString(), dir.resolve("gone.jsonl").toString(),
        "file://" + second, "/nonexistent/visits.jsonl");

    List<MatchResult> results = LocalPatterns.matchEach(paths);

    assertThat(results.stream().map(MatchResult::status).toList(), contains(MatchResult.Status.OK,
        MatchResult.Status.NOT_FOUND, MatchResult.Status.OK, MatchResult.Status.NOT_FOUND));
    assertThat(results.get(0).metadata(), is(FileSystems.match(first.toString()).metadata()));
    assertThat(results.get(2).metadata().get(0).sizeBytes(), is(Files.size(second)));
  }

  @Test
  void theNetworkInputIsCheckedBeforeItIsMatched() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> InputFiles.matchOrFail("/nonexistent", "--networkInput or FIELDFLOW_NETWORK",
            IngestibleFileNames.defaults()));

    assertThat(refused.getMessage(), containsString("--networkInput or FIELDFLOW_NETWORK /nonexistent:"
        + " no such file or directory"));
  }
}
