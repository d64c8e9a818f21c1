package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.fieldflow.pipelines.visits.VisitLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local listing of {@code audit} follows symbolic links as the visit pipeline's listing
 * (Beam's {@code FileSystems.match}) does, so that an object the pipeline would read is never
 * missing from the audit; and a dangling link or a loop neither fails nor hangs it.
 *
 * <p>The tree, in a temporary directory: {@code in/} holds a file, a link to a file elsewhere,
 * a dangling link, a link to a directory elsewhere ({@code sub}) and a link back to itself
 * ({@code loop}); {@code in-link} is a link to {@code in/}.
 */
@Timeout(60)
class InputListingSymlinkTest {
  @TempDir Path dir;

  @BeforeEach
  void tree() throws Exception {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    VisitLines.write(dir.resolve("in/a.jsonl"), visits(1, 2));
    VisitLines.write(dir.resolve("elsewhere/linked.jsonl"), visits(10, 3));
    VisitLines.write(dir.resolve("elsewhere/sub/b.jsonl"), visits(20, 1));
    Files.createSymbolicLink(dir.resolve("in/link.jsonl"), dir.resolve("elsewhere/linked.jsonl"));
    Files.createSymbolicLink(dir.resolve("in/dangling.jsonl"), dir.resolve("elsewhere/gone.jsonl"));
    Files.createSymbolicLink(dir.resolve("in/sub"), dir.resolve("elsewhere/sub"));
    Files.createSymbolicLink(dir.resolve("in/loop"), dir.resolve("in"));
    Files.createSymbolicLink(dir.resolve("in-link"), dir.resolve("in"));
  }

  /** {@code path size} of each file {@code audit} lists for {@code pattern}, sorted. */
  private List<String> listed(String pattern) throws Exception {
    List<String> files = new ArrayList<>();
    InputListing.list(pattern, options(dir.toString()), 2,
        page -> page.forEach(m -> files.add(m.resourceId() + " " + m.sizeBytes())));
    files.sort(null);
    return files;
  }

  /** {@code path size} of each file Beam's match (what {@code visit} lists) gives, sorted. */
  private static List<String> matchedByBeam(String pattern) throws Exception {
    MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
    List<String> files = new ArrayList<>();
    if (result.status() == MatchResult.Status.OK) {
      result.metadata().forEach(m -> files.add(m.resourceId() + " " + m.sizeBytes()));
    }
    files.sort(null);
    return files;
  }

  private String line(String path) throws Exception {
    return dir.resolve(path) + " " + Files.size(dir.resolve(path));
  }

  @Test
  void aLinkToAFileIsListedUnderItsOwnPathAsBeamMatchesIt() throws Exception {
    String pattern = dir.resolve("in") + "/*";

    assertThat(listed(pattern), equalTo(List.of(line("in/a.jsonl"), line("in/link.jsonl"))));
    assertThat(listed(pattern), equalTo(matchedByBeam(pattern)));
  }

  @Test
  void anInputDirectoryThatIsALinkIsWalkedAsBeamWalksIt() throws Exception {
    String pattern = dir.resolve("in-link") + "/*";

    assertThat(listed(pattern),
        equalTo(List.of(line("in-link/a.jsonl"), line("in-link/link.jsonl"))));
    assertThat(listed(pattern), equalTo(matchedByBeam(pattern)));
  }

  @Test
  void aLinkedDirectoryInTheMiddleOfAPatternIsWalkedAsBeamWalksIt() throws Exception {
    String pattern = dir.resolve("in") + "/*/b.jsonl";

    assertThat(listed(pattern), equalTo(List.of(line("in/sub/b.jsonl"))));
    assertThat(listed(pattern), equalTo(matchedByBeam(pattern)));
  }

  @Test
  void aLiteralPathThatIsALinkToAFileIsListedAsBeamMatchesIt() throws Exception {
    String pattern = dir.resolve("in/link.jsonl").toString();

    assertThat(listed(pattern), equalTo(List.of(line("in/link.jsonl"))));
    assertThat(listed(pattern), equalTo(matchedByBeam(pattern)));
  }

  /**
   * Across directories, a loop is walked once. Beam walks it round until the kernel refuses a
   * path of 40 links, listing every file again under each longer path; those copies are the only
   * difference.
   */
  @Test
  void aLoopIsWalkedOnceAndADanglingLinkIsNoFile() throws Exception {
    String pattern = dir.resolve("in") + "/**";

    List<String> listed = listed(pattern);

    assertThat(listed,
        equalTo(List.of(line("in/a.jsonl"), line("in/link.jsonl"), line("in/sub/b.jsonl"))));
    List<String> beamWithoutTheLoop = new ArrayList<>(matchedByBeam(pattern));
    beamWithoutTheLoop.removeIf(file -> file.contains("/loop/"));
    assertThat(listed, equalTo(beamWithoutTheLoop));
  }
}
