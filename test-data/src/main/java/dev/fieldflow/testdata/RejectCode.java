package dev.fieldflow.testdata;

/**
 * Why the pipelines must reject a line, by the stable codes of the data contract. This module
 * depends on no other fieldflow module, so it spells the codes out itself; they are the same
 * strings the parsers store in {@code rejected_records.reason_code}, in the same order as
 * {@code dev.fieldflow.transforms.RejectReason}.
 */
public enum RejectCode {
  NOT_JSON("not_json"),
  NOT_OBJECT("not_object"),
  MISSING_FIELD("missing_field"),
  NULL_FIELD("null_field"),
  BAD_ID("bad_id"),
  BAD_NUMBER("bad_number"),
  OUT_OF_RANGE("out_of_range"),
  BAD_DATE("bad_date"),
  BAD_OUTCOME("bad_outcome"),
  BAD_NOTE_TOKEN("bad_note_token"),
  BAD_NODE("bad_node"),
  /** Never generated (the generator writes valid UTF-8); see bad-input/ for an example. */
  BAD_ENCODING("bad_encoding"),
  /** Never generated (the generator writes each key once); the parsers' code for a repeat. */
  CONFLICTING_FIELD("conflicting_field"),
  /** Never generated; see {@code bad-input/files/visits-line-too-long.jsonl.gz}. */
  LINE_TOO_LONG("line_too_long"),
  /** Never generated; see {@code bad-input/visits-bad.jsonl}. */
  TOO_MANY_NOTE_TOKENS("too_many_note_tokens");

  private final String code;

  RejectCode(String code) {
    this.code = code;
  }

  /** The stable short code, e.g. {@code bad_date}. */
  public String code() {
    return code;
  }

  /** The code whose {@link #code()} is {@code code}. */
  public static RejectCode of(String code) {
    for (RejectCode c : values()) {
      if (c.code.equals(code)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown reject code '" + code + "'");
  }
}
