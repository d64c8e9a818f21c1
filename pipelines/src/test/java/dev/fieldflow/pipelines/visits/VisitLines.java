package dev.fieldflow.pipelines.visits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/** Visit log lines in the raw format, and files of them, for the visit pipeline's tests. */
public final class VisitLines {
  private VisitLines() {}

  /** A valid line in the source's own form (the key {@code visit_date:} with its colon). */
  public static String visit(long task, int visit, int node, String date, String outcome, String note) {
    return String.format(Locale.ROOT,
        "{\"task_id\": \"TASK%d\", \"node_id\": \"NODE%d\", \"visit_id\": %d, \"visit_date:\": \"%s\","
            + " \"original_reported_date\": \"2019-09-16\", \"node_age\": 23, \"node_type\": \"TYPE2\","
            + " \"task_type\": \"TASK6\", \"engineer_skill_level\": \"LEVEL4\", \"engineer_note\": \"%s\","
            + " \"outcome\": \"%s\"}",
        task, node, visit, date, note, outcome);
  }

  /** A valid line for visit {@code visit} of task {@code task}, defaults elsewhere. */
  public static String visit(long task, int visit) {
    return visit(task, visit, (int) (task % 50), "2020-01-0" + (1 + visit % 9), "SUCCESS", "1 2 3");
  }

  /** {@code count} valid lines: tasks {@code firstTask}.., one visit each. */
  public static String visits(long firstTask, int count) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < count; i++) {
      s.append(visit(firstTask + i, 1)).append('\n');
    }
    return s.toString();
  }

  public static Path write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  public static Path write(Path file, List<String> lines) throws IOException {
    return write(file, String.join("\n", lines) + "\n");
  }

  public static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(content);
    }
    return bytes.toByteArray();
  }
}
