package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.pipelines.visits.VisitLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A local pattern lists for {@code audit} exactly the files Beam's match of it gives the visit
 * pipeline: Beam reads it as a Java glob, with braces, brackets and {@code **}, which Beam's S3
 * wildcards (and so a regular expression made from them) read otherwise.
 */
class InputListingGlobTest {
  @TempDir Path dir;

  @BeforeEach
  void tree() throws Exception {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    for (String file : List.of("a/x1.jsonl", "b/x2.jsonl", "c/x3.jsonl", "top.jsonl",
        "a/deep/y.jsonl", "b/notes.txt")) {
      VisitLines.write(dir.resolve(file), visits(1, 1));
    }
  }

  private static List<String> sorted(List<String> files) {
    files.sort(null);
    return files;
  }

  private List<String> listed(String pattern) throws Exception {
    List<String> files = new ArrayList<>();
    InputListing.list(pattern, options(dir.toString()), 2,
        page -> page.forEach(m -> files.add(m.resourceId().toString())));
    return sorted(files);
  }

  private static List<String> matchedByBeam(String pattern) throws Exception {
    MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
    List<String> files = new ArrayList<>();
    if (result.status() == MatchResult.Status.OK) {
      result.metadata().forEach(m -> files.add(m.resourceId().toString()));
    }
    return sorted(files);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[ab]/*.jsonl", "**/*.jsonl", "*/x?.jsonl", "*", "a/**",
      "a/{x1,x9}.jsonl", "*/{x1,x2}.jsonl", "a/x1.jsonl"})
  void aLocalPatternListsWhatBeamMatches(String glob) throws Exception {
    String pattern = dir + "/" + glob;

    assertThat(listed(pattern), not(empty()));
    assertThat(listed(pattern), equalTo(matchedByBeam(pattern)));
  }

  /** Beam starts its walk before the first * ? [, so a brace before them names a directory. */
  @ParameterizedTest
  @ValueSource(strings = {"{a,b}/*.jsonl", "{a,c}/**/*.jsonl"})
  void aBraceBeforeTheFirstWildcardMatchesNothingForBeamAndForAudit(String glob) throws Exception {
    String pattern = dir + "/" + glob;

    assertThat(matchedByBeam(pattern), empty());
    assertThat(listed(pattern), empty());
  }

  @Test
  void aFileWhoseNameHasWildcardCharactersIsListedByThatName() throws Exception {
    VisitLines.write(dir.resolve("a/day[1].jsonl"), visits(1, 1));
    String pattern = dir.resolve("a/day[1].jsonl").toString();

    assertThat(listed(pattern), equalTo(List.of(pattern)));
    assertThat(listed(pattern), equalTo(matchedByBeam(pattern)));
  }
}
