package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.io.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gzip whose own bytes do not decompress is refused as a whole ({@code corrupt_gzip}), since
 * the same bytes fail the same way at every attempt; an error of the source that holds the bytes
 * stays an ordinary I/O error, which the ingestion retries.
 */
class CorruptGzipTest {
  private static final String VISIT = "{\"task_id\": \"TASK9201\", \"node_id\": \"NODE487\","
      + " \"visit_id\": 1, \"visit_date:\": \"2019-10-03\", \"original_reported_date\":"
      + " \"2019-09-16\", \"node_age\": 23, \"node_type\": \"TYPE2\", \"task_type\": \"TASK6\","
      + " \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"196 195 150\","
      + " \"outcome\": \"SUCCESS\"}";

  private static final String WHAT_TO_DO =
      "; re-upload it as a complete gzip file (gzip -t checks one before it is sent)";

  @TempDir Path dir;

  /** Two visit lines, gzip-compressed: what the corrupt files below are made from. */
  private static byte[] gzipOfTwoVisits() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write((VISIT + "\n" + VISIT.replace("TASK9201", "TASK9202") + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private Path write(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** Every line of the file as {@code n:text}, read through {@link ReadLines#open}. */
  private static List<String> lines(Path file) throws IOException {
    return lines(file.toString(), ReadLines.open(file.toString(), ReadLimits.defaults()));
  }

  private static List<String> lines(String path, InputStream opened) throws IOException {
    List<String> lines = new ArrayList<>();
    try (InputStream in = opened) {
      ReadLines.read(in, path, new ReadLines.LineReceiver() {
        @Override
        public void line(SourceLine line) {
          lines.add(line.lineNumber() + ":" + line.text());
        }

        @Override
        public void badEncoding(RejectedLine rejected) {
          lines.add(rejected.lineNumber() + ":" + rejected.reason().code());
        }
      }, ReadLimits.defaults());
    }
    return lines;
  }

  private static FileRejectedException refused(Path file) {
    FileRejectedException e = assertThrows(FileRejectedException.class, () -> lines(file));
    assertThat(e.reasonCode(), is("corrupt_gzip"));
    return e;
  }

  @Test
  void aTruncatedGzipIsRefusedAsCorruptSayingWhereItEnds() throws IOException {
    byte[] whole = gzipOfTwoVisits();
    Path file = write("visits.jsonl.gz", Arrays.copyOf(whole, whole.length / 2));

    FileRejectedException e = refused(file);

    assertThat(e.getMessage(), is(file + ": corrupt_gzip: it is truncated: its gzip stream ends"
        + " unfinished after its " + whole.length / 2 + " bytes (EOFException)" + WHAT_TO_DO));
  }

  @Test
  void aFileOfOnlyGzipsMagicBytesIsATruncatedGzip() throws IOException {
    Path file = write("visits.jsonl.gz", new byte[] {0x1f, (byte) 0x8b});

    FileRejectedException e = refused(file);

    assertThat(e.getMessage(), is(file + ": corrupt_gzip: it is truncated: its gzip stream ends"
        + " unfinished after its 2 bytes (EOFException)" + WHAT_TO_DO));
  }

  @Test
  void aGzipWhoseChecksumDoesNotMatchIsRefusedAsCorrupt() throws IOException {
    byte[] bytes = gzipOfTwoVisits();
    bytes[bytes.length - 8] ^= 0x01; // the trailer's CRC32, first byte
    Path file = write("visits.jsonl.gz", bytes);

    FileRejectedException e = refused(file);

    assertThat(e.getMessage(), is(file + ": corrupt_gzip: its gzip checksum (CRC32) does not"
        + " match its content, found within its first " + bytes.length + " compressed bytes"
        + " (IOException: Gzip-compressed data is corrupt (CRC32 error))" + WHAT_TO_DO));
  }

  @Test
  void trailingBytesAfterAGzipStreamAreRefusedAsCorrupt() throws IOException {
    byte[] bytes = concat(gzipOfTwoVisits(), "not gzip\n".getBytes(StandardCharsets.US_ASCII));
    Path file = write("visits.jsonl.gz", bytes);

    FileRejectedException e = refused(file);

    assertThat(e.getMessage(), is(file + ": corrupt_gzip: it has data after the end of its gzip"
        + " stream that is not gzip (trailing bytes or padding; gzip -t tolerates zero padding"
        + " there, fieldflow does not), found within its first "
        + bytes.length + " compressed bytes (IOException: Garbage after a valid .gz stream)"
        + WHAT_TO_DO));
  }

  @Test
  void aKibibyteOfZeroPaddingAfterAGzipStreamIsRefusedAsCorrupt() throws IOException {
    Path file = write("visits.jsonl.gz", concat(gzipOfTwoVisits(), new byte[1024]));

    FileRejectedException e = refused(file);

    assertThat(e.getMessage(), containsString(": corrupt_gzip: it has data"
        + " after the end of its gzip stream that is not gzip (trailing bytes or padding; gzip -t"
        + " tolerates zero padding there, fieldflow does not)"));
  }

  @Test
  void aPlainFileThatStartsWithGzipsMagicBytesIsRefusedForItsHeader() throws IOException {
    // Sniffed as gzip whatever its name: 1f 8b, then 'h' (104) where gzip has its method, 8.
    byte[] bytes = concat(new byte[] {0x1f, (byte) 0x8b},
        ("hello, this is not gzip\n" + VISIT + "\n").getBytes(StandardCharsets.US_ASCII));
    Path file = write("visits.jsonl", bytes);

    FileRejectedException e = refused(file);

    assertThat(e.getMessage(), is(file + ": corrupt_gzip: its gzip header is not valid (a file of"
        + " another kind may start with gzip's magic bytes 1f 8b) (IOException: Unsupported"
        + " compression method 104 in the .gz header)" + WHAT_TO_DO));
  }

  @Test
  void concatenatedGzipMembersAreOneValidFile() throws IOException {
    byte[] bytes = gzipOfTwoVisits();
    Path file = write("visits.jsonl.gz", concat(bytes, bytes));

    assertThat(lines(file).size(), is(4));
  }

  // --- the source's own errors stay transient

  private static IOException sourceFailureAfter(Path file, long n) throws IOException {
    InputStream source = new FailingAfter(Files.newInputStream(file), n);
    return assertThrows(IOException.class, () -> lines(file.toString(),
        ReadLines.open(file.toString(), Channels.newChannel(source), ReadLimits.defaults())));
  }

  @Test
  void aSourceErrorInTheMiddleOfAGzipIsNotCorruption() throws IOException {
    Path file = write("visits.jsonl.gz", gzipOfTwoVisits());

    IOException e = sourceFailureAfter(file, 40);

    assertThat(e, not(instanceOf(FileRejectedException.class)));
    assertThat(e, instanceOf(SocketException.class));
    assertThat(e.getMessage(), is("Connection reset"));
  }

  @Test
  void aSourceErrorInAGzipHeaderIsNotCorruption() throws IOException {
    Path file = write("visits.jsonl.gz", gzipOfTwoVisits());

    IOException e = sourceFailureAfter(file, 2);

    assertThat(e, instanceOf(SocketException.class));
  }

  @Test
  void theSameBytesFromASourceThatDoesNotFailReadWhole() throws IOException {
    Path file = write("visits.jsonl.gz", gzipOfTwoVisits());
    InputStream source = new FailingAfter(Files.newInputStream(file), Long.MAX_VALUE);

    List<String> lines = lines(file.toString(),
        ReadLines.open(file.toString(), Channels.newChannel(source), ReadLimits.defaults()));

    assertThat(lines, contains("1:" + VISIT, "2:" + VISIT.replace("TASK9201", "TASK9202")));
  }

  @Test
  void aSourceThatEndedBeforeItsSizeEndedEarlyNotTheFile() throws IOException {
    // A local file that grew after its end was read: the gzip was not truncated, its read was.
    byte[] whole = gzipOfTwoVisits();
    Path file = write("visits.jsonl.gz", Arrays.copyOf(whole, whole.length / 2));
    try (CountingInputStream compressed = new CountingInputStream(FileChannel.open(file))) {
      compressed.readAllBytes();
      assertThat(compressed.endedBeforeItsSize(), is(false));

      Files.write(file, Arrays.copyOfRange(whole, whole.length / 2, whole.length),
          StandardOpenOption.APPEND);

      assertThat(compressed.endedBeforeItsSize(), is(true));
      assertThat(DecompressionGuard.judged(new EOFException(), compressed,
          Compression.GZIP, file.toString()),
          not(instanceOf(FileRejectedException.class)));
    }
  }
}
