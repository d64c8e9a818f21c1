package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's file: a small .gz holding one 300 MB line, read in a JVM with a 64 MB heap, where
 * holding the line whole would die of OutOfMemoryError.
 */
class HugeLineInSmallHeapTest {
  private static final int LINE_BYTES = 300 * 1000 * 1000;

  @TempDir static Path dir;
  private static Path file;

  @BeforeAll
  static void writeTheFile() throws IOException {
    file = writeOneLineOf(LINE_BYTES, "one-huge-line.jsonl.gz");
  }

  /** A .gz of one line of {@code lineBytes} x's, then a short line. */
  private static Path writeOneLineOf(int lineBytes, String name) throws IOException {
    Path written = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(written), 1 << 16) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      byte[] block = new byte[1 << 20];
      Arrays.fill(block, (byte) 'x');
      for (int done = 0; done < lineBytes; done += block.length) {
        out.write(block, 0, Math.min(block.length, lineBytes - done));
      }
      out.write("\n{\"after\": true}\n".getBytes(StandardCharsets.UTF_8));
    }
    return written;
  }

  private static List<String> readInSmallHeap(String ratio) throws Exception {
    return readInSmallHeap(file, ReadLimits.DEFAULT_MAX_LINE_BYTES, ratio);
  }

  private static List<String> readInSmallHeap(Path file, int maxLineBytes, String ratio)
      throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(java.toString(), "-Xmx64m", "-cp",
        System.getProperty("java.class.path"), ReadOneFile.class.getName(), file.toString(),
        String.valueOf(maxLineBytes),
        String.valueOf(ReadLimits.DEFAULT_MAX_DECOMPRESSED_BYTES), ratio)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS), is(true));
    assertThat(out, process.exitValue(), is(0));
    return out.lines().toList();
  }

  @Test
  void aThreeHundredMegabyteLineIsLineTooLongAndTheNextLineIsReadInA64MegabyteHeap()
      throws Exception {
    assertThat(readInSmallHeap("2000"),
        is(List.of("reject 1 line_too_long " + LINE_BYTES, "line 2 15")));
  }

  /**
   * A line within the largest --maxLineBytes (256 MiB) that the heap cannot hold: a 100 MB line
   * killed a 512 MB pipeline with OutOfMemoryError; here in 64 MB, whose lines are read whole up
   * to 4 MiB (1/16 of the heap), it is quarantined and the next line read.
   */
  @Test
  void aLineWithinMaxLineBytesButPastWhatTheHeapHoldsIsLineTooLong() throws Exception {
    int lineBytes = 100 * 1000 * 1000;
    Path hundred = writeOneLineOf(lineBytes, "one-100mb-line.jsonl.gz");

    assertThat(readInSmallHeap(hundred, ReadLimits.MAX_LINE_BYTES_ALLOWED, "5000"),
        is(List.of("reject 1 line_too_long " + lineBytes, "line 2 15")));
  }

  @Test
  void withTheDefaultLimitsTheSameFileIsRefusedForItsCompressionRatio() throws Exception {
    assertThat(readInSmallHeap(String.valueOf(ReadLimits.DEFAULT_MAX_COMPRESSION_RATIO)),
        is(List.of("refused compression_ratio")));
  }
}
