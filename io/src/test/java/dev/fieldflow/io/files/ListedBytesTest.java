package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import com.github.luben.zstd.ZstdOutputStream;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file appended to in place after it was listed is read as the version that was listed: its
 * bytes up to its listed size, cut at its last complete line. A probe appended lines while a
 * file loaded: the version counted every line there when it was read, and the line being
 * written at the listing was quarantined as not_json though the next version loaded it.
 */
class ListedBytesTest {
  @TempDir Path dir;

  private static List<String> lines(Path file, long listedSize) throws IOException {
    List<String> lines = new ArrayList<>();
    ReadLines.LineReceiver receiver = new ReadLines.LineReceiver() {
      @Override
      public void line(SourceLine line) {
        lines.add(line.lineNumber() + ":" + line.text());
      }

      @Override
      public void badEncoding(RejectedLine rejected) {
        lines.add(rejected.lineNumber() + ":" + rejected.reason().code());
      }
    };
    try (InputStream in = ReadLines.open(file.toString(), listedSize, ReadLimits.defaults())) {
      ReadLines.read(in, file.toString(), receiver);
    }
    return lines;
  }

  private static void append(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardOpenOption.APPEND);
  }

  @Test
  void aFileThatGrewIsReadUpToTheLastCompleteLineOfItsListedSize() throws IOException {
    Path file = dir.resolve("growing.jsonl");
    Files.writeString(file, "{\"a\":1}\n{\"a\":2}\n{\"a\":");
    long listed = Files.size(file);
    append(file, "3}\n{\"a\":4}\n");

    assertThat(lines(file, listed), contains("1:{\"a\":1}", "2:{\"a\":2}"));
    assertThat("the next version, listed whole", lines(file, Files.size(file)),
        contains("1:{\"a\":1}", "2:{\"a\":2}", "3:{\"a\":3}", "4:{\"a\":4}"));
  }

  /** A probe's line of 150 KB was cut at its listed 100,000 bytes and quarantined as not_json. */
  @Test
  void aLineBeingWrittenLongerThanAWindowIsLeftWholeToTheNextVersion() throws IOException {
    Path file = dir.resolve("long.jsonl");
    String longLine = "{\"a\":\"" + "x".repeat(3 * ListedBytes.WINDOW) + "\"}";
    Files.writeString(file, "{\"a\":1}\n" + longLine.substring(0, 2 * ListedBytes.WINDOW + 7));
    long listed = Files.size(file);
    append(file, longLine.substring(2 * ListedBytes.WINDOW + 7) + "\n");

    assertThat(lines(file, listed), contains("1:{\"a\":1}"));
  }

  @Test
  void aListedVersionOfOnlyALineBeingWrittenHasNoLines() throws IOException {
    Path file = dir.resolve("first-line.jsonl");
    Files.writeString(file, "{\"a\":");
    long listed = Files.size(file);
    append(file, "1}\n");

    assertThat(lines(file, listed), is(empty()));
  }

  @Test
  void aFileThatDidNotGrowKeepsItsLastLineWithoutALineEnd() throws IOException {
    Path file = dir.resolve("done.jsonl");
    Files.writeString(file, "{\"a\":1}\n{\"a\":2}");

    assertThat(lines(file, Files.size(file)), contains("1:{\"a\":1}", "2:{\"a\":2}"));
  }

  @Test
  void aCompressedFileThatGrewIsReadAsItIsNow() throws IOException {
    Path file = dir.resolve("grown.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write("{\"a\":1}\n{\"a\":2}\n".getBytes(StandardCharsets.UTF_8));
    }
    long listed = Files.size(file) - 5; // listed while its last bytes were being written

    assertThat(lines(file, listed), contains("1:{\"a\":1}", "2:{\"a\":2}"));
  }

  @Test
  void aZstdFileWithoutItsNameThatGrewIsReadAsItIsNow() throws IOException {
    Path file = dir.resolve("grown-zstd.jsonl");
    try (OutputStream out = new ZstdOutputStream(Files.newOutputStream(file))) {
      out.write("{\"a\":1}\n{\"a\":2}\n".getBytes(StandardCharsets.UTF_8));
    }
    long listed = Files.size(file) - 5;

    assertThat(lines(file, listed), contains("1:{\"a\":1}", "2:{\"a\":2}"));
  }

  @Test
  void theListedSizeIsTheVersionsOwnOrNoneForAnEtag() {
    assertThat(FileVersion.sizeBytes("size:1234,mtime:99"), is(OptionalLong.of(1234)));
    assertThat(FileVersion.sizeBytes("etag:abc"), is(OptionalLong.empty()));
  }
}
