package dev.fieldflow.transforms;

import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One line of a raw input file, with where it came from: the unit every parser takes.
 *
 * @param file the file's full path or URI, as matched ({@code s3://bucket/visits/a.jsonl})
 * @param lineNumber 1-based physical line number in the (decompressed) file
 * @param text the line without its terminator ({@code \n} or {@code \r\n}) and without a
 *     leading byte-order mark
 */
@DefaultCoder(SourceLineCoder.class)
public record SourceLine(String file, long lineNumber, String text) {
  public SourceLine {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(text, "text");
  }

  /**
   * The text the parsers read: without a leading byte-order mark. The reader strips it
   * already; the parsers do not rely on that.
   */
  String textWithoutByteOrderMark() {
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /** {@code file:line}, the prefix of every message about this line. */
  public String location() {
    return file + ":" + lineNumber;
  }
}
