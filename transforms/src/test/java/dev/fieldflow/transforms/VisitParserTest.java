package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VisitParserTest {

  private static final String FILE = "visits-003.jsonl";
  private static final long LINE_NUMBER = 17;

  /** The contract's example line, as JSON values by key, in the order the source writes them. */
  private static Map<String, String> contractFields() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("task_id", "\"TASK4167\"");
    fields.put("node_id", "\"NODE487\"");
    fields.put("visit_id", "2");
    fields.put("visit_date:", "\"2019-10-03\"");
    fields.put("original_reported_date", "\"2019-09-16\"");
    fields.put("node_age", "23");
    fields.put("node_type", "\"TYPE2\"");
    fields.put("task_type", "\"TASK6\"");
    fields.put("engineer_skill_level", "\"LEVEL4\"");
    fields.put("engineer_note", "\"196 195 150 131 6 206 53\"");
    fields.put("outcome", "\"SUCCESS\"");
    return fields;
  }

  private static final String CONTRACT_LINE = json(contractFields());

  private static final Visit CONTRACT_VISIT = new Visit(4167, 2, 487, LocalDate.of(2019, 10, 3),
      LocalDate.of(2019, 9, 16), 23, 2, 6, 4, new int[] {196, 195, 150, 131, 6, 206, 53},
      Outcome.SUCCESS, FILE, LINE_NUMBER);

  private static String json(Map<String, String> fields) {
    StringJoiner object = new StringJoiner(", ", "{", "}");
    fields.forEach((key, value) -> object.add("\"" + key + "\": " + value));
    return object.toString();
  }

  /** The contract line with {@code key} set to the raw JSON {@code value} (added if absent). */
  private static String contractLineWith(String key, String value) {
    Map<String, String> fields = contractFields();
    fields.put(key, value);
    return json(fields);
  }

  private static String contractLineWithout(String key) {
    Map<String, String> fields = contractFields();
    fields.remove(key);
    return json(fields);
  }

  private static ParseResult<Visit> parse(String text) {
    return VisitParser.parse(new SourceLine(FILE, LINE_NUMBER, text));
  }

  private static Visit visitOf(String text) {
    ParseResult<Visit> result = parse(text);
    assertThat(result, instanceOf(ParseResult.Parsed.class));
    return ((ParseResult.Parsed<Visit>) result).value();
  }

  /** The reject as {@code code: message}, the form the contract writes. */
  private static String rejectionOf(String text) {
    ParseResult<Visit> result = parse(text);
    assertThat(result, instanceOf(ParseResult.Rejected.class));
    RejectedLine rejected = ((ParseResult.Rejected<Visit>) result).line();
    return rejected.reason().code() + ": " + rejected.message();
  }

  // --- the format as it arrives, quirks included

  @Test
  void contractExampleLineParsesToAVisit() {
    assertThat(visitOf(CONTRACT_LINE), is(CONTRACT_VISIT));
  }

  @Test
  void visitDateKeyWithTrailingColonIsAccepted() {
    assertThat(visitOf(contractLineWith("visit_date:", "\"2020-03-04\"")).visitDate(),
        is(LocalDate.of(2020, 3, 4)));
  }

  @Test
  void visitDateKeyWithoutColonIsAccepted() {
    Map<String, String> fields = contractFields();
    fields.remove("visit_date:");
    fields.put("visit_date", "\"2019-10-03\"");
    assertThat(visitOf(json(fields)), is(CONTRACT_VISIT));
  }

  @Test
  void bothVisitDateKeysWithTheSameValueAreAccepted() {
    assertThat(visitOf(contractLineWith("visit_date", "\"2019-10-03\"")), is(CONTRACT_VISIT));
  }

  @Test
  void bothVisitDateKeysWithDifferentValuesAreRejectedAsConflicting() {
    assertThat(rejectionOf(contractLineWith("visit_date", "\"2019-10-04\"")),
        is("conflicting_field: visit_date is given twice with different values: "
            + "'2019-10-03' and '2019-10-04'"));
  }

  @Test
  void repeatedKeyWithTheSameValueIsAccepted() {
    String line = CONTRACT_LINE.replace("}", ", \"node_id\": \"NODE487\"}");
    assertThat(visitOf(line), is(CONTRACT_VISIT));
  }

  @Test
  void repeatedKeyWithDifferentValuesIsRejectedAsConflicting() {
    String line = CONTRACT_LINE.replace("}", ", \"node_id\": \"NODE488\"}");
    assertThat(rejectionOf(line), is("conflicting_field: node_id is given twice with different "
        + "values: 'NODE487' and 'NODE488'"));
  }

  @Test
  void bareIntegersAreAcceptedWherePrefixedIdsAreExpected() {
    Map<String, String> fields = contractFields();
    fields.put("task_id", "4167");
    fields.put("node_id", "487");
    fields.put("node_type", "2");
    fields.put("task_type", "6");
    fields.put("engineer_skill_level", "4");
    assertThat(visitOf(json(fields)), is(CONTRACT_VISIT));
  }

  @Test
  void leadingZerosInAPrefixedIdAreAccepted() {
    assertThat(visitOf(contractLineWith("task_id", "\"TASK007\"")).taskId(), is(7L));
  }

  @Test
  void taskIdTakesTheWholeBigintRange() {
    assertThat(visitOf(contractLineWith("task_id", "\"TASK9223372036854775807\"")).taskId(),
        is(Long.MAX_VALUE));
  }

  @Test
  void zeroIsAValidNodeId() {
    assertThat(visitOf(contractLineWith("node_id", "\"NODE0\"")).nodeId(), is(0));
  }

  @Test
  void spaceSeparatedDateTimeKeepsItsCalendarDate() {
    assertThat(visitOf(contractLineWith("visit_date:", "\"2020-01-02 08:30:00\"")).visitDate(),
        is(LocalDate.of(2020, 1, 2)));
  }

  @Test
  void isoDateTimeWithoutZoneKeepsItsCalendarDate() {
    assertThat(visitOf(contractLineWith("original_reported_date", "\"2020-01-02T08:30\""))
        .originalReportedDate(), is(LocalDate.of(2020, 1, 2)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2020-01-02T23:30:00-05:00", "2020-01-02T00:15:00Z",
      "2020-01-02T23:59:59.999+14:00", "2020-01-02T08:30:00+01:00[Europe/Paris]"})
  void isoDateTimeWithOffsetOrZoneKeepsTheDateAsWrittenWithoutShifting(String dateTime) {
    assertThat(visitOf(contractLineWith("visit_date:", "\"" + dateTime + "\"")).visitDate(),
        is(LocalDate.of(2020, 1, 2)));
  }

  @Test
  void noteAsJsonArrayOfIntegersIsAccepted() {
    assertThat(visitOf(contractLineWith("engineer_note", "[196, 195, 150, 131, 6, 206, 53]")),
        is(CONTRACT_VISIT));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"\"", "\"   \"", "[]"})
  void emptyNoteHasNoTokens(String note) {
    assertThat(visitOf(contractLineWith("engineer_note", note)).noteTokens(), is(new int[0]));
  }

  @Test
  void noteWithRunsOfSpacesKeepsEveryTokenInOrderWithRepeats() {
    assertThat(visitOf(contractLineWith("engineer_note", "\"  5   5 07\\t3 \"")).noteTokens(),
        is(new int[] {5, 5, 7, 3}));
  }

  @Test
  void unknownFieldsAreIgnored() {
    String line = CONTRACT_LINE.replace("}",
        ", \"engineer_id\": \"ENG12\", \"extra\": {\"nested\": [1, {\"x\": null}]}}");
    assertThat(visitOf(line), is(CONTRACT_VISIT));
  }

  @Test
  void trailingCarriageReturnIsIgnored() {
    assertThat(visitOf(CONTRACT_LINE + "\r"), is(CONTRACT_VISIT));
  }

  @Test
  void leadingByteOrderMarkIsIgnored() {
    assertThat(visitOf("\uFEFF" + CONTRACT_LINE), is(CONTRACT_VISIT));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\t", "\r", "\uFEFF", "\uFEFF  \r"})
  void blankLineYieldsNothing(String blank) {
    assertThat(parse(blank), is(ParseResult.ignored()));
  }

  @Test
  void rejectedLineKeepsItsFileLineNumberAndRawText() {
    String text = contractLineWith("outcome", "\"DONE\"");
    assertThat(VisitParser.parse(new SourceLine(FILE, LINE_NUMBER, text)),
        is(ParseResult.rejected(new RejectedLine(FILE, LINE_NUMBER, text, text.length(),
            RejectReason.BAD_OUTCOME, "outcome 'DONE' is not SUCCESS or FAIL"))));
  }

  @Test
  void firstBadFieldInContractOrderIsReported() {
    Map<String, String> fields = contractFields();
    fields.put("outcome", "\"DONE\"");
    fields.put("node_id", "\"NODEx\"");
    assertThat(rejectionOf(json(fields)), is("bad_id: node_id 'NODEx' is not NODE<n>"));
  }

  // --- rejects: one per class the contract lists, with its code and the field in the message

  @Test
  void lineThatIsNotJsonIsRejected() {
    assertThat(rejectionOf("{\"task_id\": \"TASK1\""),
        is("not_json: line is not valid JSON at column 20: Unexpected end-of-input: "
            + "expected close marker for Object"));
  }

  @Test
  void truncatedLineIsRejectedAsNotJson() {
    assertThat(rejectionOf("{\"task_id\": "), is("not_json: line is not valid JSON at column 13: "
        + "Unexpected end-of-input within/between Object entries"));
  }

  @Test
  void plusSignedNumberIsNotJson() {
    assertThat(rejectionOf(contractLineWith("node_age", "+5")),
        is("not_json: line is not valid JSON at column 145: Unexpected character ('+' (code 43)) "
            + "in numeric value: JSON spec does not allow numbers to have plus signs: enable "
            + "`JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow"));
  }

  @Test
  void aRejectionsColumnCountsCharactersNotBytes() {
    // "cafe", "café" and "ca" + U+1F600 are four Java chars (UTF-16 units) each, in 4, 5 and 6
    // bytes of UTF-8: the error after them is at the same column.
    String ascii = rejectionOf("{\"note\": \"cafe\", \"node_age\": +5}");
    assertThat(ascii, startsWith("not_json: line is not valid JSON at column 32: "));
    assertThat(rejectionOf("{\"note\": \"caf\u00e9\", \"node_age\": +5}"), is(ascii));
    assertThat(rejectionOf("{\"note\": \"ca\ud83d\ude00\", \"node_age\": +5}"), is(ascii));
  }

  @Test
  void secondValueAfterTheObjectIsRejectedAsNotJson() {
    assertThat(rejectionOf(CONTRACT_LINE + " {}"),
        is("not_json: line has more after the JSON value, at column "
            + (CONTRACT_LINE.length() + 3)));
  }

  @Test
  void jsonArrayIsRejectedAsNotAnObject() {
    assertThat(rejectionOf("[1, 2]"), is("not_object: line is a JSON array, not an object"));
  }

  @Test
  void jsonStringIsRejectedAsNotAnObject() {
    assertThat(rejectionOf("\"TASK1\""), is("not_object: line is a JSON string, not an object"));
  }

  @Test
  void missingFieldIsRejected() {
    assertThat(rejectionOf(contractLineWithout("node_id")),
        is("missing_field: node_id is missing"));
  }

  @Test
  void missingVisitDateUnderEitherKeyIsRejected() {
    assertThat(rejectionOf(contractLineWithout("visit_date:")),
        is("missing_field: visit_date is missing"));
  }

  @Test
  void missingNoteIsRejectedRatherThanTakenAsEmpty() {
    assertThat(rejectionOf(contractLineWithout("engineer_note")),
        is("missing_field: engineer_note is missing"));
  }

  @Test
  void nullFieldIsRejected() {
    assertThat(rejectionOf(contractLineWith("outcome", "null")), is("null_field: outcome is null"));
  }

  @Test
  void prefixedIdWithWrongPrefixIsRejected() {
    assertThat(rejectionOf(contractLineWith("node_id", "\"TYPE5\"")),
        is("bad_id: node_id 'TYPE5' is not NODE<n>"));
  }

  @Test
  void prefixIsCaseSensitive() {
    assertThat(rejectionOf(contractLineWith("engineer_skill_level", "\"level4\"")),
        is("bad_id: engineer_skill_level 'level4' is not LEVEL<n>"));
  }

  @Test
  void prefixedIdWithoutANumberIsRejected() {
    assertThat(rejectionOf(contractLineWith("task_id", "\"TASKx9\"")),
        is("bad_id: task_id 'TASKx9' is not TASK<n>"));
  }

  @Test
  void prefixAloneIsRejected() {
    assertThat(rejectionOf(contractLineWith("node_type", "\"TYPE\"")),
        is("bad_id: node_type 'TYPE' is not TYPE<n>"));
  }

  @Test
  void digitsWithoutThePrefixInAStringAreRejected() {
    assertThat(rejectionOf(contractLineWith("node_id", "\"17\"")),
        is("bad_id: node_id '17' is not NODE<n>"));
  }

  @Test
  void plusSignInAPrefixedIdIsRejected() {
    assertThat(rejectionOf(contractLineWith("task_type", "\"TASK+5\"")),
        is("bad_id: task_type 'TASK+5' is not TASK<n>"));
  }

  @Test
  void booleanWhereAnIdIsExpectedIsRejected() {
    assertThat(rejectionOf(contractLineWith("node_id", "true")),
        is("bad_id: node_id true is not NODE<n>"));
  }

  @Test
  void negativeNumberIsRejectedAsOutOfRange() {
    assertThat(rejectionOf(contractLineWith("node_age", "-1")),
        is("out_of_range: node_age -1 is out of range (0..2147483647)"));
  }

  @Test
  void negativePrefixedIdIsRejectedAsOutOfRange() {
    assertThat(rejectionOf(contractLineWith("node_id", "\"NODE-3\"")),
        is("out_of_range: node_id 'NODE-3' is out of range (0..2147483647)"));
  }

  @Test
  void negativeBareIdIsRejectedAsOutOfRange() {
    assertThat(rejectionOf(contractLineWith("task_id", "-4167")),
        is("out_of_range: task_id -4167 is out of range (0..9223372036854775807)"));
  }

  @Test
  void visitIdZeroIsRejectedBecauseVisitsCountFromOne() {
    assertThat(rejectionOf(contractLineWith("visit_id", "0")),
        is("out_of_range: visit_id 0 is out of range (1..2147483647)"));
  }

  @Test
  void integerBeyondIntRangeIsRejected() {
    assertThat(rejectionOf(contractLineWith("node_id", "2147483648")),
        is("out_of_range: node_id 2147483648 is out of range (0..2147483647)"));
  }

  @Test
  void prefixedIdBeyondIntRangeIsRejected() {
    assertThat(rejectionOf(contractLineWith("node_type", "\"TYPE99999999999\"")),
        is("out_of_range: node_type 'TYPE99999999999' is out of range (0..2147483647)"));
  }

  @Test
  void taskIdBeyondBigintRangeIsRejected() {
    assertThat(rejectionOf(contractLineWith("task_id", "9223372036854775808")),
        is("out_of_range: task_id 9223372036854775808 is out of range (0..9223372036854775807)"));
  }

  @Test
  void integralFloatIsRejectedAsNotAnInteger() {
    assertThat(rejectionOf(contractLineWith("visit_id", "3.0")),
        is("bad_number: visit_id 3.0 is not an integer"));
  }

  @Test
  void aFloatIsShownAsTheLineWritesIt() {
    assertThat(rejectionOf(contractLineWith("visit_id", "1e0")),
        is("bad_number: visit_id 1e0 is not an integer"));
    assertThat(rejectionOf(contractLineWith("node_age", "1e400")),
        is("bad_number: node_age 1e400 is not an integer"));
  }

  @Test
  void floatWhereAnIdIsExpectedIsRejectedAsNotAnInteger() {
    assertThat(rejectionOf(contractLineWith("node_id", "487.0")),
        is("bad_number: node_id 487.0 is not an integer"));
  }

  @Test
  void integerWrittenAsStringIsRejected() {
    assertThat(rejectionOf(contractLineWith("visit_id", "\"2\"")),
        is("bad_number: visit_id '2' is not an integer"));
  }

  @Test
  void booleanWhereAnIntegerIsExpectedIsRejected() {
    assertThat(rejectionOf(contractLineWith("node_age", "true")),
        is("bad_number: node_age true is not an integer"));
  }

  @Test
  void dateThatIsNotOnTheCalendarIsRejected() {
    assertThat(rejectionOf(contractLineWith("visit_date:", "\"2020-13-45\"")),
        is("bad_date: visit_date '2020-13-45' is not a calendar date"));
  }

  @Test
  void thirtiethOfFebruaryIsRejected() {
    assertThat(rejectionOf(contractLineWith("original_reported_date", "\"2020-02-30\"")),
        is("bad_date: original_reported_date '2020-02-30' is not a calendar date"));
  }

  @Test
  void dateWithTrailingTextIsRejected() {
    assertThat(rejectionOf(contractLineWith("visit_date:", "\"2020-01-02 soon\"")),
        is("bad_date: visit_date '2020-01-02 soon' is not a calendar date"));
  }

  @Test
  void dateAsNumberIsRejected() {
    assertThat(rejectionOf(contractLineWith("visit_date:", "20200102")),
        is("bad_date: visit_date 20200102 is not a calendar date"));
  }

  @Test
  void outcomeOtherThanSuccessOrFailIsRejected() {
    assertThat(rejectionOf(contractLineWith("outcome", "\"DONE\"")),
        is("bad_outcome: outcome 'DONE' is not SUCCESS or FAIL"));
  }

  @Test
  void outcomeIsCaseSensitive() {
    assertThat(rejectionOf(contractLineWith("outcome", "\"success\"")),
        is("bad_outcome: outcome 'success' is not SUCCESS or FAIL"));
  }

  @Test
  void noteTokenThatIsNotAnIntegerIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "\"196 x9 150\"")),
        is("bad_note_token: engineer_note token 2 'x9' is not an integer in 0..2147483647"));
  }

  @Test
  void negativeNoteTokenIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "\"196 -5\"")),
        is("bad_note_token: engineer_note token 2 '-5' is not an integer in 0..2147483647"));
  }

  @Test
  void noteTokenBeyondIntRangeIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "\"2147483648\"")),
        is("bad_note_token: engineer_note token 1 '2147483648' is not an integer in "
            + "0..2147483647"));
  }

  @Test
  void noteArrayElementThatIsAStringIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "[196, \"195\"]")),
        is("bad_note_token: engineer_note token 2 '195' is not an integer in 0..2147483647"));
  }

  @Test
  void noteArrayElementThatIsAFloatIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "[1.5]")),
        is("bad_note_token: engineer_note token 1 1.5 is not an integer in 0..2147483647"));
  }

  @Test
  void noteThatIsNeitherStringNorArrayIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "196")),
        is("bad_note_token: engineer_note 196 is neither a string of integer tokens nor an "
            + "array of integers"));
  }

  // --- values a PostgreSQL column could not hold: refused here, never by the database

  @ParameterizedTest
  @CsvSource({
      "visit_date:, 0000-01-01",
      "visit_date:, +10000-01-01",
      "visit_date:, -0001-12-31",
      "original_reported_date, 0000-12-31T23:59:59Z",
      "original_reported_date, +10000-01-01T08:30:00"})
  void dateOutsideYearsOneTo9999IsRejectedAsBadDate(String key, String date) {
    String name = key.equals("visit_date:") ? "visit_date" : key;
    assertThat(rejectionOf(contractLineWith(key, "\"" + date + "\"")),
        is("bad_date: " + name + " '" + date + "' is outside the years 1..9999 a database date"
            + " holds"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0001-01-01", "9999-12-31", "9999-12-31T23:59:59+14:00"})
  void firstAndLastDatesOfYearsOneTo9999AreAccepted(String date) {
    LocalDate expected = LocalDate.parse(date.substring(0, 10));
    assertThat(visitOf(contractLineWith("visit_date:", "\"" + date + "\"")).visitDate(),
        is(expected));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "node_id | 2147483648",
      "node_id | '\"NODE2147483648\"'",
      "visit_id | 2147483648",
      "node_age | 2147483648",
      "node_type | '\"TYPE2147483648\"'",
      "node_type | 2147483648",
      "task_type | '\"TASK2147483648\"'",
      "engineer_skill_level | '\"LEVEL2147483648\"'",
      "task_id | '\"TASK9223372036854775808\"'",
      "task_id | 99999999999999999999999"})
  void everyIntegerColumnRefusesTheFirstValuePastItsSqlType(String field, String json) {
    String max = field.equals("task_id") ? "9223372036854775807" : "2147483647";
    String min = field.equals("visit_id") ? "1" : "0";
    String shown = json.startsWith("\"") ? "'" + json.substring(1, json.length() - 1) + "'" : json;
    assertThat(rejectionOf(contractLineWith(field, json)),
        is("out_of_range: " + field + " " + shown + " is out of range (" + min + ".." + max + ")"));
  }

  @Test
  void noteArrayElementBeyondIntRangeIsRejected() {
    assertThat(rejectionOf(contractLineWith("engineer_note", "[1, 2147483648]")),
        is("bad_note_token: engineer_note token 2 2147483648 is not an integer in 0..2147483647"));
  }

  private static String noteOf(int tokens, boolean asArray) {
    StringJoiner note = asArray ? new StringJoiner(",", "[", "]") : new StringJoiner(" ", "\"", "\"");
    for (int i = 0; i < tokens; i++) {
      note.add("7");
    }
    return note.toString();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void noteOfExactlyMaxTokensIsAccepted(boolean asArray) {
    Visit visit = visitOf(contractLineWith("engineer_note",
        noteOf(VisitParser.MAX_NOTE_TOKENS, asArray)));
    assertThat(visit.noteTokens().length, is(VisitParser.MAX_NOTE_TOKENS));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void noteOfMoreThanMaxTokensIsRejectedAsTooManyNoteTokens(boolean asArray) {
    assertThat(rejectionOf(contractLineWith("engineer_note",
            noteOf(VisitParser.MAX_NOTE_TOKENS + 1, asArray))),
        is("too_many_note_tokens: engineer_note has 10001 tokens, more than the 10000 a visit"
            + " may have"));
  }

  @Test
  void nulCharactersOfARejectedLineAreKeptAsTheNulSymbolSoTheQuarantineCanStoreThem() {
    ParseResult<Visit> result = parse("{\"task_id\": \"TASK\u0000\"}\u0000");
    RejectedLine rejected = ((ParseResult.Rejected<Visit>) result).line();
    assertThat(rejected.rawText(), is("{\"task_id\": \"TASK\u2400\"}\u2400"));
    assertThat(rejected.originalLength(), is(rejected.rawText().length()));
    assertThat(rejected.message().indexOf('\u0000'), is(-1));
  }

  @Test
  void nulEscapedInsideAJsonStringIsShownAsTheNulSymbolInTheMessage() {
    assertThat(rejectionOf(contractLineWith("outcome", "\"FAIL\\u0000\"")),
        is("bad_outcome: outcome 'FAIL\u2400' is not SUCCESS or FAIL"));
  }
}
