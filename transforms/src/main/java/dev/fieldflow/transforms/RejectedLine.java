package dev.fieldflow.transforms;

import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * A line that could not be parsed, kept with everything needed to find and fix it.
 *
 * @param file where the line came from
 * @param lineNumber 1-based line number in that file
 * @param rawText the line as read, cut to {@link #MAX_RAW_CHARS} characters, each NUL character
 *     shown as {@value #NUL_SHOWN_AS} (a PostgreSQL {@code text} cannot hold NUL)
 * @param originalLength the length of the line in characters before cutting; for {@code
 *     line_too_long}, which is never decoded whole, its length in bytes (at most {@link
 *     Integer#MAX_VALUE}; the message has the exact count)
 * @param reason why it was rejected
 * @param message a human sentence naming the field, e.g. {@code visit_date '2020-13-45' is
 *     not a calendar date}
 */
@DefaultCoder(RejectedLineCoder.class)
public record RejectedLine(
    String file,
    long lineNumber,
    String rawText,
    int originalLength,
    RejectReason reason,
    String message) {

  /** Raw text kept per rejected line: 64 KiB of characters; the length says what was cut. */
  public static final int MAX_RAW_CHARS = 64 * 1024;

  /**
   * What a NUL character (U+0000) in the raw text or the message becomes: U+2400, the symbol for
   * NUL, one character for one, so the quarantine can store the line and lengths still agree.
   */
  public static final char NUL_SHOWN_AS = '\u2400';

  public RejectedLine {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(rawText, "rawText");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    rawText = rawText.replace('\u0000', NUL_SHOWN_AS);
    message = message.replace('\u0000', NUL_SHOWN_AS);
  }

  /** Rejects {@code line} for {@code reason}, capping the stored raw text. */
  public static RejectedLine of(SourceLine line, RejectReason reason, String message) {
    String text = line.text();
    String kept = text.length() > MAX_RAW_CHARS ? text.substring(0, MAX_RAW_CHARS) : text;
    return new RejectedLine(line.file(), line.lineNumber(), kept, text.length(), reason, message);
  }

  /** {@code file:line: code: message}, the form used in logs and errors. */
  public String describe() {
    return file + ":" + lineNumber + ": " + reason.code() + ": " + message;
  }
}
