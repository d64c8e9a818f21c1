package dev.fieldflow.transforms;

/**
 * What a line parser made of one line: a value, a rejected line, or nothing at all for a line
 * that carries no data and no error (blank, or only a comment).
 *
 * @param <T> the parsed value's type
 */
public sealed interface ParseResult<T> {

  /** The line held a valid record. */
  record Parsed<T>(T value) implements ParseResult<T> {}

  /** The line was rejected; {@code line} says why. */
  record Rejected<T>(RejectedLine line) implements ParseResult<T> {}

  /** The line is blank or only a comment: neither a record nor a reject. */
  record Ignored<T>() implements ParseResult<T> {}

  static <T> ParseResult<T> parsed(T value) {
    return new Parsed<>(value);
  }

  static <T> ParseResult<T> rejected(RejectedLine line) {
    return new Rejected<>(line);
  }

  static <T> ParseResult<T> ignored() {
    return new Ignored<>();
  }
}
