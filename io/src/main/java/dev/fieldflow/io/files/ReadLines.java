package dev.fieldflow.io.files;

import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads files line by line, keeping each line's file and 1-based line number.
 *
 * <p>In: matched files, opened by {@link #open} (gzip by its magic bytes or by extension, the
 * other compressions Beam knows by extension). Out: one {@link SourceLine} per non-blank line,
 * its terminator removed and a UTF-8 byte-order mark at the start of the file dropped; and, as
 * failures, lines whose bytes are not valid UTF-8 ({@code bad_encoding}) and lines longer than
 * {@link ReadLimits#maxLineBytes()} ({@code line_too_long}). Blank lines are skipped and not
 * counted as rejects, as the data contract says.
 *
 * <p>Read correctly where the meaning is unambiguous: a line ends at {@code \n}, {@code \r\n} or
 * a bare {@code \r}, in any mix (as Spark's JSON reader splits by default); UTF-16 (LE or BE)
 * behind its byte-order mark, decoded to the same text as UTF-8 (a line with a lone surrogate,
 * or an odd last byte, is {@code bad_encoding} as invalid UTF-8 is). Refused as a whole, with
 * a {@link FileRejectedException} naming the reason: a compressed file past the {@link
 * ReadLimits}, a {@code .gz} file that is not gzip, a compressed file whose own bytes do not
 * decompress (truncated, a checksum error, trailing data; an error of the source reading them is
 * not one, and is retried), a compression this build cannot decompress, and a file that is not
 * lines of text ({@link FileShape}).
 *
 * <p>Lines are streamed, never the whole file held, and a line is held only up to the line
 * limit: a file of any size, with lines of any length, reads in a few MiB.
 */
public final class ReadLines
    extends PTransform<PCollection<FileIO.ReadableFile>, WithFailures.Result<PCollection<SourceLine>, RejectedLine>> {

  private static final TupleTag<SourceLine> LINES = new TupleTag<>() {};
  private static final TupleTag<RejectedLine> REJECTED = new TupleTag<>() {};

  /** Bytes of a too-long line kept as its raw text: what the quarantine keeps of any line. */
  static final int KEPT_BYTES_OF_LONG_LINE = RejectedLine.MAX_RAW_CHARS;

  private static final byte[] GZIP_MAGIC = {(byte) 0x1f, (byte) 0x8b};

  /** A zstd frame's magic number, as its first four bytes. */
  private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};

  /**
   * The compression {@code head} (a file's first bytes, at least 4 when it has them) starts
   * with the magic bytes of: gzip or zstd, which are known by their content whatever the name;
   * null for any other content.
   */
  static Compression compressionByMagic(byte[] head) {
    if (head.length >= GZIP_MAGIC.length
        && Arrays.equals(head, 0, GZIP_MAGIC.length, GZIP_MAGIC, 0, GZIP_MAGIC.length)) {
      return Compression.GZIP;
    }
    if (head.length >= ZSTD_MAGIC.length
        && Arrays.equals(head, 0, ZSTD_MAGIC.length, ZSTD_MAGIC, 0, ZSTD_MAGIC.length)) {
      return Compression.ZSTD;
    }
    return null;
  }

  /** A zip's first local file header, and the end record that is all of an empty zip. */
  private static final byte[] ZIP_ENTRY = {'P', 'K', 3, 4};
  private static final byte[] ZIP_EMPTY = {'P', 'K', 5, 6};

  private final ReadLimits limits;

  /** Reads with {@link ReadLimits#defaults()}. */
  public static ReadLines create() {
    return new ReadLines(ReadLimits.defaults());
  }

  /** The same transform reading with {@code limits}. */
  public ReadLines withLimits(ReadLimits limits) {
    return new ReadLines(limits);
  }

  private ReadLines(ReadLimits limits) {
    this.limits = limits;
  }

  @Override
  public WithFailures.Result<PCollection<SourceLine>, RejectedLine> expand(
      PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files.apply(
            "SplitIntoLines",
            ParDo.of(new ReadLinesFn(limits)).withOutputTags(LINES, TupleTagList.of(REJECTED)));
    return WithFailures.Result.of(out.get(LINES), out.get(REJECTED));
  }

  /** Splits one file into lines; the visible unit of work per file in the runner's UI. */
  static final class ReadLinesFn extends DoFn<FileIO.ReadableFile, SourceLine> {
    private final Counter filesRead = Metrics.counter(ReadLines.class, "files_read");
    private final Counter linesRead = Metrics.counter(ReadLines.class, "lines_read");
    private final Counter blankLines = Metrics.counter(ReadLines.class, "blank_lines");
    private final Counter badEncoding = Metrics.counter(ReadLines.class, "bad_encoding_lines");
    private final Counter tooLong = Metrics.counter(ReadLines.class, "line_too_long_lines");
    private final ReadLimits limits;

    ReadLinesFn(ReadLimits limits) {
      this.limits = limits;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws IOException {
      String path = FileVersion.path(file.getMetadata());
      LineReceiver receiver =
          new LineReceiver() {
            @Override
            public void line(SourceLine line) {
              linesRead.inc();
              out.get(LINES).output(line);
            }

            @Override
            public void badEncoding(RejectedLine rejected) {
              linesRead.inc();
              (rejected.reason() == RejectReason.LINE_TOO_LONG ? tooLong : badEncoding).inc();
              out.get(REJECTED).output(rejected);
            }

            @Override
            public void blank() {
              blankLines.inc();
            }
          };
      try (InputStream in = open(path, limits)) {
        read(in, path, receiver, limits);
      } catch (FileRejectedException e) {
        throw e;
      } catch (IOException e) {
        throw new IOException(path + ": cannot read the file: " + e.getMessage(), e);
      }
      filesRead.inc();
    }
  }

  /** What {@link #read} makes of each physical line of a file. */
  public interface LineReceiver {
    /** A non-blank line, decoded. */
    void line(SourceLine line);

    /**
     * A non-blank line that is rejected before any parser sees it: {@code bad_encoding} (bytes
     * that are not UTF-8) and, unless {@link #rejected} is overridden, {@code line_too_long}.
     */
    void badEncoding(RejectedLine rejected);

    /**
     * Any line the reader rejects ({@code bad_encoding}, {@code line_too_long}); the reason is in
     * the line. By default it goes to {@link #badEncoding}, so receivers written before {@code
     * line_too_long} existed see it there.
     */
    default void rejected(RejectedLine rejected) {
      badEncoding(rejected);
    }

    /** A blank line: neither data nor a reject. */
    default void blank() {}
  }

  /**
   * A local path that exists but is not a regular file or a directory (Beam lists a directory
   * as such and never opens it): opening a named pipe blocks until a writer comes, and a device
   * streams forever, so either would hold its worker, and the files queued behind it, for good.
   */
  private static void refuseSpecialFile(String path) throws FileRejectedException {
    Optional<String> local = LocalPatterns.localPath(path);
    if (local.isEmpty()) {
      return; // not a local file: an object store has no pipes or devices
    }
    Path file;
    try {
      file = Path.of(local.get());
    } catch (InvalidPathException e) {
      return; // Beam's open says what is wrong with it
    }
    if (Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file)) {
      throw new FileRejectedException(path, FileRejectedException.Reason.NOT_A_FILE,
          "it is a named pipe, a socket or a device, not a regular file",
          "give the files' directory or a glob; fieldflow reads regular files only");
    }
  }

  /**
   * Opens the file {@code path} (local or {@code s3://}) through Beam's {@code FileSystems},
   * decompressed: gzip or zstd when its content starts with their magic bytes, whatever its
   * name; the other compressions Beam knows (bzip2, zip, ...) by extension. A compressed file
   * is guarded by {@code limits} and fails with a {@link FileRejectedException} past them.
   *
   * @throws FileRejectedException ({@code not_gzip}) if the name ends in {@code .gz} but the
   *     content is not gzip: a truncated upload or a misnamed file is not guessed at; ({@code
   *     not_a_file}) if a local path is a named pipe or a device, which are not opened at all;
   *     ({@code corrupt_gzip}) if a gzip header is not valid, ({@code corrupt_compressed}) that
   *     of another compression; ({@code unsupported_compression}) if Beam's decompressor for
   *     its name is not on the class path (lzo); a file corrupt further on is refused
   *     ({@code corrupt_gzip}, {@code corrupt_compressed}) by the read of the returned stream
   *     that reaches it
   */
  public static InputStream open(String path, ReadLimits limits) throws IOException {
    refuseSpecialFile(path);
    return open(path, FileSystems.open(FileSystems.matchNewResource(path, false)), limits);
  }

  /**
   * {@link #open(String, ReadLimits)} of the version of {@code path} that was listed at {@code
   * listedSize} bytes: when a plain file has grown since (appended to in place), only its bytes
   * up to its last complete line within that size ({@link ListedBytes}).
   */
  public static InputStream open(String path, long listedSize, ReadLimits limits)
      throws IOException {
    refuseSpecialFile(path);
    ReadableByteChannel source = FileSystems.open(FileSystems.matchNewResource(path, false));
    try {
      source = ListedBytes.asListed(path, source, listedSize);
    } catch (IOException | RuntimeException e) {
      source.close();
      throw e;
    }
    return open(path, source, limits);
  }

  /**
   * {@link #open(String, ReadLimits)} of the bytes of {@code path} read from {@code source}, which
   * is closed with the stream returned (or at once if this throws).
   */
  static InputStream open(String path, ReadableByteChannel source, ReadLimits limits)
      throws IOException {
    CountingInputStream compressed = new CountingInputStream(source);
    BufferedInputStream in = new BufferedInputStream(compressed);
    try {
      in.mark(ZIP_ENTRY.length);
      byte[] head = in.readNBytes(ZIP_ENTRY.length);
      in.reset();
      byte[] first = Arrays.copyOf(head, Math.min(head.length, GZIP_MAGIC.length));
      // gzip and zstd are known by their magic bytes, whatever the name says (a producer's
      // compressed file without its extension); the other formats by their names.
      Compression byMagic = compressionByMagic(head);
      boolean gzipMagic = byMagic == Compression.GZIP;
      Compression compression = byMagic != null ? byMagic : Compression.detect(path);
      if (compression == Compression.GZIP && !gzipMagic && first.length > 0) {
        throw new FileRejectedException(path, FileRejectedException.Reason.NOT_GZIP,
            "it is named .gz but starts with " + hex(first) + ", not gzip's 1f 8b",
            "re-send it gzip-compressed, or without .gz in its name if it is plain text");
      }
      if (compression == Compression.UNCOMPRESSED || first.length == 0) {
        return in;
      }
      if (compression == Compression.ZIP && !Arrays.equals(head, ZIP_ENTRY)
          && !Arrays.equals(head, ZIP_EMPTY)) {
        // Beam's zip reader takes a file without a first entry for an empty zip, and reads
        // nothing: a truncated upload or a misnamed file would be done with no lines.
        throw new FileRejectedException(path, FileRejectedException.Reason.CORRUPT_COMPRESSED,
            "its zip header is not valid: it starts with " + hex(head) + ", not a zip's 50 4b 03"
                + " 04 (or 50 4b 05 06 of an empty zip)",
            "re-upload it as a complete zip file (unzip -t checks one before it is sent)");
      }
      InputStream decompressed;
      try {
        // Beam's gzip reads the header here: a corrupt one fails now, not at the first read.
        decompressed =
            Channels.newInputStream(compression.readDecompressed(Channels.newChannel(in)));
      } catch (IOException e) {
        throw DecompressionGuard.judged(e, compressed, compression, path);
      } catch (RuntimeException e) {
        throw DecompressionGuard.refusalOr(e, compressed, compression, path);
      } catch (NoClassDefFoundError e) {
        // Beam declares these decompressors "provided": the same file fails the same way until
        // the library is on the class path, so it is refused, not retried (nor a crashed reader).
        throw new FileRejectedException(path, FileRejectedException.Reason.UNSUPPORTED_COMPRESSION,
            "it is " + DecompressionGuard.formatName(compression) + "-compressed (by its name),"
                + " which this build of fieldflow cannot decompress: its decompressor's library is"
                + " not in fieldflow's jar",
            "re-send it gzip-, bzip2- or zstd-compressed, or add the decompressor's library to the"
                + " pipelines' jar");
      }
      return new DecompressionGuard(decompressed, compressed, compression, path, limits);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  private static String hex(byte[] bytes) {
    return hex(bytes, 0, bytes.length);
  }

  /** {@link #read(InputStream, String, LineReceiver, ReadLimits)} with the default limits. */
  public static void read(InputStream in, String path, LineReceiver receiver) throws IOException {
    read(in, path, receiver, ReadLimits.defaults());
  }

  /**
   * Reads the (already decompressed, e.g. by {@link #open}) content of the file {@code path} by
   * the rules of this transform, calling {@code receiver} once per physical line. For callers
   * that read a file inside their own {@code DoFn}, e.g. to keep per-file counts or to survive
   * unreadable files.
   *
   * @throws FileRejectedException if the file is refused as a whole: for its shape (see {@link
   *     FileShape}) before any line reaches {@code receiver}; past a limit of the stream {@link
   *     #open} returned, after the lines read until then, which the caller must discard with
   *     the file
   */
  public static void read(InputStream in, String path, LineReceiver receiver, ReadLimits limits)
      throws IOException {
    read(in, path, receiver, limits, limits.lineLimitInThisJvm());
  }

  /** As {@link #read(InputStream, String, LineReceiver, ReadLimits)}, lines read whole up to {@code lineLimit}. */
  static void read(InputStream in, String path, LineReceiver receiver, ReadLimits limits,
      int lineLimit) throws IOException {
    BufferedInputStream bytes = new BufferedInputStream(in, FileShape.SNIFF_BYTES);
    BufferedInputStream text = asUtf8(path, bytes);
    boolean utf16 = text != bytes;
    byte[] head = new byte[FileShape.SNIFF_BYTES];
    text.mark(head.length);
    int headLength = text.readNBytes(head, 0, head.length);
    text.reset();
    FileShape.check(path, head, headLength);
    splitLines(text, lineLimit, new LineSink() {
      @Override
      public void accept(long lineNumber, byte[] bytes, int length) {
        decode(path, lineNumber, bytes, length, utf16, receiver);
      }

      @Override
      public void tooLong(long lineNumber, byte[] head, int headLength, long length) {
        receiver.rejected(tooLongLine(path, lineNumber, head, headLength, length, lineLimit, limits));
      }
    });
  }

  /**
   * {@code in} as UTF-8 bytes, buffered with room to look at its first {@link
   * FileShape#SNIFF_BYTES}: UTF-16 behind its byte-order mark is transcoded, UTF-32 behind its
   * own is refused (its mark starts as UTF-16 LE's, and it would read as NUL characters),
   * anything else passes as it is.
   */
  private static BufferedInputStream asUtf8(String path, BufferedInputStream in)
      throws IOException {
    in.mark(4);
    byte[] mark = new byte[4];
    int marked = in.readNBytes(mark, 0, 4);
    in.reset();
    String utf32 = marked < 4 ? null
        : startsWith(mark, 0xFF, 0xFE, 0x00, 0x00) ? "UTF-32 LE"
        : startsWith(mark, 0x00, 0x00, 0xFE, 0xFF) ? "UTF-32 BE" : null;
    if (utf32 != null) {
      throw new FileRejectedException(path, FileRejectedException.Reason.NOT_TEXT,
          "it starts with the byte-order mark of " + utf32 + ", which fieldflow does not read",
          "re-export it as UTF-8 text");
    }
    Charset utf16 = startsWith(mark, 0xFF, 0xFE) ? StandardCharsets.UTF_16LE
        : startsWith(mark, 0xFE, 0xFF) ? StandardCharsets.UTF_16BE : null;
    if (utf16 == null) {
      return in;
    }
    in.skipNBytes(2);
    return new BufferedInputStream(
        new Utf8Transcoding(in, utf16 == StandardCharsets.UTF_16BE), FileShape.SNIFF_BYTES);
  }

  private static boolean startsWith(byte[] bytes, int... prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if ((bytes[i] & 0xFF) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static RejectedLine tooLongLine(String path, long lineNumber, byte[] head,
      int headLength, long length, int lineLimit, ReadLimits limits) {
    int start = (lineNumber == 1 && FileShape.startsWithUtf8Bom(head, headLength)) ? 3 : 0;
    int kept = Math.min(headLength, KEPT_BYTES_OF_LONG_LINE) - start;
    String raw = new String(head, start, Math.max(0, kept), StandardCharsets.UTF_8);
    if (raw.length() > RejectedLine.MAX_RAW_CHARS) {
      raw = raw.substring(0, RejectedLine.MAX_RAW_CHARS);
    }
    int originalLength = (int) Math.min(Integer.MAX_VALUE, Math.max(length, raw.length()));
    String message = length > limits.maxLineBytes()
        ? "line is " + length + " bytes, more than the limit of " + limits.maxLineBytes()
            + "; its first " + Math.max(0, kept) + " bytes are kept; split the record or raise"
            + " --maxLineBytes"
        : "line is " + length + " bytes, more than this worker's heap lets one line take ("
            + lineLimit + " bytes, 1/" + ReadLimits.HEAP_BYTES_PER_LINE_BYTE + " of its -Xmx;"
            + " --maxLineBytes is " + limits.maxLineBytes() + "); its first " + Math.max(0, kept)
            + " bytes are kept; split the record or give the pipeline a larger heap"
            + " (FIELDFLOW_JAVA_OPTS, or the TaskManagers')";
    return new RejectedLine(path, lineNumber, raw, originalLength, RejectReason.LINE_TOO_LONG,
        message);
  }

  /** {@code utf16}: the line was transcoded from UTF-16 ({@link Utf8Transcoding}). */
  private static void decode(String path, long lineNumber, byte[] bytes, int length,
      boolean utf16, LineReceiver receiver) {
    int start = (lineNumber == 1 && FileShape.startsWithUtf8Bom(bytes, length)) ? 3 : 0;
    int end = length;
    if (end > start && bytes[end - 1] == '\r') {
      end--;
    }
    if (isBlank(bytes, start, end)) {
      receiver.blank();
      return;
    }
    if (isAscii(bytes, start, end)) {
      // Nearly every line: ASCII is valid UTF-8 as it is, and the strict decoder below would
      // only widen it to UTF-16 and narrow it back.
      receiver.line(new SourceLine(path, lineNumber,
          new String(bytes, start, end - start, StandardCharsets.US_ASCII)));
      return;
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
    // UTF-8 never decodes to more UTF-16 chars than it has bytes.
    CharBuffer out = CharBuffer.allocate(end - start);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (!result.isError()) {
      receiver.line(new SourceLine(path, lineNumber, out.flip().toString()));
      return;
    }
    String lossy = new String(bytes, start, end - start, StandardCharsets.UTF_8);
    SourceLine line = new SourceLine(path, lineNumber, lossy);
    String utf16Error = utf16 ? Utf8Transcoding.explain(bytes, in.position(), end) : null;
    receiver.rejected(RejectedLine.of(line, RejectReason.BAD_ENCODING, utf16Error != null
        ? "line is not valid UTF-16 at character " + (out.position() + 1) + " (" + utf16Error
            + "); re-export the file as UTF-8"
        : "line is not valid UTF-8 at byte " + (in.position() + 1) + " ("
            + hex(bytes, in.position(), Math.min(result.length(), 4))
            + "); re-export the file as UTF-8"));
  }

  /** {@code count} bytes from {@code offset}, as {@code c3 28}. */
  private static String hex(byte[] bytes, int offset, int count) {
    StringBuilder out = new StringBuilder();
    for (int i = offset; i < offset + count; i++) {
      out.append(i > offset ? " " : "").append(String.format(Locale.ROOT, "%02x", bytes[i] & 0xff));
    }
    return out.toString();
  }

  /** Receives each physical line's bytes (terminator removed, a {@code \r} before {@code \n} kept). */
  interface LineSink {
    void accept(long lineNumber, byte[] bytes, int length);

    /**
     * A line longer than the limit: its first {@code headLength} bytes and its whole length
     * (without the {@code \n}). By default dropped, for callers that only split.
     */
    default void tooLong(long lineNumber, byte[] head, int headLength, long length) {}
  }

  /** {@link #splitLines(InputStream, int, LineSink)} with lines of any length. */
  static void splitLines(InputStream in, LineSink sink) throws IOException {
    splitLines(in, ReadLimits.MAX_LINE_BYTES_ALLOWED, sink);
  }

  /**
   * Calls {@code sink} once per physical line of {@code in}. A final line without a
   * terminator counts; an empty stream has no lines. A line longer than {@code maxLineBytes}
   * (a {@code \r} before its {@code \n} not counted) goes to {@link LineSink#tooLong} with its
   * first bytes; the rest of it is counted and skipped, never held. A line ends at {@code \n},
   * {@code \r\n} or a bare {@code \r}: a {@code \r} in a JSON line can only be whitespace
   * between values or a control character JSON does not allow unescaped in a string, so a file
   * whose lines end in a bare {@code \r}, all or some, is read as the lines it has.
   */
  static void splitLines(InputStream in, int maxLineBytes, LineSink sink) throws IOException {
    new LineSplitter(maxLineBytes, sink).split(in);
  }

  /** A line buffer grown past this is let go after its line. */
  private static final int RETAINED_LINE_BUFFER_BYTES = 1024 * 1024;

  /** The state of {@link #splitLines}: the current line's bytes, up to the limit. */
  private static final class LineSplitter {
    private final int maxLineBytes;
    private final int capacity;
    private final LineSink sink;
    private byte[] line = new byte[256];
    private int size;
    /** Bytes of the current line so far, counted past the capacity too. */
    private long length;
    private long lineNumber;
    private boolean afterCr;

    LineSplitter(int maxLineBytes, LineSink sink) {
      this.maxLineBytes = maxLineBytes;
      this.capacity = maxLineBytes;
      this.sink = sink;
    }

    void split(InputStream in) throws IOException {
      byte[] chunk = new byte[64 * 1024];
      int n;
      while ((n = in.read(chunk)) >= 0) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          byte b = chunk[i];
          if (b != '\n' && b != '\r') {
            continue;
          }
          if (b == '\n' && afterCr && i == from) {
            // The \n of a \r\n, whose \r ended the line.
            afterCr = false;
            from = i + 1;
            continue;
          }
          append(chunk, from, i - from);
          endLine();
          afterCr = b == '\r';
          from = i + 1;
        }
        append(chunk, from, n - from);
        if (from < n) {
          afterCr = false;
        }
      }
      if (length > 0) {
        endLine();
      }
    }

    private void append(byte[] bytes, int from, int count) {
      length += count;
      int fits = Math.min(count, capacity - size);
      if (fits <= 0) {
        return;
      }
      if (size + fits > line.length) {
        line = Arrays.copyOf(line, (int) Math.min(capacity, Math.max(size + fits, 2L * line.length)));
      }
      System.arraycopy(bytes, from, line, size, fits);
      size += fits;
    }

    private void endLine() {
      lineNumber++;
      if (length > maxLineBytes) {
        sink.tooLong(lineNumber, line,
            Math.min(Math.min(size, maxLineBytes), KEPT_BYTES_OF_LONG_LINE), length);
        line = new byte[256];
      } else {
        sink.accept(lineNumber, line, size);
        if (line.length > RETAINED_LINE_BUFFER_BYTES) {
          line = new byte[256]; // one long line does not keep its buffer for the rest of the file
        }
      }
      size = 0;
      length = 0;
    }
  }

  private static boolean isAscii(byte[] bytes, int start, int end) {
    for (int i = start; i < end; i++) {
      if (bytes[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isBlank(byte[] bytes, int start, int end) {
    for (int i = start; i < end; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\f' && b != 0x0B) {
        return false;
      }
    }
    return true;
  }
}
