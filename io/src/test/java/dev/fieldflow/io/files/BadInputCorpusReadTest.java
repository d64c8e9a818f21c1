package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input corpus of {@code test-data/bad-input}, read by {@link ReadLines} and parsed by
 * {@link VisitParser}, gives exactly the outcomes its {@code *.expected.tsv} files list.
 */
class BadInputCorpusReadTest {
  private static final Path CORPUS =
      Path.of("..", "test-data", "bad-input").toAbsolutePath().normalize();

  /** {@code <line>:<ok or code>} for each data line of the file, in order. */
  private static List<String> outcomes(Path file) throws IOException {
    List<String> outcomes = new ArrayList<>();
    ReadLines.LineReceiver receiver = new ReadLines.LineReceiver() {
      @Override
      public void line(SourceLine line) {
        ParseResult<Visit> result = VisitParser.parse(line);
        if (result instanceof ParseResult.Rejected<Visit> rejected) {
          outcomes.add(line.lineNumber() + ":" + rejected.line().reason().code());
        } else if (result instanceof ParseResult.Parsed<Visit>) {
          outcomes.add(line.lineNumber() + ":ok");
        }
      }

      @Override
      public void badEncoding(RejectedLine rejected) {
        outcomes.add(rejected.lineNumber() + ":" + rejected.reason().code());
      }
    };
    ReadLimits limits = ReadLimits.defaults();
    try (InputStream in = ReadLines.open(file.toString(), limits)) {
      ReadLines.read(in, file.toString(), receiver, limits);
    }
    return outcomes;
  }

  private static List<String> expectedLines(String tsv) throws IOException {
    List<String> rows = Files.readAllLines(CORPUS.resolve(tsv));
    List<String> expected = new ArrayList<>();
    for (String row : rows.subList(1, rows.size())) {
      expected.add(row.replace('\t', ':'));
    }
    return expected;
  }

  @ParameterizedTest
  @MethodSource("lineFiles")
  void everyLineOfALineLevelCaseGetsItsExpectedOutcome(String name) throws IOException {
    String tsv = name.substring(0, name.lastIndexOf('.')) + ".expected.tsv";

    assertThat(outcomes(CORPUS.resolve(name)), equalTo(expectedLines(tsv)));
  }

  static Stream<String> lineFiles() {
    return Stream.of("visits-bad.jsonl", "visits-bad-encoding.jsonl");
  }

  /** One row of {@code files.expected.tsv}: a whole-file case. */
  record FileCase(String file, String outcome, String detail) {
    @Override
    public String toString() {
      return file + " " + outcome + " " + detail;
    }
  }

  static List<FileCase> fileCases() throws IOException {
    List<String> rows = Files.readAllLines(CORPUS.resolve("files.expected.tsv"));
    List<FileCase> cases = new ArrayList<>();
    for (String row : rows.subList(1, rows.size())) {
      String[] cells = row.split("\t");
      cases.add(new FileCase(cells[0], cells[1], cells[2]));
    }
    return cases;
  }

  @ParameterizedTest
  @MethodSource("fileCases")
  void everyWholeFileCaseIsIgnoredFailedOrReadAsListed(FileCase c) throws IOException {
    Path file = CORPUS.resolve("files").resolve(c.file());
    boolean ingested = IngestibleFileNames.defaults().isIngested(file.toString());
    switch (c.outcome()) {
      case "ignored" -> assertThat(ingested, is(false));
      case "failed" -> {
        assertThat(ingested, is(true));
        FileRejectedException e = assertThrows(FileRejectedException.class, () -> outcomes(file));
        assertThat(e.reasonCode(), is(c.detail()));
      }
      case "read" -> {
        assertThat(ingested, is(true));
        assertThat(String.join(",", outcomes(file)), is(c.detail()));
      }
      default -> throw new AssertionError("unknown outcome " + c.outcome());
    }
  }

  /**
   * Two reasons have no file in the corpus: the 4 GiB limit (too large to commit), and {@code
   * not_a_file}, since git cannot hold a named pipe ({@code ReadLinesLimitsAndShapesTest}
   * makes one).
   */
  @Test
  void theCorpusHasACaseOfEveryWholeFileReasonButTheFourGibibyteLimitAndThePipe() throws IOException {
    List<String> failed = new ArrayList<>();
    fileCases().stream().filter(c -> c.outcome().equals("failed")).forEach(c -> failed.add(c.detail()));
    for (FileRejectedException.Reason reason : FileRejectedException.Reason.values()) {
      if (reason != FileRejectedException.Reason.DECOMPRESSION_LIMIT
          && reason != FileRejectedException.Reason.NOT_A_FILE) {
        assertThat(reason.code(), failed.contains(reason.code()), is(true));
      }
    }
  }
}
