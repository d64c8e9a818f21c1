package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.luben.zstd.ZstdOutputStream;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.zip.DeflaterOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.beam.sdk.io.Compression;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.snappy.SnappyCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file of a compression other than gzip that Beam opens by its extension, whose own bytes do
 * not decompress, is refused as a whole ({@code corrupt_compressed}), like a corrupt gzip: the
 * same bytes fail the same way at every attempt. An error of the source stays an ordinary I/O
 * error, which the ingestion retries. The files are made by the real compressors here, then
 * cut, flipped or given a foreign header.
 */
class CorruptCompressedTest {
  private static final String VISIT = "{\"task_id\": \"TASK9201\", \"node_id\": \"NODE487\","
      + " \"visit_id\": 1, \"visit_date:\": \"2019-10-03\", \"original_reported_date\":"
      + " \"2019-09-16\", \"node_age\": 23, \"node_type\": \"TYPE2\", \"task_type\": \"TASK6\","
      + " \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"196 195 150\","
      + " \"outcome\": \"SUCCESS\"}";

  /** Two hundred visit lines, different enough that the compressed data has a middle. */
  private static final List<String> VISITS = visits();

  @TempDir Path dir;

  private static List<String> visits() {
    List<String> visits = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      visits.add(VISIT.replace("TASK9201", "TASK" + (9201 + i * 7919 % 10007))
          .replace("\"visit_id\": 1", "\"visit_id\": " + (i + 1)));
    }
    return visits;
  }

  private static byte[] text() {
    return (String.join("\n", VISITS) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private interface Compressor {
    OutputStream around(OutputStream out) throws IOException;
  }

  private static byte[] compressed(Compressor compressor) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = compressor.around(bytes)) {
      out.write(text());
    }
    return bytes.toByteArray();
  }

  private static byte[] bzip2() throws IOException {
    return compressed(BZip2CompressorOutputStream::new);
  }

  private static byte[] deflate() throws IOException {
    return compressed(DeflaterOutputStream::new);
  }

  private static byte[] zip() throws IOException {
    return compressed(out -> {
      ZipOutputStream zip = new ZipOutputStream(out);
      zip.putNextEntry(new ZipEntry("visits.jsonl"));
      return zip;
    });
  }

  private static byte[] snappy() throws IOException {
    return compressed(out -> new SnappyCompressorOutputStream(out, text().length));
  }

  private Path write(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }

  /** Four bytes from the middle of {@code bytes} flipped. */
  private static byte[] flippedInTheMiddle(byte[] bytes) {
    byte[] flipped = bytes.clone();
    for (int i = bytes.length / 2; i < bytes.length / 2 + 4; i++) {
      flipped[i] ^= 0x55;
    }
    return flipped;
  }

  /** {@code bytes} with its first eight replaced by ASCII text. */
  private static byte[] withGarbageHeader(byte[] bytes) {
    byte[] garbage = bytes.clone();
    System.arraycopy("garbage!".getBytes(StandardCharsets.US_ASCII), 0, garbage, 0, 8);
    return garbage;
  }

  /** Every line of the file as its text, read through {@link ReadLines#open}. */
  private static List<String> lines(Path file) throws IOException {
    return lines(file.toString(), ReadLines.open(file.toString(), ReadLimits.defaults()));
  }

  private static List<String> lines(String path, InputStream opened) throws IOException {
    List<String> lines = new ArrayList<>();
    try (InputStream in = opened) {
      ReadLines.read(in, path, new ReadLines.LineReceiver() {
        @Override
        public void line(SourceLine line) {
          lines.add(line.text());
        }

        @Override
        public void badEncoding(RejectedLine rejected) {
          lines.add(rejected.lineNumber() + ":" + rejected.reason().code());
        }
      }, ReadLimits.defaults());
    }
    return lines;
  }

  private static String refusal(Path file, String reason) {
    FileRejectedException e = assertThrows(FileRejectedException.class, () -> lines(file));
    assertThat(e.reasonCode(), is(reason));
    return e.getMessage();
  }

  private static String corrupt(Path file) {
    return refusal(file, "corrupt_compressed");
  }

  // --- bzip2

  private static final String BZIP2_WHAT_TO_DO =
      "; re-upload it as a complete bzip2 file (bzip2 -t checks one before it is sent)";

  @Test
  void aValidBzip2ReadsAllItsLines() throws IOException {
    assertThat(lines(write("visits.jsonl.bz2", bzip2())), is(VISITS));
  }

  @Test
  void aTruncatedBzip2IsRefusedAsCorruptSayingWhereItEnds() throws IOException {
    byte[] whole = bzip2();
    Path file = write("visits.jsonl.bz2", Arrays.copyOf(whole, whole.length / 2));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: it is truncated: its bzip2 stream"
        + " ends unfinished after its " + whole.length / 2 + " bytes (IOException: Unexpected end"
        + " of stream)" + BZIP2_WHAT_TO_DO));
  }

  @Test
  void aBzip2WithBytesFlippedInTheMiddleIsRefusedForItsChecksum() throws IOException {
    byte[] bytes = flippedInTheMiddle(bzip2());
    Path file = write("visits.jsonl.bz2", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its bzip2 checksum does not match"
        + " its content, found within its first " + bytes.length + " compressed bytes"
        + " (IOException: BZip2 CRC error)" + BZIP2_WHAT_TO_DO));
  }

  @Test
  void aBzip2WithAGarbageHeaderIsRefusedForItsHeader() throws IOException {
    Path file = write("visits.jsonl.bz2", withGarbageHeader(bzip2()));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its bzip2 header is not valid (it"
        + " may be a file of another kind under a .bz2 name) (IOException: Stream is not in the"
        + " BZip2 format)" + BZIP2_WHAT_TO_DO));
  }

  @Test
  void trailingBytesAfterABzip2StreamAreRefusedAsCorrupt() throws IOException {
    byte[] bytes = bzip2();
    bytes = Arrays.copyOf(bytes, bytes.length + 1024);
    Path file = write("visits.jsonl.bz2", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: it has data after the end of its"
        + " bzip2 stream that is not bzip2 (trailing bytes or padding), found within its first "
        + bytes.length + " compressed bytes (IOException: Garbage after a valid BZip2 stream)"
        + BZIP2_WHAT_TO_DO));
  }

  @Test
  void anEmptyBzip2IsAFileOfNoLines() throws IOException {
    assertThat(lines(write("visits.jsonl.bz2", new byte[0])), is(List.of()));
  }

  // --- deflate (zlib)

  private static final String DEFLATE_WHAT_TO_DO =
      "; re-upload it as a complete deflate (zlib) file";

  @Test
  void aValidDeflateReadsAllItsLines() throws IOException {
    assertThat(lines(write("visits.jsonl.deflate", deflate())), is(VISITS));
  }

  @Test
  void aTruncatedDeflateIsRefusedAsCorruptSayingWhereItEnds() throws IOException {
    byte[] whole = deflate();
    Path file = write("visits.jsonl.deflate", Arrays.copyOf(whole, whole.length / 2));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: it is truncated: its deflate (zlib)"
        + " stream ends unfinished after its " + whole.length / 2 + " bytes (EOFException:"
        + " Unexpected end of ZLIB input stream)" + DEFLATE_WHAT_TO_DO));
  }

  @Test
  void aDeflateWithBytesFlippedInTheMiddleIsRefusedAsNotValid() throws IOException {
    byte[] bytes = flippedInTheMiddle(deflate());
    Path file = write("visits.jsonl.deflate", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its compressed data is not valid"
        + " deflate (zlib), found within its first " + bytes.length + " compressed bytes"
        + " (ZipException: invalid distance too far back)" + DEFLATE_WHAT_TO_DO));
  }

  @Test
  void aDeflateWithAGarbageHeaderIsRefusedForItsHeader() throws IOException {
    Path file = write("visits.jsonl.deflate", withGarbageHeader(deflate()));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its deflate (zlib) header is not"
        + " valid (it may be a file of another kind under a .deflate name) (ZipException:"
        + " incorrect header check)" + DEFLATE_WHAT_TO_DO));
  }

  // --- zip

  private static final String ZIP_WHAT_TO_DO =
      "; re-upload it as a complete zip file (unzip -t checks one before it is sent)";

  @Test
  void aValidZipReadsAllItsLines() throws IOException {
    assertThat(lines(write("visits.jsonl.zip", zip())), is(VISITS));
  }

  @Test
  void aTruncatedZipIsRefusedAsCorruptSayingWhereItEnds() throws IOException {
    byte[] whole = zip();
    Path file = write("visits.jsonl.zip", Arrays.copyOf(whole, whole.length / 2));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: it is truncated: its zip stream"
        + " ends unfinished after its " + whole.length / 2 + " bytes (EOFException: Unexpected"
        + " end of ZLIB input stream)" + ZIP_WHAT_TO_DO));
  }

  @Test
  void aZipWithBytesFlippedInTheMiddleIsRefusedAsNotValid() throws IOException {
    byte[] bytes = flippedInTheMiddle(zip());
    Path file = write("visits.jsonl.zip", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its compressed data is not valid"
        + " zip, found within its first " + bytes.length + " compressed bytes (ZipException:"
        + " invalid entry size (expected 56076 but got 56266 bytes))" + ZIP_WHAT_TO_DO));
  }

  @Test
  void aZipWithAGarbageHeaderIsRefusedNotReadAsEmpty() throws IOException {
    // Beam's zip reader finds no entry in it and reads nothing: it would be done with no lines.
    Path file = write("visits.jsonl.zip", withGarbageHeader(zip()));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its zip header is not valid: it"
        + " starts with 67 61 72 62, not a zip's 50 4b 03 04 (or 50 4b 05 06 of an empty zip)"
        + ZIP_WHAT_TO_DO));
  }

  @Test
  void aZipWhoseEntryNameIsNotUtf8IsRefusedNotACrash() throws IOException {
    // Made by a Windows zip tool: names in Latin-1; Beam's reader throws IllegalArgumentException.
    byte[] bytes = compressed(out -> {
      ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.ISO_8859_1);
      zip.putNextEntry(new ZipEntry("visites-\u00e9t\u00e9.jsonl"));
      return zip;
    });
    Path file = write("visits.jsonl.zip", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: the name of an entry is not UTF-8,"
        + " which Beam's zip reader requires, found within its first " + bytes.length
        + " compressed bytes (IllegalArgumentException: malformed input off : 8, length : 3);"
        + " re-upload it as a zip whose entry names are UTF-8, or gzip-compressed"));
  }

  @Test
  void anEmptyZipIsAFileOfNoLines() throws IOException {
    ByteArrayOutputStream empty = new ByteArrayOutputStream();
    new ZipOutputStream(empty).close();

    assertThat(lines(write("visits.jsonl.zip", empty.toByteArray())), is(List.of()));
  }

  // --- snappy

  @Test
  void aValidSnappyReadsAllItsLines() throws IOException {
    assertThat(lines(write("visits.jsonl.snappy", snappy())), is(VISITS));
  }

  @Test
  void aTruncatedSnappyIsRefusedAsCorruptSayingWhereItEnds() throws IOException {
    byte[] whole = snappy();
    Path file = write("visits.jsonl.snappy", Arrays.copyOf(whole, whole.length / 2));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its snappy stream ends before the"
        + " data it announces, after its " + whole.length / 2 + " bytes: it is truncated, or a"
        + " length in it is not valid (IOException: Premature end of data); re-upload it as a"
        + " complete snappy file"));
  }

  @Test
  void aSnappyWithBytesFlippedInTheMiddleIsRefusedWhenALengthNoLongerFits() throws IOException {
    byte[] bytes = flippedInTheMiddle(snappy());
    Path file = write("visits.jsonl.snappy", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its snappy stream ends before the"
        + " data it announces, after its " + bytes.length + " bytes: it is truncated, or a"
        + " length in it is not valid (IOException: Premature end of stream reading block"
        + " start); re-upload it as a complete snappy file"));
  }

  @Test
  void aSnappyWithAGarbageHeaderIsRefusedAsNotValid() throws IOException {
    byte[] bytes = withGarbageHeader(snappy());
    Path file = write("visits.jsonl.snappy", bytes);

    assertThat(corrupt(file), is(file + ": corrupt_compressed: its compressed data is not valid"
        + " snappy, found within its first " + bytes.length + " compressed bytes (IOException:"
        + " Illegal block with bad offset found); re-upload it as a complete snappy file"));
  }

  // --- what a format cannot show: read as it decompresses, documented in INGESTING-VISITS.md

  @Test
  void aSnappyWithBytesFlippedInTheMiddleReadsOtherDataUnseen() throws IOException {
    // Beam's snappy is the raw format: no checksum to find the change by.
    byte[] bytes = snappy();
    bytes[bytes.length - 2] ^= 0x01;
    Path file = write("visits.jsonl.snappy", bytes);

    assertThat(lines(file), not(VISITS));
  }

  @Test
  void dataAfterTheEndOfADeflateStreamIsIgnored() throws IOException {
    byte[] bytes = deflate();
    Path file = write("visits.jsonl.deflate", Arrays.copyOf(bytes, bytes.length + 1024));

    assertThat(lines(file), is(VISITS));
  }

  @Test
  void aZipCutWithinItsFirstEntrysHeaderReadsAsAFileOfNoLines() throws IOException {
    // Beam's zip reader takes a header that ends early for the end of the entries.
    Path file = write("visits.jsonl.zip", Arrays.copyOf(zip(), 20));

    assertThat(lines(file), is(List.of()));
  }

  @Test
  void aZipCutAfterItsEntryReadsTheEntryWhole() throws IOException {
    // The central directory at the end is not read: the entry's own data is all there.
    byte[] bytes = zip();
    Path file = write("visits.jsonl.zip", Arrays.copyOf(bytes, bytes.length - 5));

    assertThat(lines(file), is(VISITS));
  }

  // --- zstd (zstd-jni, which Beam does not bring, is on fieldflow's class path)

  private static final String ZSTD_WHAT_TO_DO =
      "; re-upload it as a complete zstd file (zstd -t checks one before it is sent)";

  private static byte[] zstd() throws IOException {
    return compressed(ZstdOutputStream::new);
  }

  @Test
  void aZstdFileIsReadWhole() throws IOException {
    assertThat(lines(write("visits.jsonl.zst", zstd())), is(VISITS));
  }

  @Test
  void zstdContentIsDecompressedByItsMagicBytesWithoutAZstName() throws IOException {
    assertThat(lines(write("visits.jsonl", zstd())), is(VISITS));
  }

  @Test
  void aTruncatedZstdFileIsRefusedAsTruncated() throws IOException {
    byte[] whole = zstd();
    Path file = write("visits.jsonl.zst", Arrays.copyOf(whole, whole.length / 2));

    assertThat(corrupt(file), is(file + ": corrupt_compressed: it is truncated: its zstd stream"
        + " ends unfinished after its " + whole.length / 2 + " bytes (ZstdIOException:"
        + " Truncated source)" + ZSTD_WHAT_TO_DO));
  }

  @Test
  void aZstdFileWithBytesFlippedIsRefusedAsCorrupt() throws IOException {
    Path file = write("visits.jsonl.zst", flippedInTheMiddle(zstd()));

    assertThat(corrupt(file), startsWith(file + ": corrupt_compressed: "));
    assertThat(corrupt(file), endsWith(ZSTD_WHAT_TO_DO));
  }

  @Test
  void aZstdBombIsRefusedByItsRatioAfterTheFirstMebibytes() throws IOException {
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    byte[] line = ("x".repeat(1023) + "\n").getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = new ZstdOutputStream(bomb)) {
      for (int i = 0; i < 64 * 1024; i++) {
        out.write(line);
      }
    }
    Path file = write("bomb.jsonl.zst", bomb.toByteArray());

    assertThat(refusal(file, "compression_ratio"), startsWith(file + ": compression_ratio: "));
  }

  // --- compressions Beam names but this build cannot decompress

  @Test
  void anLzoFileIsRefusedAsUnsupported() throws IOException {
    Path file = write("visits.jsonl.lzo", new byte[] {1, 2, 3, 4});

    assertThat(refusal(file, "unsupported_compression"), is(file + ": unsupported_compression: it"
        + " is lzop-compressed (by its name), which this build of fieldflow cannot decompress:"
        + " its decompressor's library is not in fieldflow's jar;"
        + " re-send it gzip-, bzip2- or zstd-compressed, or add the decompressor's library to the"
        + " pipelines' jar"));
  }

  // --- the source's own errors stay transient

  private IOException sourceFailureAfter(String name, byte[] bytes, long n) throws IOException {
    Path file = write(name, bytes);
    InputStream source = new FailingAfter(Files.newInputStream(file), n);
    return assertThrows(IOException.class, () -> lines(file.toString(),
        ReadLines.open(file.toString(), Channels.newChannel(source), ReadLimits.defaults())));
  }

  @Test
  void aSourceErrorInTheMiddleOfABzip2IsNotCorruption() throws IOException {
    byte[] bytes = bzip2();

    IOException e = sourceFailureAfter("visits.jsonl.bz2", bytes, bytes.length / 2);

    assertThat(e, instanceOf(SocketException.class));
    assertThat(e.getMessage(), is("Connection reset"));
  }

  @Test
  void aSourceErrorInABzip2HeaderIsNotCorruption() throws IOException {
    assertThat(sourceFailureAfter("visits.jsonl.bz2", bzip2(), 2),
        instanceOf(SocketException.class));
  }

  @Test
  void aSourceErrorInTheMiddleOfAZipOrDeflateIsNotCorruption() throws IOException {
    byte[] zip = zip();
    byte[] deflate = deflate();

    assertThat(sourceFailureAfter("visits.jsonl.zip", zip, zip.length / 2),
        instanceOf(SocketException.class));
    assertThat(sourceFailureAfter("visits.jsonl.deflate", deflate, deflate.length / 2),
        instanceOf(SocketException.class));
  }

  @Test
  void theSameBzip2FromASourceThatDoesNotFailReadsWhole() throws IOException {
    Path file = write("visits.jsonl.bz2", bzip2());
    InputStream source = new FailingAfter(Files.newInputStream(file), Long.MAX_VALUE);

    assertThat(lines(file.toString(), ReadLines.open(file.toString(), Channels.newChannel(source),
        ReadLimits.defaults())), is(VISITS));
  }

  @Test
  void aBzip2SourceThatEndedBeforeItsSizeEndedEarlyNotTheFile() throws IOException {
    // A local file that grew after its end was read: the bzip2 was not truncated, its read was.
    byte[] whole = bzip2();
    Path file = write("visits.jsonl.bz2", Arrays.copyOf(whole, whole.length / 2));
    try (CountingInputStream compressed = new CountingInputStream(FileChannel.open(file))) {
      compressed.readAllBytes();
      Files.write(file, Arrays.copyOfRange(whole, whole.length / 2, whole.length),
          StandardOpenOption.APPEND);

      IOException truncated = new IOException("Unexpected end of stream");
      assertThat(DecompressionGuard.judged(truncated, compressed, Compression.BZIP2,
          file.toString()), is(truncated));
      assertThat(DecompressionGuard.judged(new EOFException(), compressed, Compression.ZIP,
          file.toString()), not(instanceOf(FileRejectedException.class)));
    }
  }

  @Test
  void aGzipIsStillCorruptGzip() throws IOException {
    // The gzip rules and their code are CorruptGzipTest's; only that they did not move.
    Path file = write("visits.jsonl.gz", new byte[] {0x1f, (byte) 0x8b});

    assertThat(refusal(file, "corrupt_gzip"), containsString(": corrupt_gzip: it is truncated"));
  }
}
