package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The limits and whole-file rules of {@link ReadLines#open} and {@link ReadLines#read}. */
class ReadLinesLimitsAndShapesTest {
  private static final String VISIT =
      "{\"task_id\": \"TASK1\", \"node_id\": \"NODE2\", \"visit_id\": 1}";

  @TempDir Path dir;

  /** What a read gave: accepted lines as {@code n:text}, rejects as {@code n:code}. */
  private static final class Collected implements ReadLines.LineReceiver {
    final List<String> lines = new ArrayList<>();
    final List<RejectedLine> rejects = new ArrayList<>();

    @Override
    public void line(SourceLine line) {
      lines.add(line.lineNumber() + ":" + line.text());
    }

    @Override
    public void badEncoding(RejectedLine rejected) {
      rejects.add(rejected);
    }

    List<String> rejectCodes() {
      List<String> codes = new ArrayList<>();
      rejects.forEach(r -> codes.add(r.lineNumber() + ":" + r.reason().code()));
      return codes;
    }
  }

  private Path write(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }

  private Path write(String name, String content) throws IOException {
    return write(name, content.getBytes(StandardCharsets.UTF_8));
  }

  private Path gzip(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  private static Collected read(Path file, ReadLimits limits) throws IOException {
    Collected collected = new Collected();
    try (InputStream in = ReadLines.open(file.toString(), limits)) {
      ReadLines.read(in, file.toString(), collected, limits);
    }
    return collected;
  }

  private static Collected read(Path file) throws IOException {
    return read(file, ReadLimits.defaults());
  }

  private static FileRejectedException refused(Path file, ReadLimits limits) {
    return assertThrows(FileRejectedException.class, () -> read(file, limits));
  }

  // --- line_too_long

  @Test
  void aLineLongerThanTheLimitIsRejectedAsLineTooLongAndReadingResumesAfterIt()
      throws IOException {
    Path file = write("long.jsonl", "first\n" + "y".repeat(250) + "\nlast\n");

    Collected read = read(file, new ReadLimits(100, 1 << 20, 200));

    assertThat(read.lines, contains("1:first", "3:last"));
    assertThat(read.rejectCodes(), contains("2:line_too_long"));
    RejectedLine reject = read.rejects.get(0);
    assertThat(reject.rawText(), is("y".repeat(100)));
    assertThat(reject.originalLength(), is(250));
    assertThat(reject.message(), is("line is 250 bytes, more than the limit of 100; its first 100"
        + " bytes are kept; split the record or raise --maxLineBytes"));
  }

  @Test
  void aLineOfExactlyTheLimitIsReadAndItsCrlfDoesNotCount() throws IOException {
    Path file = write("exact.jsonl", "abcd\r\nabcde\r\nabc");

    Collected read = read(file, new ReadLimits(4, 1 << 20, 200));

    assertThat(read.lines, contains("1:abcd", "3:abc"));
    assertThat(read.rejectCodes(), contains("2:line_too_long"));
  }

  @Test
  void aTooLongLineKeepsItsFirst64KibibytesAndItsLength() throws IOException {
    Path file = write("long.jsonl", "z".repeat(200_000) + "\n");

    Collected read = read(file, new ReadLimits(100_000, 1 << 20, 200));

    RejectedLine reject = read.rejects.get(0);
    assertThat(reject.rawText(), is("z".repeat(65_536)));
    assertThat(reject.originalLength(), is(200_000));
  }

  @Test
  void aTooLongLastLineWithoutTerminatorIsRejectedToo() throws IOException {
    Path file = write("tail.jsonl", "ok\n" + "q".repeat(30));

    Collected read = read(file, new ReadLimits(10, 1 << 20, 200));

    assertThat(read.lines, contains("1:ok"));
    assertThat(read.rejectCodes(), contains("2:line_too_long"));
  }

  @Test
  void aReceiverThatOverridesRejectedGetsTooLongLinesThereNotInBadEncoding() throws IOException {
    Path file = write("long.jsonl", "w".repeat(20) + "\n");
    List<String> viaRejected = new ArrayList<>();
    List<String> viaBadEncoding = new ArrayList<>();
    ReadLines.LineReceiver receiver = new ReadLines.LineReceiver() {
      @Override
      public void line(SourceLine line) {}

      @Override
      public void badEncoding(RejectedLine rejected) {
        viaBadEncoding.add(rejected.reason().code());
      }

      @Override
      public void rejected(RejectedLine rejected) {
        viaRejected.add(rejected.reason().code());
      }
    };
    ReadLimits limits = new ReadLimits(10, 1 << 20, 200);
    try (InputStream in = ReadLines.open(file.toString(), limits)) {
      ReadLines.read(in, file.toString(), receiver, limits);
    }

    assertThat(viaRejected, contains("line_too_long"));
    assertThat(viaBadEncoding, empty());
  }

  // --- what is not a regular file

  /** Opening a named pipe blocks until a writer comes: it is refused before it is opened. */
  @Test
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aNamedPipeOrADeviceIsRefusedAsNotAFileWithoutBeingOpened() throws Exception {
    Path pipe = dir.resolve("pipe.jsonl");
    Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor(), is(0));

    for (String path : List.of(pipe.toString(), "file://" + pipe, "/dev/zero")) {
      FileRejectedException e = assertThrows(FileRejectedException.class,
          () -> ReadLines.open(path, ReadLimits.defaults()).close());

      assertThat(e.reasonCode(), is("not_a_file"));
      assertThat(e.getMessage(), startsWith(path + ": not_a_file: it is a named pipe, a socket or"
          + " a device, not a regular file; "));
    }
  }

  // --- gzip bombs and gzip detection

  @Test
  void aGzipFileThatDecompressesPastTheLimitFailsWithoutBeingReadToItsEnd() throws IOException {
    StringBuilder content = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      content.append(VISIT).append('\n');
    }
    Path file = gzip("big.jsonl.gz", content.toString());
    Collected collected = new Collected();
    ReadLimits limits = new ReadLimits(1 << 20, 10_000, 200);

    FileRejectedException e = assertThrows(FileRejectedException.class, () -> {
      try (InputStream in = ReadLines.open(file.toString(), limits)) {
        ReadLines.read(in, file.toString(), collected, limits);
      }
    });

    assertThat(e.reasonCode(), is("decompression_limit"));
    assertThat(e.getMessage(), startsWith(file + ": decompression_limit: decompresses to more"
        + " than 10000 bytes; "));
    assertThat(collected.lines.size(), lessThan(1000));
  }

  @Test
  void aGzipBombFailsWithCompressionRatioAfterTheFirstMebibytesNotAtItsEnd() throws IOException {
    Path file = dir.resolve("bomb.jsonl.gz");
    String line = "x".repeat(1023) + "\n";
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 64 * 1024; i++) {
        out.write(bytes);
      }
    }

    Collected collected = new Collected();
    ReadLimits limits = ReadLimits.defaults();

    FileRejectedException e = assertThrows(FileRejectedException.class, () -> {
      try (InputStream in = ReadLines.open(file.toString(), limits)) {
        ReadLines.read(in, file.toString(), collected, limits);
      }
    });

    assertThat(e.reasonCode(), is("compression_ratio"));
    assertThat("lines read before the bomb was refused", collected.lines.size(),
        lessThan(16 * 1024));
  }

  @Test
  void aSmallFileIsNotJudgedByItsRatioBeforeTheFirstEightMebibytes() throws IOException {
    StringBuilder content = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      content.append("{\"task_id\": \"TASK").append(i * 7919L % 10007).append("\"}\n");
    }

    Collected read = read(gzip("ok.jsonl.gz", content.toString()), new ReadLimits(1 << 20, 1 << 20, 2));

    assertThat(read.lines.size(), is(100));
  }

  @Test
  void gzipContentIsDecompressedByItsMagicBytesWithoutAGzName() throws IOException {
    Path file = gzip("visits-without-extension.jsonl", "one\ntwo\n");

    assertThat(read(file).lines, contains("1:one", "2:two"));
  }

  @Test
  void aGzNameWhoseContentIsNotGzipFailsAsNotGzip() throws IOException {
    Path file = write("plain.jsonl.gz", VISIT + "\n");

    FileRejectedException e = refused(file, ReadLimits.defaults());

    assertThat(e.reasonCode(), is("not_gzip"));
    assertThat(e.getMessage(), is(file + ": not_gzip: it is named .gz but starts with 7b 22, not"
        + " gzip's 1f 8b; re-send it gzip-compressed, or without .gz in its name if it is plain"
        + " text"));
  }

  @Test
  void anEmptyGzFileHasNoLines() throws IOException {
    Collected read = read(write("empty.jsonl.gz", new byte[0]));

    assertThat(read.lines, empty());
    assertThat(read.rejects, empty());
  }

  // --- whole-file formats read correctly

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16LE", "UTF-16BE"})
  void utf16BehindItsByteOrderMarkIsReadAsText(String charset) throws IOException {
    Charset utf16 = Charset.forName(charset);
    byte[] bom = charset.endsWith("LE") ? new byte[] {(byte) 0xFF, (byte) 0xFE}
        : new byte[] {(byte) 0xFE, (byte) 0xFF};
    byte[] text = (VISIT + "\r\n{\"note\": \"é €\"}\n").getBytes(utf16);
    byte[] content = new byte[bom.length + text.length];
    System.arraycopy(bom, 0, content, 0, bom.length);
    System.arraycopy(text, 0, content, bom.length, text.length);

    Collected read = read(write("utf16.jsonl", content));

    assertThat(read.lines, contains("1:" + VISIT, "2:{\"note\": \"é €\"}"));
    assertThat(read.rejects, empty());
  }

  /** {@code text} in UTF-16 of {@code charset} behind its byte-order mark, then {@code tail}. */
  private static byte[] utf16File(String charset, String text, byte... tail) {
    Charset utf16 = Charset.forName(charset);
    byte[] bom = charset.endsWith("LE") ? new byte[] {(byte) 0xFF, (byte) 0xFE}
        : new byte[] {(byte) 0xFE, (byte) 0xFF};
    // getBytes would replace a lone surrogate: each char is written as its two bytes.
    byte[] content = new byte[bom.length + 2 * text.length() + tail.length];
    System.arraycopy(bom, 0, content, 0, bom.length);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int at = bom.length + 2 * i;
      content[at] = (byte) (utf16 == StandardCharsets.UTF_16LE ? c : c >> 8);
      content[at + 1] = (byte) (utf16 == StandardCharsets.UTF_16LE ? c >> 8 : c);
    }
    System.arraycopy(tail, 0, content, bom.length + 2 * text.length(), tail.length);
    return content;
  }

  @ParameterizedTest
  @CsvSource({
    "UTF-16LE, '{\"note\": \"a\ud800\"}', 'character 12 (a lone surrogate d800)'",
    "UTF-16BE, '{\"note\": \"\udc00b\"}', 'character 11 (a lone surrogate dc00)'",
    "UTF-16LE, '{\"note\": \"\ud83d\ud83d\ude00\"}', 'character 11 (a lone surrogate d83d)'",
  })
  void aLoneSurrogateInUtf16MakesItsLineBadEncodingAndNoOther(String charset, String bad,
      String where) throws IOException {
    Collected read = read(write("utf16.jsonl",
        utf16File(charset, VISIT + "\n" + bad + "\n{\"note\": \"\ud83d\ude00\"}\n")));

    assertThat(read.lines, contains("1:" + VISIT, "3:{\"note\": \"\ud83d\ude00\"}"));
    assertThat(read.rejectCodes(), contains("2:bad_encoding"));
    assertThat(read.rejects.get(0).message(),
        is("line is not valid UTF-16 at " + where + "; re-export the file as UTF-8"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16LE", "UTF-16BE"})
  void anOddLastByteOfUtf16IsALineOfBadEncoding(String charset) throws IOException {
    Collected read = read(write("utf16.jsonl", utf16File(charset, VISIT + "\n", (byte) '{')));

    assertThat(read.lines, contains("1:" + VISIT));
    assertThat(read.rejectCodes(), contains("2:bad_encoding"));
    assertThat(read.rejects.get(0).message(), is("line is not valid UTF-16 at character 1 (an odd"
        + " last byte: UTF-16 takes two bytes a character); re-export the file as UTF-8"));
  }

  @Test
  void crOnlyLineEndsSplitLinesAndKeepLineNumbers() throws IOException {
    Path file = write("mac.jsonl", "a\rb\r\rc\r");

    assertThat(read(file).lines, contains("1:a", "2:b", "4:c"));
  }

  @Test
  void crOnlyLineEndsAcrossReadChunksAndMixedCrlfCountEachLineOnce() throws IOException {
    // The \r of line 2 is the last byte of the first 64 KiB read, its \n the first of the next.
    String second = "p".repeat(64 * 1024 - 3);
    Path file = write("mac.jsonl", "a\r" + second + "\r\nq\rr\r\ns");

    List<String> lines = read(file).lines;

    assertThat(lines.size(), is(5));
    assertThat(lines.get(1).equals("2:" + second), is(true));
    assertThat(lines.subList(2, 5), contains("3:q", "4:r", "5:s"));
  }

  @Test
  void aBareCarriageReturnEndsALineInAFileOfOtherLineEndsToo() throws IOException {
    // Mixed line ends: the first line ends in \n, later ones in \r\n or a bare \r.
    Path file = write("mixed.jsonl", "a\nb\r\nc\rd\r\re\n");

    assertThat(read(file).lines, contains("1:a", "2:b", "3:c", "4:d", "6:e"));
  }

  // --- whole-file formats refused as one file

  @ParameterizedTest
  @ValueSource(strings = {"[\n  {\"task_id\": \"TASK1\"},\n  {\"task_id\": \"TASK2\"}\n]\n",
      "[{\"task_id\": \"TASK1\"},\n{\"task_id\": \"TASK2\"}]\n", "\n\n  [\n"})
  void aJsonArrayOverManyLinesFailsAsJsonArray(String content) throws IOException {
    FileRejectedException e = refused(write("array.json", content), ReadLimits.defaults());

    assertThat(e.reasonCode(), is("json_array"));
  }

  @Test
  void aJsonArrayOnOneLineIsOneRejectForTheParserNotARefusedFile() throws IOException {
    Path file = write("one.jsonl", "[1, 2]\n" + VISIT + "\n");

    assertThat(read(file).lines, contains("1:[1, 2]", "2:" + VISIT));
  }

  /**
   * An 80 KB one-line array ends past the 64 KiB looked at: whether it ends with ']' is not
   * known there, so the file is not refused, and its visit on line 2 is read.
   */
  @Test
  void aOneLineJsonArrayLongerThanTheBytesLookedAtIsReadLineByLine() throws IOException {
    String array = "[" + "1,".repeat(40_000) + "1]";
    String visit = "{\"task_id\": \"TASK9201\", \"node_id\": \"NODE487\", \"visit_id\": 1,"
        + " \"visit_date:\": \"2019-10-03\", \"original_reported_date\": \"2019-09-16\","
        + " \"node_age\": 23, \"node_type\": \"TYPE2\", \"task_type\": \"TASK6\","
        + " \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"196 195 150\","
        + " \"outcome\": \"SUCCESS\"}";
    Path file = write("long-array.jsonl", array + "\n" + visit + "\n");

    Collected read = read(file);

    assertThat(read.lines, contains("1:" + array, "2:" + visit));
    assertThat(read.rejects, empty());
    ParseResult<Visit> first = VisitParser.parse(new SourceLine(file.toString(), 1, array));
    assertThat(((ParseResult.Rejected<Visit>) first).line().reason(), is(RejectReason.NOT_OBJECT));
    ParseResult<Visit> second = VisitParser.parse(new SourceLine(file.toString(), 2, visit));
    assertThat(second instanceof ParseResult.Parsed<Visit>, is(true));
  }

  @Test
  void prettyPrintedJsonFailsAsPrettyJson() throws IOException {
    Path file = write("pretty.json", "\uFEFF{\n  \"task_id\": \"TASK1\",\n  \"visit_id\": 1\n}\n");

    FileRejectedException e = refused(file, ReadLimits.defaults());

    assertThat(e.reasonCode(), is("pretty_json"));
  }

  @Test
  void aCsvFileFailsAsCsvNamingItsHeader() throws IOException {
    Path file = write("visits.csv", "task_id,node_id,visit_id\nTASK1,NODE2,1\n");

    FileRejectedException e = refused(file, ReadLimits.defaults());

    assertThat(e.reasonCode(), is("csv"));
    assertThat(e.getMessage(), is(file + ": csv: its first line 'task_id,node_id,visit_id' looks"
        + " like CSV (values between commas), not a JSON object nor a line of an adjacency list;"
        + " re-export visits as JSON lines (one object per line), a network as an adjacency list"
        + " (nodes separated by spaces)"));
  }

  @Test
  void csvBehindACommentHeaderFailsAsCsvNamingItsFirstDataLine() throws IOException {
    Path file = write("network.adjlist", "# exported, by a tool\nnode,adj\n1,2\n2,3\n");

    FileRejectedException e = refused(file, ReadLimits.defaults());

    assertThat(e.reasonCode(), is("csv"));
    assertThat(e.getMessage(), containsString("its first line 'node,adj' looks like CSV"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-32LE", "UTF-32BE"})
  void utf32BehindItsByteOrderMarkFailsAsNotTextNamingUtf32(String charset) throws IOException {
    Path file = write("utf32.jsonl", ("\uFEFF" + VISIT + "\n").getBytes(Charset.forName(charset)));

    FileRejectedException refused = refused(file, ReadLimits.defaults());

    assertThat(refused.reasonCode(), is("not_text"));
    assertThat(refused.getMessage(), containsString("byte-order mark of UTF-32 "
        + charset.substring(6)));
  }

  @Test
  void utf16WithoutByteOrderMarkFailsAsNotText() throws IOException {
    Path file = write("utf16.jsonl", (VISIT + "\n").getBytes(StandardCharsets.UTF_16LE));

    assertThat(refused(file, ReadLimits.defaults()).reasonCode(), is("not_text"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"task_id\": \"TASK1\", \"node_id\": \"NODE2\"}\nnot json, at all\n",
      "{\"task_id\": \"TASK1\"\n",
      "garbage, with a comma\n{\"task_id\": \"TASK1\"}\n",
      "# written by networkx, on a Tuesday\nNODE1 NODE2\n",
      "NODE500 NODE501  # backbone link, added 2020\nNODE501 NODE502\n",
      "7 8 #, a comment of commas only\n",
      "NODE1 NODE2 NODE3\nNODE2 NODE3\n",
      "{ \"task_id\": \"TASK1\" }\n"})
  void jsonLinesAndAdjacencyListsAreNeverRefusedAsAWhole(String content) throws IOException {
    Collected read = read(write("fine.jsonl", content));

    assertThat(read.rejects, empty());
    assertThat(read.lines.size(), is((int) content.lines().count()));
  }

  /** Where in the line the bytes went wrong, and which bytes: the producer can find them. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "6e 6f 74 65 20 e9 74 e9 | at byte 6 (e9)",
      "c3 a9 c3 a9 f0 9f 98 | at byte 5 (f0 9f 98)",
      "61 ed a0 80 62 | at byte 2 (ed a0 80)",
      "61 ff 62 | at byte 2 (ff)",
  })
  void aLineThatIsNotUtf8SaysAtWhichByteAndWhatItHolds(String bytes, String where)
      throws IOException {
    String[] hex = bytes.split(" ");
    byte[] content = new byte[hex.length + 1];
    for (int i = 0; i < hex.length; i++) {
      content[i] = (byte) Integer.parseInt(hex[i], 16);
    }
    content[hex.length] = '\n';

    Collected read = read(write("bad.jsonl", content));

    assertThat(read.rejectCodes(), contains("1:bad_encoding"));
    assertThat(read.rejects.get(0).message(), is("line is not valid UTF-8 " + where
        + "; re-export the file as UTF-8"));
  }

  @Test
  void aLineOfValidMultiByteUtf8IsReadAsItsText() throws IOException {
    Collected read = read(write("ok.jsonl", "caf\u00e9 \ud83d\ude00 \u4e2d\n"));

    assertThat(read.lines, contains("1:caf\u00e9 \ud83d\ude00 \u4e2d"));
    assertThat(read.rejects, empty());
  }
}
