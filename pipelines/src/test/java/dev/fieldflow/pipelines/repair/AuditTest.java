package dev.fieldflow.pipelines.repair;

import static dev.fieldflow.pipelines.repair.RepairFixtures.load;
import static dev.fieldflow.pipelines.repair.RepairFixtures.options;
import static dev.fieldflow.pipelines.visits.VisitLines.visit;
import static dev.fieldflow.pipelines.visits.VisitLines.visits;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.visits.VisitLines;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** audit: every object of the input that is not loaded in its version now is printed and counted. */
class AuditTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() {
    RepairFixtures.emptyModel(POSTGRES);
  }

  private final StringBuilder printed = new StringBuilder();

  private Audit.Result audit(Path input) throws Exception {
    String pattern = VisitPipeline.pattern(input.toString());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Audit.Result result = Audit.run(options(input.toString()), pattern, POSTGRES.writer(),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed.append(bytes.toString(StandardCharsets.UTF_8));
    return result;
  }

  private List<String> lines() {
    return printed.toString().lines().toList();
  }

  @Test
  void anInputLoadedWholeHasNoGap() throws Exception {
    VisitLines.write(dir.resolve("in/a.jsonl"), visits(1, 3));
    VisitLines.write(dir.resolve("in/b.jsonl"), visits(10, 2));
    load(POSTGRES, dir.resolve("in"));

    Audit.Result result = audit(dir.resolve("in"));

    assertThat(result.gaps(), is(0L));
    assertThat(lines(), equalTo(List.of("audit: 2 object(s) in " + dir.resolve("in") + "/*:"
        + " 2 loaded, 0 not loaded yet, 0 failed, 0 loaded in another version, 0 loading now;"
        + " no gap")));
  }

  @Test
  void everyKindOfGapIsPrintedAndTheSummaryComesLast() throws Exception {
    Path loaded = VisitLines.write(dir.resolve("in/loaded.jsonl"), visits(1, 3));
    Path changed = VisitLines.write(dir.resolve("in/changed.jsonl"), visits(10, 2));
    Path failed = VisitLines.write(dir.resolve("in/failed.jsonl"), visits(20, 2));
    VisitLines.write(dir.resolve("in/_SUCCESS"), "");
    load(POSTGRES, dir.resolve("in"));
    Path added = VisitLines.write(dir.resolve("in/added.jsonl"), visits(30, 1));
    Files.writeString(changed, visits(10, 2) + visit(12, 1) + "\n");
    POSTGRES.execute("UPDATE fieldflow.ingest_files SET status = 'failed',"
        + " error = 'cannot read: permission denied' WHERE path = ?", failed.toString());

    Audit.Result result = audit(dir.resolve("in"));

    assertThat(result.describe(), result.listed(), is(5L));
    assertThat(result.ignored(), is(1L));
    assertThat(result.loaded(), is(1L));
    assertThat(result.notLoaded(), is(1L));
    assertThat(result.failed(), is(1L));
    assertThat(result.changed(), is(1L));
    assertThat(result.gaps(), is(3L));
    List<String> sorted = new ArrayList<>(lines().subList(0, 3));
    sorted.sort(null);
    assertThat(sorted.get(0), equalTo("changed: " + changed + ": now " + version(changed)
        + ", loaded only as " + POSTGRES.rows("SELECT version FROM fieldflow.ingest_files"
        + " WHERE path = ?", changed.toString()).get(0).get(0) + " (done "
        + ((java.sql.Timestamp) POSTGRES.rows("SELECT finished_at FROM fieldflow.ingest_files"
        + " WHERE path = ?", changed.toString()).get(0).get(0)).toInstant()
        + "); the version now is not loaded yet"));
    assertThat(sorted.get(1), equalTo("failed: " + failed + " (" + version(failed)
        + ", attempt 1): cannot read: permission denied"));
    assertThat(sorted.get(2), equalTo("not loaded: " + added + " (" + version(added) + ")"));
    assertThat(lines().get(3), equalTo("audit: 5 object(s) in " + dir.resolve("in") + "/*:"
        + " 1 loaded, 1 not loaded yet, 1 failed, 1 loaded in another version, 0 loading now"
        + " (1 ignored by name); 3 gap(s)"));
    assertThat(lines().size(), is(4));
    assertThat(printed.toString(), containsString(added.toString()));
  }

  @Test
  void theListingIsHandedOnInPagesAndFollowsTheGlob() throws Exception {
    for (int i = 0; i < 5; i++) {
      VisitLines.write(dir.resolve("in/f" + i + ".jsonl"), visits(i, 1));
    }
    VisitLines.write(dir.resolve("in/deeper/g.jsonl"), visits(9, 1));
    List<Integer> pages = new ArrayList<>();

    InputListing.list(dir.resolve("in") + "/*", options(dir.toString()), 2,
        page -> pages.add(page.size()));
    assertThat(pages, equalTo(List.of(2, 2, 1)));

    List<String> everything = new ArrayList<>();
    InputListing.list(dir.resolve("in") + "/**", options(dir.toString()), 100,
        page -> page.forEach(m -> everything.add(m.resourceId().toString())));
    assertThat(everything.size(), is(6));
    assertThat(everything.contains(dir.resolve("in/deeper/g.jsonl").toString()), is(true));
  }

  /** The visit pipeline reads a linked file (Beam's match follows links): so does audit. */
  /** Beam cannot address such a path (its scheme is read up to the line break): never claimed. */
  @Test
  void aFileWithALineBreakInItsNameIsNotClaimedAndAuditSaysWhy() throws Exception {
    VisitLines.write(dir.resolve("in/a.jsonl"), visits(1, 3));
    Path odd = VisitLines.write(dir.resolve("in/line\nbreak.jsonl"), visits(10, 2));
    load(POSTGRES, dir.resolve("in"));

    Audit.Result result = audit(dir.resolve("in"));

    assertThat(POSTGRES.count("SELECT count(*) FROM fieldflow.ingest_files"), is(1L));
    assertThat(result.gaps(), is(1L));
    assertThat(lines().get(0), equalTo("not loaded: " + dir.resolve("in") + "/line\\u000abreak.jsonl ("
        + version(odd) + "): its name has a line break, which the pipeline cannot address; copy it"
        + " to a name without one"));
  }

  @Test
  void aLinkedFileThatWasNeverLoadedIsAGap() throws Exception {
    VisitLines.write(dir.resolve("in/a.jsonl"), visits(1, 3));
    load(POSTGRES, dir.resolve("in"));
    Path elsewhere = VisitLines.write(dir.resolve("elsewhere/b.jsonl"), visits(10, 2));
    Path link = Files.createSymbolicLink(dir.resolve("in/link.jsonl"), elsewhere);

    Audit.Result result = audit(dir.resolve("in"));

    assertThat(result.listed(), is(2L));
    assertThat(result.gaps(), is(1L));
    assertThat(lines().get(0), equalTo("not loaded: " + link + " (" + version(link) + ")"));
  }

  @Test
  void anInputDirectoryThatIsALinkIsAuditedThroughIt() throws Exception {
    Path in = VisitLines.write(dir.resolve("in/a.jsonl"), visits(1, 3)).getParent();
    Path inLink = Files.createSymbolicLink(dir.resolve("in-link"), in);
    load(POSTGRES, inLink);

    Audit.Result result = audit(inLink);

    assertThat(result.listed(), is(1L));
    assertThat(result.loaded(), is(1L));
    assertThat(result.gaps(), is(0L));
  }

  @Test
  void anEmptyDirectoryOrAMissingOnesPrefixHasNoGap() throws Exception {
    Files.createDirectories(dir.resolve("empty"));
    for (String input : List.of(dir.resolve("empty").toString(), dir.resolve("nothing-here") + "/")) {
      String pattern = VisitPipeline.pattern(input);
      Audit.Result result = Audit.run(options(input), pattern, POSTGRES.writer(),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

      assertThat(input, result.listed(), is(0L));
      assertThat(input, result.gaps(), is(0L));
    }
  }

  /** A mistyped path would otherwise audit as "no gap", which it is not (LocalPatterns). */
  @Test
  void aMissingPathWithoutWildcardsIsRefusedNotAuditedAsNoGap() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> audit(dir.resolve("nothing-here")));

    assertThat(refused.getMessage(), startsWith("--visitsInput (or FIELDFLOW_VISITS) "
        + dir.resolve("nothing-here") + ": no such file or directory"));
  }

  private static String version(Path file) throws Exception {
    return "size:" + Files.size(file) + ",mtime:" + file.toFile().lastModified();
  }
}
