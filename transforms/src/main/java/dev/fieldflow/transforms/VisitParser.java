package dev.fieldflow.transforms;

import static dev.fieldflow.transforms.RejectReason.BAD_DATE;
import static dev.fieldflow.transforms.RejectReason.BAD_ID;
import static dev.fieldflow.transforms.RejectReason.BAD_NOTE_TOKEN;
import static dev.fieldflow.transforms.RejectReason.BAD_NUMBER;
import static dev.fieldflow.transforms.RejectReason.BAD_OUTCOME;
import static dev.fieldflow.transforms.RejectReason.CONFLICTING_FIELD;
import static dev.fieldflow.transforms.RejectReason.MISSING_FIELD;
import static dev.fieldflow.transforms.RejectReason.NOT_JSON;
import static dev.fieldflow.transforms.RejectReason.NOT_OBJECT;
import static dev.fieldflow.transforms.RejectReason.NULL_FIELD;
import static dev.fieldflow.transforms.RejectReason.OUT_OF_RANGE;
import static dev.fieldflow.transforms.RejectReason.TOO_MANY_NOTE_TOKENS;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses one visit log line (a JSON object, see docs/DATA-CONTRACT.md) into a {@link Visit}, or
 * rejects it with a reason naming the field and the value. Pure: no pipeline needed.
 *
 * <p>Accepted beyond the plain format, because the meaning is unambiguous: the key {@code
 * visit_date} as well as {@code visit_date:}; a bare JSON integer where a prefixed id is
 * expected ({@code "node_id": 17}); leading zeros in a prefixed id ({@code TASK007} is 7); a
 * date-time where a date is expected (the calendar date as written is kept, no zone shift); an
 * {@code engineer_note} that is empty, has runs of whitespace, or is a JSON array of integers;
 * unknown fields (ignored); a leading byte-order mark and a trailing {@code \r}. A field given
 * more than once with the same value (a repeated key, or both date keys) is accepted.
 *
 * <p>Rejected, strictly: a field given more than once with different values ({@code
 * conflicting_field}); a sign anywhere ({@code +5} is not JSON; {@code "TASK+5"} is {@code
 * bad_id}; {@code "TASK-5"} and {@code -5} are {@code out_of_range}); a number with a fraction
 * or exponent, even {@code 3.0} ({@code bad_number}); a boolean, array or object where a number
 * or id is expected ({@code bad_number} for plain integers, {@code bad_id} for ids); a plain
 * integer written as a string ({@code "visit_id": "2"}, {@code bad_number}); digits without
 * the prefix as a string ({@code "node_id": "17"}, {@code bad_id}); any value beyond its
 * column's range ({@code out_of_range}); a date outside the years 1..9999, which a database
 * {@code date} cannot take back as written ({@code bad_date}); a note of more than {@value
 * #MAX_NOTE_TOKENS} tokens ({@code too_many_note_tokens}); an outcome in another case ({@code
 * "success"}). All
 * eleven fields are required; a blank line yields nothing. When a line has several problems,
 * the first field in the contract's order is reported.
 */
public final class VisitParser {
  /**
   * Most tokens a note may have. The origin's notes have a few dozen; a note of more is a
   * producer's bug, and an unbounded one would make one visit row of any size.
   */
  public static final int MAX_NOTE_TOKENS = 10_000;

  /**
   * Years a date may have: what PostgreSQL's {@code date} reads back as written. Year 0 does not
   * exist in SQL and a five-digit year is refused, so either would fail the whole batch.
   */
  static final int MIN_YEAR = 1;

  static final int MAX_YEAR = 9999;

  /** Jackson is thread-safe once configured: one mapper for every line on every thread. */
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String VISIT_DATE = "visit_date";
  /** The key as the source really writes it, with the colon. */
  private static final String VISIT_DATE_WITH_COLON = "visit_date:";

  private static final Set<String> FIELDS =
      Set.of(
          "task_id",
          "node_id",
          "visit_id",
          VISIT_DATE,
          "original_reported_date",
          "node_age",
          "node_type",
          "task_type",
          "engineer_skill_level",
          "engineer_note",
          "outcome");

  private static final int[] NO_TOKENS = new int[0];

  private VisitParser() {}

  /** A visit, a rejected line, or {@link ParseResult.Ignored} for a blank line. */
  public static ParseResult<Visit> parse(SourceLine line) {
    String text = line.textWithoutByteOrderMark();
    if (Tokens.isBlank(text)) {
      return ParseResult.ignored();
    }
    try {
      return ParseResult.parsed(toVisit(readFields(text), line));
    } catch (Rejection rejection) {
      return ParseResult.rejected(RejectedLine.of(line, rejection.reason, rejection.getMessage()));
    }
  }

  private static Visit toVisit(Map<String, JsonNode> fields, SourceLine line) throws Rejection {
    long taskId = prefixedId(fields, "task_id", "TASK", Long.MAX_VALUE);
    int nodeId = prefixedIntId(fields, "node_id", "NODE");
    int visitId = integer(fields, "visit_id", 1);
    LocalDate visitDate = date(fields, VISIT_DATE);
    LocalDate originalReportedDate = date(fields, "original_reported_date");
    int nodeAge = integer(fields, "node_age", 0);
    int nodeType = prefixedIntId(fields, "node_type", "TYPE");
    int taskType = prefixedIntId(fields, "task_type", "TASK");
    int engineerSkillLevel = prefixedIntId(fields, "engineer_skill_level", "LEVEL");
    int[] noteTokens = noteTokens(fields);
    Outcome outcome = outcome(fields);
    return new Visit(taskId, visitId, nodeId, visitDate, originalReportedDate, nodeAge, nodeType,
        taskType, engineerSkillLevel, noteTokens, outcome, line.file(), line.lineNumber());
  }

  /**
   * The contract's fields of the line's JSON object, read key by key so that a repeated key is
   * seen instead of silently overwritten. Unknown fields are checked for syntax only.
   */
  private static Map<String, JsonNode> readFields(String text) throws Rejection {
    try (JsonParser parser = JSON.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        JsonNode value = JSON.readTree(parser);
        requireEnd(parser);
        String type = value.getNodeType().name().toLowerCase(Locale.ROOT);
        throw new Rejection(NOT_OBJECT, "line is a JSON " + type + ", not an object");
      }
      Map<String, JsonNode> fields = new HashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        String name = key.equals(VISIT_DATE_WITH_COLON) ? VISIT_DATE : key;
        parser.nextToken();
        if (!FIELDS.contains(name)) {
          parser.skipChildren();
          continue;
        }
        JsonNode value = value(parser);
        JsonNode earlier = fields.putIfAbsent(name, value);
        if (earlier != null && !earlier.equals(value)) {
          throw new Rejection(CONFLICTING_FIELD, name + " is given twice with different values: "
              + show(earlier) + " and " + show(value));
        }
      }
      requireEnd(parser);
      return fields;
    } catch (JsonProcessingException e) {
      throw notJson(e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from a String cannot fail with I/O", e);
    }
  }

  /**
   * The value at the parser's current token, as {@code readTree} would build it. Strings and
   * integers, nearly every value of a line, are made directly: {@code readTree} sets up a
   * deserialization context per call (measured: this alone took the parse harness of
   * docs/INGESTING-VISITS.md from 6.0 to 5.6 s per million lines).
   */
  private static JsonNode value(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_STRING) {
      return TextNode.valueOf(parser.getText());
    }
    if (token == JsonToken.VALUE_NUMBER_INT) {
      return switch (parser.getNumberType()) {
        case INT -> IntNode.valueOf(parser.getIntValue());
        case LONG -> LongNode.valueOf(parser.getLongValue());
        default -> JSON.readTree(parser);
      };
    }
    if (token == JsonToken.VALUE_NUMBER_FLOAT) {
      return new WrittenFloat(parser.getDoubleValue(), parser.getText());
    }
    return JSON.readTree(parser);
  }

  /**
   * A JSON number with a fraction or an exponent, shown as the line writes it: a reject says
   * "visit_id 1e0 is not an integer", not "1.0", and "1e400", not "Infinity".
   */
  private static final class WrittenFloat extends DoubleNode {
    private static final long serialVersionUID = 1L;

    private final String written;

    WrittenFloat(double value, String written) {
      super(value);
      this.written = written;
    }

    @Override
    public String toString() {
      return written;
    }
  }

  private static Rejection notJson(JsonProcessingException e) {
    String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
    String what = e.getOriginalMessage();
    // Jackson may append where the unclosed object began, quoting the line; the raw text is kept
    // beside the message anyway.
    int startMarker = what.indexOf(" (start marker at ");
    if (startMarker >= 0) {
      what = what.substring(0, startMarker);
    }
    return new Rejection(NOT_JSON, "line is not valid JSON" + where + ": " + what);
  }

  private static void requireEnd(JsonParser parser) throws IOException, Rejection {
    if (parser.nextToken() != null) {
      throw new Rejection(NOT_JSON, "line has more after the JSON value, at column "
          + parser.currentLocation().getColumnNr());
    }
  }

  private static JsonNode required(Map<String, JsonNode> fields, String name) throws Rejection {
    JsonNode value = fields.get(name);
    if (value == null) {
      throw new Rejection(MISSING_FIELD, name + " is missing");
    }
    if (value.isNull()) {
      throw new Rejection(NULL_FIELD, name + " is null");
    }
    return value;
  }

  private static int prefixedIntId(Map<String, JsonNode> fields, String name, String prefix)
      throws Rejection {
    return Math.toIntExact(prefixedId(fields, name, prefix, Integer.MAX_VALUE));
  }

  /** {@code "<prefix><n>"} or a bare JSON integer n, with 0 <= n <= max. */
  private static long prefixedId(Map<String, JsonNode> fields, String name, String prefix,
      long max) throws Rejection {
    JsonNode value = required(fields, name);
    if (value.isNumber()) {
      return inRange(name, value, 0, max);
    }
    String text = value.isTextual() ? value.textValue() : "";
    if (!text.startsWith(prefix)) {
      throw new Rejection(BAD_ID, name + " " + show(value) + " is not " + prefix + "<n>");
    }
    boolean negative = text.startsWith("-", prefix.length());
    long number = Tokens.unsignedDecimal(text, prefix.length() + (negative ? 1 : 0), max);
    if (number == Tokens.NOT_DIGITS) {
      throw new Rejection(BAD_ID, name + " " + show(value) + " is not " + prefix + "<n>");
    }
    if (negative || number == Tokens.TOO_LARGE) {
      throw outOfRange(name, value, 0, max);
    }
    return number;
  }

  /** A JSON integer n with min <= n <= Integer.MAX_VALUE. */
  private static int integer(Map<String, JsonNode> fields, String name, int min)
      throws Rejection {
    JsonNode value = required(fields, name);
    if (!value.isNumber()) {
      throw new Rejection(BAD_NUMBER, name + " " + show(value) + " is not an integer");
    }
    return Math.toIntExact(inRange(name, value, min, Integer.MAX_VALUE));
  }

  private static long inRange(String name, JsonNode number, long min, long max)
      throws Rejection {
    if (!number.isIntegralNumber()) {
      throw new Rejection(BAD_NUMBER, name + " " + show(number) + " is not an integer");
    }
    if (!number.canConvertToLong() || number.longValue() < min || number.longValue() > max) {
      throw outOfRange(name, number, min, max);
    }
    return number.longValue();
  }

  private static Rejection outOfRange(String name, JsonNode value, long min, long max) {
    return new Rejection(OUT_OF_RANGE,
        name + " " + show(value) + " is out of range (" + min + ".." + max + ")");
  }

  private static LocalDate date(Map<String, JsonNode> fields, String name) throws Rejection {
    JsonNode value = required(fields, name);
    if (value.isTextual()) {
      LocalDate date;
      try {
        date = CalendarDateParser.parse(value.textValue());
      } catch (DateTimeParseException e) {
        throw new Rejection(BAD_DATE, name + " " + show(value) + " is not a calendar date");
      }
      if (date.getYear() < MIN_YEAR || date.getYear() > MAX_YEAR) {
        throw new Rejection(BAD_DATE, name + " " + show(value) + " is outside the years "
            + MIN_YEAR + ".." + MAX_YEAR + " a database date holds");
      }
      return date;
    }
    throw new Rejection(BAD_DATE, name + " " + show(value) + " is not a calendar date");
  }

  /** Space-separated integer tokens in a string, or a JSON array of integers. */
  private static int[] noteTokens(Map<String, JsonNode> fields) throws Rejection {
    JsonNode value = required(fields, "engineer_note");
    if (value.isTextual()) {
      String[] words = Tokens.words(value.textValue());
      requireFewTokens(words.length);
      int[] tokens = words.length == 0 ? NO_TOKENS : new int[words.length];
      for (int i = 0; i < words.length; i++) {
        long token = Tokens.unsignedDecimal(words[i], 0, Integer.MAX_VALUE);
        if (token < 0) {
          throw badNoteToken(i, "'" + words[i] + "'");
        }
        tokens[i] = (int) token;
      }
      return tokens;
    }
    if (value.isArray()) {
      requireFewTokens(value.size());
      int[] tokens = value.isEmpty() ? NO_TOKENS : new int[value.size()];
      for (int i = 0; i < tokens.length; i++) {
        JsonNode element = value.get(i);
        if (!element.isIntegralNumber() || !element.canConvertToInt() || element.intValue() < 0) {
          throw badNoteToken(i, show(element));
        }
        tokens[i] = element.intValue();
      }
      return tokens;
    }
    throw new Rejection(BAD_NOTE_TOKEN, "engineer_note " + show(value)
        + " is neither a string of integer tokens nor an array of integers");
  }

  private static void requireFewTokens(int count) throws Rejection {
    if (count > MAX_NOTE_TOKENS) {
      throw new Rejection(TOO_MANY_NOTE_TOKENS, "engineer_note has " + count
          + " tokens, more than the " + MAX_NOTE_TOKENS + " a visit may have");
    }
  }

  private static Rejection badNoteToken(int index, String shown) {
    return new Rejection(BAD_NOTE_TOKEN, "engineer_note token " + (index + 1) + " " + shown
        + " is not an integer in 0.." + Integer.MAX_VALUE);
  }

  private static Outcome outcome(Map<String, JsonNode> fields) throws Rejection {
    JsonNode value = required(fields, "outcome");
    String text = value.isTextual() ? value.textValue() : "";
    if (text.equals("SUCCESS")) {
      return Outcome.SUCCESS;
    }
    if (text.equals("FAIL")) {
      return Outcome.FAIL;
    }
    throw new Rejection(BAD_OUTCOME, "outcome " + show(value) + " is not SUCCESS or FAIL");
  }

  /** A value as messages quote it: strings in single quotes, anything else as JSON. */
  private static String show(JsonNode value) {
    return value.isTextual() ? "'" + value.textValue() + "'" : value.toString();
  }

  /**
   * Why the line is rejected; thrown from deep in a field's parsing and caught once in {@link
   * #parse}. Rejects are expected data, so it carries no stack trace.
   */
  private static final class Rejection extends Exception {
    private static final long serialVersionUID = 1L;

    final RejectReason reason;

    Rejection(RejectReason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }
}
