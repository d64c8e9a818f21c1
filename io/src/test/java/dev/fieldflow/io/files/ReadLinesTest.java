package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadLinesTest {
  @TempDir Path dir;

  private static List<String> split(String content) throws IOException {
    List<String> lines = new ArrayList<>();
    ReadLines.splitLines(
        new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)),
        (n, bytes, length) -> lines.add(n + ":" + new String(bytes, 0, length, StandardCharsets.UTF_8)));
    return lines;
  }

  @Test
  void aFinalLineWithoutTerminatorCounts() throws IOException {
    assertThat(split("a\nb"), contains("1:a", "2:b"));
  }

  @Test
  void anEmptyStreamHasNoLines() throws IOException {
    assertThat(split(""), empty());
  }

  @Test
  void aTrailingNewlineDoesNotMakeAnExtraLine() throws IOException {
    assertThat(split("a\n\nb\n"), contains("1:a", "2:", "3:b"));
  }

  private Path write(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }

  private WithFailures.Result<PCollection<SourceLine>, RejectedLine> read(TestPipeline p) {
    return p.apply(FileIO.match().filepattern(dir.resolve("*").toString()))
        .apply(FileIO.readMatches().withCompression(Compression.AUTO))
        .apply(ReadLines.create());
  }

  @Test
  void crlfBomAndBlankLinesAreNormalizedAndLineNumbersKept(TestPipeline p) throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = "first\r\n\r\n   \r\nsecond\r\nthird".getBytes(StandardCharsets.UTF_8);
    byte[] content = new byte[bom.length + body.length];
    System.arraycopy(bom, 0, content, 0, bom.length);
    System.arraycopy(body, 0, content, bom.length, body.length);
    String file = write("crlf.txt", content).toString();

    WithFailures.Result<PCollection<SourceLine>, RejectedLine> result = read(p);

    PAssert.that(result.output())
        .containsInAnyOrder(
            new SourceLine(file, 1, "first"),
            new SourceLine(file, 4, "second"),
            new SourceLine(file, 5, "third"));
    PAssert.that(result.failures()).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void gzipFilesAreDecompressedByExtension(TestPipeline p) throws IOException {
    Path file = dir.resolve("visits.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
    }

    PAssert.that(read(p).output())
        .containsInAnyOrder(
            new SourceLine(file.toString(), 1, "one"), new SourceLine(file.toString(), 2, "two"));
    p.run().waitUntilFinish();
  }

  @Test
  void anEmptyFileYieldsNoLines(TestPipeline p) throws IOException {
    write("empty.jsonl", new byte[0]);

    WithFailures.Result<PCollection<SourceLine>, RejectedLine> result = read(p);

    PAssert.that(result.output()).empty();
    PAssert.that(result.failures()).empty();
    p.run().waitUntilFinish();
  }

  @Test
  void aLineThatIsNotUtf8IsRejectedWithBadEncoding(TestPipeline p) throws IOException {
    byte[] content = {'o', 'k', '\n', 'b', (byte) 0xC3, (byte) 0x28, 'd', '\n'};
    String file = write("latin.jsonl", content).toString();

    WithFailures.Result<PCollection<SourceLine>, RejectedLine> result = read(p);

    PAssert.that(result.output()).containsInAnyOrder(new SourceLine(file, 1, "ok"));
    PAssert.that(result.failures())
        .satisfies(
            rejects -> {
              List<RejectedLine> all = new ArrayList<>();
              rejects.forEach(all::add);
              assertThat(all.size(), equalTo(1));
              assertThat(all.get(0).reason(), equalTo(RejectReason.BAD_ENCODING));
              assertThat(all.get(0).message(), equalTo("line is not valid UTF-8 at byte 2 (c3);"
                  + " re-export the file as UTF-8"));
              assertThat(all.get(0).lineNumber(), equalTo(2L));
              assertThat(all.get(0).file(), equalTo(file));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aTenMegabyteSingleLineIsReadWholeWhenTheLineLimitAllowsIt(TestPipeline p)
      throws IOException {
    String big = "x".repeat(10 * 1024 * 1024);
    String file = write("big.jsonl", (big + "\n").getBytes(StandardCharsets.UTF_8)).toString();

    PCollection<SourceLine> lines =
        p.apply(FileIO.match().filepattern(dir.resolve("*").toString()))
            .apply(FileIO.readMatches())
            .apply(ReadLines.create().withLimits(new ReadLimits(16 << 20, 1L << 32, 200)))
            .output();

    PAssert.that(lines)
        .satisfies(
            read -> {
              List<SourceLine> all = new ArrayList<>();
              read.forEach(all::add);
              assertThat(all.size(), equalTo(1));
              assertThat(all.get(0).file(), equalTo(file));
              assertThat(all.get(0).text().length(), equalTo(big.length()));
              return null;
            });
    p.run().waitUntilFinish();
  }

  @Test
  void aLineOverTheDefaultMebibyteIsAFailureOfTheTransformAsLineTooLong(TestPipeline p)
      throws IOException {
    String file = write("big.jsonl",
        ("ok\n" + "x".repeat(1024 * 1024 + 1) + "\n").getBytes(StandardCharsets.UTF_8)).toString();

    WithFailures.Result<PCollection<SourceLine>, RejectedLine> result = read(p);

    PAssert.that(result.output()).containsInAnyOrder(new SourceLine(file, 1, "ok"));
    PAssert.that(result.failures())
        .satisfies(
            rejects -> {
              List<RejectedLine> all = new ArrayList<>();
              rejects.forEach(all::add);
              assertThat(all.size(), equalTo(1));
              assertThat(all.get(0).reason(), equalTo(RejectReason.LINE_TOO_LONG));
              assertThat(all.get(0).lineNumber(), equalTo(2L));
              assertThat(all.get(0).originalLength(), equalTo(1024 * 1024 + 1));
              assertThat(all.get(0).rawText().length(), equalTo(RejectedLine.MAX_RAW_CHARS));
              return null;
            });
    p.run().waitUntilFinish();
  }
}
