package dev.fieldflow.io.files;

import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.FileIO;
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
 * <p>In: readable files (compression decided by {@link FileIO#readMatches()}, gzip by
 * extension). Out: one {@link SourceLine} per non-blank line, its terminator ({@code \n} or
 * {@code \r\n}) removed and a UTF-8 byte-order mark at the start of the file dropped; and, as
 * failures, lines whose bytes are not valid UTF-8 ({@code bad_encoding}). Blank lines are
 * skipped and not counted as rejects, as the data contract says.
 *
 * <p>Lines are streamed, never the whole file held: a file of any size reads in the memory of
 * its longest line.
 */
public final class ReadLines
    extends PTransform<PCollection<FileIO.ReadableFile>, WithFailures.Result<PCollection<SourceLine>, RejectedLine>> {

  private static final TupleTag<SourceLine> LINES = new TupleTag<>() {};
  private static final TupleTag<RejectedLine> BAD_ENCODING = new TupleTag<>() {};

  public static ReadLines create() {
    return new ReadLines();
  }

  private ReadLines() {}

  @Override
  public WithFailures.Result<PCollection<SourceLine>, RejectedLine> expand(
      PCollection<FileIO.ReadableFile> files) {
    PCollectionTuple out =
        files.apply(
            "SplitIntoLines",
            ParDo.of(new ReadLinesFn()).withOutputTags(LINES, TupleTagList.of(BAD_ENCODING)));
    return WithFailures.Result.of(out.get(LINES), out.get(BAD_ENCODING));
  }

  /** Splits one file into lines; the visible unit of work per file in the runner's UI. */
  static final class ReadLinesFn extends DoFn<FileIO.ReadableFile, SourceLine> {
    private final Counter filesRead = Metrics.counter(ReadLines.class, "files_read");
    private final Counter linesRead = Metrics.counter(ReadLines.class, "lines_read");
    private final Counter blankLines = Metrics.counter(ReadLines.class, "blank_lines");
    private final Counter badEncoding = Metrics.counter(ReadLines.class, "bad_encoding_lines");

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
              badEncoding.inc();
              out.get(BAD_ENCODING).output(rejected);
            }

            @Override
            public void blank() {
              blankLines.inc();
            }
          };
      try (InputStream in = Channels.newInputStream(file.open())) {
        read(in, path, receiver);
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

    /** A non-blank line whose bytes are not valid UTF-8, as a {@code bad_encoding} reject. */
    void badEncoding(RejectedLine rejected);

    /** A blank line: neither data nor a reject. */
    default void blank() {}
  }

  /**
   * Reads the (already decompressed) content of the file {@code path} by the rules of this
   * transform, calling {@code receiver} once per physical line. For callers that read a file
   * inside their own {@code DoFn}, e.g. to keep per-file counts or to survive unreadable files.
   */
  public static void read(InputStream in, String path, LineReceiver receiver) throws IOException {
    splitLines(in, (lineNumber, bytes, length) -> decode(path, lineNumber, bytes, length, receiver));
  }

  private static void decode(
      String path, long lineNumber, byte[] bytes, int length, LineReceiver receiver) {
    int start = (lineNumber == 1 && startsWithBom(bytes, length)) ? 3 : 0;
    int end = length;
    if (end > start && bytes[end - 1] == '\r') {
      end--;
    }
    if (isBlank(bytes, start, end)) {
      receiver.blank();
      return;
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      String text = decoder.decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
      receiver.line(new SourceLine(path, lineNumber, text));
    } catch (CharacterCodingException e) {
      String lossy = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      SourceLine line = new SourceLine(path, lineNumber, lossy);
      receiver.badEncoding(
          RejectedLine.of(
              line, RejectReason.BAD_ENCODING, "line is not valid UTF-8; re-export the file as UTF-8"));
    }
  }

  /** Receives each physical line's bytes (terminator {@code \n} removed, {@code \r} kept). */
  interface LineSink {
    void accept(long lineNumber, byte[] bytes, int length);
  }

  /**
   * Calls {@code sink} once per physical line of {@code in}. A final line without a
   * terminator counts; an empty stream has no lines.
   */
  static void splitLines(InputStream in, LineSink sink) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    GrowableBytes line = new GrowableBytes();
    long lineNumber = 0;
    int n;
    while ((n = in.read(chunk)) > 0) {
      int from = 0;
      for (int i = 0; i < n; i++) {
        if (chunk[i] == '\n') {
          line.write(chunk, from, i - from);
          sink.accept(++lineNumber, line.buffer(), line.size());
          line.reset();
          from = i + 1;
        }
      }
      line.write(chunk, from, n - from);
    }
    if (line.size() > 0) {
      sink.accept(++lineNumber, line.buffer(), line.size());
    }
  }

  private static boolean startsWithBom(byte[] bytes, int length) {
    return length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
        && (bytes[2] & 0xFF) == 0xBF;
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

  /** A byte buffer whose backing array is reused across lines. */
  private static final class GrowableBytes extends ByteArrayOutputStream {
    GrowableBytes() {
      super(256);
    }

    byte[] buffer() {
      return buf;
    }
  }
}
