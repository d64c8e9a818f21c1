package dev.fieldflow.testdata;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulls the contract's fields out of an accepted visit line with a regular expression, not a
 * JSON parser, so that tests can check the generator's bookkeeping without sharing its code.
 * Good enough for the lines the generator writes; not a parser for the pipeline.
 */
record VisitFieldScan(
    long taskId,
    int visitId,
    int nodeId,
    String visitDate,
    String reportedDate,
    int nodeAge,
    int nodeType,
    int taskType,
    int skillLevel,
    List<Integer> note,
    String outcome) {

  private static final Pattern FIELD = Pattern.compile(
      "\"(task_id|node_id|visit_id|visit_date:?|original_reported_date|node_age|node_type"
          + "|task_type|engineer_skill_level|engineer_note|outcome)\"\\s*:\\s*"
          + "(\"[^\"]*\"|\\[[^\\]]*\\]|-?\\d+)");

  static VisitFieldScan of(String line) {
    Map<String, String> raw = new HashMap<>();
    Matcher m = FIELD.matcher(line);
    while (m.find()) {
      String key = m.group(1).startsWith("visit_date") ? "visit_date" : m.group(1);
      if (raw.put(key, m.group(2)) != null) {
        throw new IllegalArgumentException("field " + key + " twice in: " + line);
      }
    }
    if (raw.size() != 11) {
      throw new IllegalArgumentException("expected 11 fields, found " + raw.keySet() + " in: "
          + line);
    }
    return new VisitFieldScan(
        Long.parseLong(digits(raw.get("task_id"))),
        Integer.parseInt(raw.get("visit_id")),
        Integer.parseInt(digits(raw.get("node_id"))),
        date(raw.get("visit_date")),
        date(raw.get("original_reported_date")),
        Integer.parseInt(raw.get("node_age")),
        Integer.parseInt(digits(raw.get("node_type"))),
        Integer.parseInt(digits(raw.get("task_type"))),
        Integer.parseInt(digits(raw.get("engineer_skill_level"))),
        note(raw.get("engineer_note")),
        unquote(raw.get("outcome")));
  }

  String key() {
    return taskId + "/" + visitId;
  }

  boolean sameAs(GeneratedVisit v) {
    return taskId == v.taskId() && visitId == v.visitId() && nodeId == v.nodeId()
        && visitDate.equals(v.visitDate().toString())
        && reportedDate.equals(v.originalReportedDate().toString())
        && nodeAge == v.nodeAge() && nodeType == v.nodeType() && taskType == v.taskType()
        && skillLevel == v.skillLevel()
        && note.equals(Arrays.stream(v.noteTokens()).boxed().toList())
        && outcome.equals(v.outcome());
  }

  private static String unquote(String value) {
    return value.startsWith("\"") ? value.substring(1, value.length() - 1) : value;
  }

  /** {@code "TASK12"} or {@code 12} to {@code 12}. */
  private static String digits(String value) {
    return unquote(value).replaceFirst("^[A-Z]+", "");
  }

  /** The calendar date as written: the first ten characters of a date or date-time. */
  private static String date(String value) {
    return unquote(value).substring(0, 10);
  }

  private static List<Integer> note(String value) {
    String inner = value.substring(1, value.length() - 1).trim();
    List<Integer> tokens = new ArrayList<>();
    if (!inner.isEmpty()) {
      for (String token : inner.split(value.startsWith("[") ? "\\s*,\\s*" : " ")) {
        tokens.add(Integer.parseInt(token));
      }
    }
    return tokens;
  }
}
