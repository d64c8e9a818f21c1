package dev.fieldflow.testdata;

import dev.fieldflow.testdata.VisitJson.Field;
import java.util.List;

/**
 * Visit lines the pipeline must reject, each with exactly one thing wrong so that its reason
 * code is unambiguous. Line {@code i} breaks a real-looking visit for code
 * {@code CODES[i % CODES.length]}, with the {@code (i / CODES.length)}-th variant of that code.
 */
final class BadVisitLines {

  static final RejectCode[] CODES = {
    RejectCode.NOT_JSON, RejectCode.NOT_OBJECT, RejectCode.MISSING_FIELD,
    RejectCode.NULL_FIELD, RejectCode.BAD_ID, RejectCode.BAD_NUMBER, RejectCode.OUT_OF_RANGE,
    RejectCode.BAD_DATE, RejectCode.BAD_OUTCOME, RejectCode.BAD_NOTE_TOKEN,
  };

  /** The line and its code. */
  record BadLine(String text, RejectCode code) {}

  private BadVisitLines() {}

  static BadLine make(int index, GeneratedVisit template) {
    RejectCode code = CODES[index % CODES.length];
    int variant = index / CODES.length;
    List<Field> fields = VisitJson.fields(template, VisitLineStyle.PLAIN);
    String plain = VisitJson.join(fields, false);
    String text = switch (code) {
      case NOT_JSON -> notJson(plain, variant);
      case NOT_OBJECT -> notObject(plain, template, variant);
      case MISSING_FIELD -> {
        fields.remove(variant % fields.size());
        yield VisitJson.join(fields, false);
      }
      case NULL_FIELD -> {
        int at = variant % fields.size();
        fields.set(at, new Field(fields.get(at).key(), "null"));
        yield VisitJson.join(fields, false);
      }
      case BAD_ID -> replace(fields, badId(template, variant));
      case BAD_NUMBER -> replace(fields, badNumber(template, variant));
      case OUT_OF_RANGE -> replace(fields, outOfRange(variant));
      case BAD_DATE -> replace(fields, badDate(variant));
      case BAD_OUTCOME -> replace(fields, new Field("outcome",
          VisitJson.quote(pick(variant, "success", "PENDING", "", "FAILED", "Success"))));
      case BAD_NOTE_TOKEN -> replace(fields, new Field("engineer_note", pick(variant,
          "\"196 abc 53\"", "\"196 -3 53\"", "\"1.5 2\"", "\"12,13 7\"", "[3, \"abc\"]",
          "[1, -2]")));
      default -> throw new IllegalStateException("not a visit reject code: " + code);
    };
    return new BadLine(text, code);
  }

  private static String notJson(String plain, int variant) {
    return switch (variant % 5) {
      case 0 -> plain.substring(0, plain.length() * 2 / 3);
      case 1 -> plain.replace("\"task_id\"", "task_id");
      case 2 -> plain.substring(0, plain.length() - 1) + ", }";
      case 3 -> "Traceback (most recent call last):";
      default -> plain.replace('"', '\'');
    };
  }

  private static String notObject(String plain, GeneratedVisit template, int variant) {
    return switch (variant % 4) {
      case 0 -> "[" + plain + "]";
      case 1 -> VisitJson.quote("TASK" + template.taskId());
      case 2 -> "42";
      default -> "true";
    };
  }

  private static Field badId(GeneratedVisit v, int variant) {
    return switch (variant % 7) {
      case 0 -> new Field("task_id", VisitJson.quote("TASKx" + v.taskId()));
      case 1 -> new Field("node_id", VisitJson.quote("NODE"));
      case 2 -> new Field("node_type", VisitJson.quote("TPYE" + v.nodeType()));
      case 3 -> new Field("task_type", VisitJson.quote("TYPE" + v.taskType()));
      case 4 -> new Field("engineer_skill_level", VisitJson.quote("LEVEL"));
      case 5 -> new Field("task_id", VisitJson.quote("TASK" + v.taskId() + "a"));
      default -> new Field("node_id", VisitJson.quote("node" + v.nodeId()));
    };
  }

  private static Field badNumber(GeneratedVisit v, int variant) {
    return switch (variant % 6) {
      case 0 -> new Field("node_age", v.nodeAge() + ".5");
      case 1 -> new Field("visit_id", v.visitId() + ".5");
      case 2 -> new Field("node_age", "\"old\"");
      case 3 -> new Field("node_age", "true");
      case 4 -> new Field("visit_id", "\"two\"");
      default -> new Field("node_age", "{\"years\": 3}");
    };
  }

  private static Field outOfRange(int variant) {
    return switch (variant % 4) {
      case 0 -> new Field("node_age", "-1");
      case 1 -> new Field("visit_id", "-2");
      case 2 -> new Field("node_age", "2147483648");
      default -> new Field("visit_id", "99999999999");
    };
  }

  private static Field badDate(int variant) {
    String key = variant % 2 == 0 ? VisitJson.VISIT_DATE_WITH_COLON : "original_reported_date";
    return new Field(key, VisitJson.quote(pick(variant, "2020-13-45", "2019-02-29", "2021-04-31",
        "03/10/2019", "yesterday", "2020-02-30T10:00:00", "")));
  }

  private static String pick(int variant, String... choices) {
    return choices[variant % choices.length];
  }

  /** The fields with the one named by {@code replacement} given its new value. */
  private static String replace(List<Field> fields, Field replacement) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).key().equals(replacement.key())) {
        fields.set(i, replacement);
        return VisitJson.join(fields, false);
      }
    }
    throw new IllegalStateException("no field " + replacement.key());
  }
}
