package dev.fieldflow.transforms;

/**
 * Why a line was rejected. The codes are stable: they are stored in
 * {@code rejected_records.reason_code} and analysts filter on them.
 *
 * <p>{@link RejectedLineCoder} encodes the ordinal: add new constants at the end only.
 */
public enum RejectReason {
  /** The line is not valid JSON. */
  NOT_JSON("not_json"),
  /** The line is valid JSON but not an object. */
  NOT_OBJECT("not_object"),
  /** A required field is absent. */
  MISSING_FIELD("missing_field"),
  /** A required field is JSON null. */
  NULL_FIELD("null_field"),
  /** A prefixed id has the wrong prefix or no number ({@code "TASKx9"}, {@code "NODE"}). */
  BAD_ID("bad_id"),
  /** A number is not an integer, or has the wrong JSON type. */
  BAD_NUMBER("bad_number"),
  /** A number is negative or too large for its column. */
  OUT_OF_RANGE("out_of_range"),
  /** A date is malformed or not a calendar date ({@code 2020-13-45}). */
  BAD_DATE("bad_date"),
  /** The outcome is neither SUCCESS nor FAIL. */
  BAD_OUTCOME("bad_outcome"),
  /** A note token is not a non-negative integer. */
  BAD_NOTE_TOKEN("bad_note_token"),
  /** A network token is not {@code NODE<n>} or a bare non-negative integer. */
  BAD_NODE("bad_node"),
  /** The line's bytes are not valid UTF-8. */
  BAD_ENCODING("bad_encoding"),
  /**
   * A field is given more than once with different values: a repeated JSON key, or both
   * {@code visit_date:} and {@code visit_date}.
   */
  CONFLICTING_FIELD("conflicting_field"),
  /**
   * The line is longer than the reader's limit ({@code ReadLimits.maxLineBytes} in {@code io}):
   * its first 64 KiB are kept and its length in bytes recorded; it is never read whole.
   */
  LINE_TOO_LONG("line_too_long"),
  /** The note has more than {@link VisitParser#MAX_NOTE_TOKENS} tokens. */
  TOO_MANY_NOTE_TOKENS("too_many_note_tokens"),
  /**
   * The parser accepted the line but PostgreSQL refused its values (a data error, SQLSTATE
   * class 22 or 23); the message is the server's. A safety net: the parser should learn the rule.
   */
  DB_REFUSED("db_refused");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  /** The stable short code, e.g. {@code bad_date}. */
  public String code() {
    return code;
  }
}
