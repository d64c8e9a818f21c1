package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed sample is exactly what the command in sample/README.md writes. */
class SampleTest {

  private static final Path SAMPLE = Path.of("sample");
  private static final String COMMAND_PREFIX =
      "java -cp test-data/target/classes dev.fieldflow.testdata.Generate ";

  @TempDir Path dir;

  /** The documented command's arguments, read from the README. */
  private static Generate.Command documentedCommand() throws IOException {
    List<String> commands = Files.readAllLines(SAMPLE.resolve("README.md")).stream()
        .filter(l -> l.startsWith(COMMAND_PREFIX)).toList();
    assertThat("one generate command in sample/README.md", commands, hasSize(1));
    List<String> args =
        Arrays.asList(commands.get(0).substring(COMMAND_PREFIX.length()).trim().split(" +"));
    Generate.Command command = Generate.parse(args);
    assertThat(command.out(), is(Path.of("test-data/sample")));
    return command;
  }

  private static Set<String> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      Set<String> files = new TreeSet<>();
      walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(p -> !p.equals("README.md")).forEach(files::add);
      return files;
    }
  }

  @Test
  void sampleOnDiskIsWhatTheDocumentedCommandWrites() throws IOException {
    Dataset.generate(documentedCommand().params()).writeTo(dir);

    assertThat(files(SAMPLE), equalTo(files(dir)));
    for (String path : files(dir)) {
      byte[] expected = Files.readAllBytes(dir.resolve(path));
      byte[] actual = Files.readAllBytes(SAMPLE.resolve(path));
      if (path.endsWith(".gz")) {
        // Compressed bytes may differ between zlib builds; the content may not.
        expected = RawText.gunzip(expected);
        actual = RawText.gunzip(actual);
      }
      assertThat(path + " differs from what the documented command writes; regenerate it",
          actual, equalTo(expected));
    }
  }

  @Test
  void sampleShowsEveryQuirkAndEveryRejectReason() throws IOException {
    Manifest manifest = Dataset.generate(documentedCommand().params()).manifest();

    Manifest.QuirkCounts q = manifest.quirks();
    assertThat(List.of(q.dateKeyWithoutColon(), q.bareIntegers(), q.dateTimes(), q.noteArrays(),
        q.extraFields(), q.compactLines(), q.reorderedKeys(), q.emptyNotes(),
        q.notesWithRepeatedTokens(), q.identicalResends(), q.rerenderedResends(),
        q.changedResends(), q.hardCaseResends(), q.bomFiles(), q.crlfFiles(), q.gzipFiles(),
        q.filesWithoutFinalNewline()), everyItem(greaterThan(0L)));
    assertThat(manifest.visits().blankLines(), greaterThan(0L));
    for (RejectCode code : BadVisitLines.CODES) {
      assertThat(code.code(), manifest.visits().rejects().get(code), greaterThan(0L));
    }
    assertThat(manifest.network().rejects().get(RejectCode.BAD_NODE), greaterThan(0L));
    assertThat(manifest.network().selfLoops(), greaterThan(0L));
    assertThat(manifest.network().repeatedEdges(), greaterThan(0L));
    assertThat(manifest.network().singleTokenLines(), greaterThan(0L));
    assertThat(manifest.hardCases(), hasSize(34));
    assertThat(manifest.visits().files(), is(3));
  }
}
