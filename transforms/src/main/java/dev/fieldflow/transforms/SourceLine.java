package dev.fieldflow.transforms;

import java.util.Objects;

/**
 * One line of a raw input file, with where it came from: the unit every parser takes.
 *
 * @param file the file's full path or URI, as matched ({@code s3://bucket/visits/a.jsonl})
 * @param lineNumber 1-based physical line number in the (decompressed) file
 * @param text the line without its terminator ({@code \n} or {@code \r\n}) and without a
 *     leading byte-order mark
 */
public record SourceLine(String file, long lineNumber, String text) {
  public SourceLine {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(text, "text");
  }

  /** {@code file:line}, the prefix of every message about this line. */
  public String location() {
    return file + ":" + lineNumber;
  }
}
