package dev.fieldflow.testdata;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Writes a visit as one JSON line in the source's format, in a given {@link VisitLineStyle}. */
final class VisitJson {

  /** One member of the object; {@code value} is JSON text, already quoted where needed. */
  record Field(String key, String value) {}

  static final String VISIT_DATE_WITH_COLON = "visit_date:";
  static final String VISIT_DATE = "visit_date";

  private VisitJson() {}

  static String line(GeneratedVisit visit, VisitLineStyle style) {
    return join(fields(visit, style), style.compact());
  }

  /** The members in the source's key order, then the style's extra field and key order. */
  static List<Field> fields(GeneratedVisit v, VisitLineStyle style) {
    List<Field> fields = new ArrayList<>(12);
    fields.add(new Field("task_id", prefixed("TASK", v.taskId(), style.bare(0))));
    fields.add(new Field("node_id", prefixed("NODE", v.nodeId(), style.bare(1))));
    fields.add(new Field("visit_id", Integer.toString(v.visitId())));
    fields.add(new Field(style.colonDateKey() ? VISIT_DATE_WITH_COLON : VISIT_DATE,
        date(v.visitDate(), style.visitDateTime(), style.secondOfDay())));
    fields.add(new Field("original_reported_date",
        date(v.originalReportedDate(), style.reportedDateTime(), style.secondOfDay())));
    fields.add(new Field("node_age", Integer.toString(v.nodeAge())));
    fields.add(new Field("node_type", prefixed("TYPE", v.nodeType(), style.bare(2))));
    fields.add(new Field("task_type", prefixed("TASK", v.taskType(), style.bare(3))));
    fields.add(new Field("engineer_skill_level",
        prefixed("LEVEL", v.skillLevel(), style.bare(4))));
    fields.add(new Field("engineer_note", note(v.tokensView(), style.noteArray())));
    fields.add(new Field("outcome", quote(v.outcome())));
    if (style.extraField() >= 0) {
      String extra = VisitLineStyle.EXTRA_FIELDS[style.extraField()];
      int colon = extra.indexOf(':');
      fields.add(2, new Field(extra.substring(1, colon - 1), extra.substring(colon + 2)));
    }
    if (style.reversed()) {
      Collections.reverse(fields);
    }
    return fields;
  }

  static String join(List<Field> fields, boolean compact) {
    StringBuilder line = new StringBuilder(256);
    line.append('{');
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        line.append(compact ? "," : ", ");
      }
      Field f = fields.get(i);
      line.append('"').append(f.key()).append(compact ? "\":" : "\": ").append(f.value());
    }
    return line.append('}').toString();
  }

  static String quote(String text) {
    return '"' + text + '"';
  }

  private static String prefixed(String prefix, long number, boolean bare) {
    return bare ? Long.toString(number) : quote(prefix + number);
  }

  private static String date(LocalDate date, int dateTimeForm, int secondOfDay) {
    if (dateTimeForm < 0) {
      return quote(date.toString());
    }
    String time = String.format(Locale.ROOT, "%02d:%02d:%02d", secondOfDay / 3600,
        secondOfDay / 60 % 60, secondOfDay % 60);
    return quote(String.format(Locale.ROOT, VisitLineStyle.DATE_TIME_FORMS[dateTimeForm],
        date, time));
  }

  private static String note(int[] tokens, boolean asArray) {
    StringBuilder text = new StringBuilder(tokens.length * 5 + 2);
    text.append(asArray ? '[' : '"');
    for (int i = 0; i < tokens.length; i++) {
      if (i > 0) {
        text.append(asArray ? ", " : " ");
      }
      text.append(tokens[i]);
    }
    return text.append(asArray ? ']' : '"').toString();
  }
}
