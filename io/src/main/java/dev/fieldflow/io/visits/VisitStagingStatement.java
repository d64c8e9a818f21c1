package dev.fieldflow.io.visits;

import dev.fieldflow.io.write.BatchStatement;
import dev.fieldflow.transforms.Visit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Stages a batch of parsed visits, one row per (file, line). Staging a line twice (a file read
 * again after a crash, a retried batch) is a no-op, so a file's staged rows are exactly its
 * accepted lines however often it was read.
 */
final class VisitStagingStatement implements BatchStatement<FileLine<Visit>> {
  @Override
  public String sql() {
    return "INSERT INTO fieldflow.visit_staging (file_id, line_number, task_id, visit_id,"
        + " node_id, visit_date, original_reported_date, node_age, node_type, task_type,"
        + " engineer_skill_level, outcome, note_tokens)"
        + " SELECT f, l, t, v, n, vd::date, rd::date, a, nt, tt, s, o, notes::int[]"
        + " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::int[], ?::int[], ?::text[],"
        + "  ?::text[], ?::int[], ?::int[], ?::int[], ?::int[], ?::text[], ?::text[])"
        + "  AS u(f, l, t, v, n, vd, rd, a, nt, tt, s, o, notes)"
        + " ON CONFLICT (file_id, line_number) DO NOTHING";
  }

  @Override
  public void bind(List<FileLine<Visit>> rows, PreparedStatement ps) throws SQLException {
    int size = rows.size();
    Long[] files = new Long[size];
    Long[] lines = new Long[size];
    Long[] tasks = new Long[size];
    Integer[] visits = new Integer[size];
    Integer[] nodes = new Integer[size];
    String[] visitDates = new String[size];
    String[] reportedDates = new String[size];
    Integer[] ages = new Integer[size];
    Integer[] nodeTypes = new Integer[size];
    Integer[] taskTypes = new Integer[size];
    Integer[] skills = new Integer[size];
    String[] outcomes = new String[size];
    String[] notes = new String[size];
    for (int i = 0; i < size; i++) {
      FileLine<Visit> row = rows.get(i);
      Visit v = row.value();
      files[i] = row.fileId();
      lines[i] = v.lineNumber();
      tasks[i] = v.taskId();
      visits[i] = v.visitId();
      nodes[i] = v.nodeId();
      visitDates[i] = v.visitDate().toString();
      reportedDates[i] = v.originalReportedDate().toString();
      ages[i] = v.nodeAge();
      nodeTypes[i] = v.nodeType();
      taskTypes[i] = v.taskType();
      skills[i] = v.engineerSkillLevel();
      outcomes[i] = v.outcome().name();
      notes[i] = arrayLiteral(v.noteTokens());
    }
    Connection c = ps.getConnection();
    ps.setArray(1, c.createArrayOf("bigint", files));
    ps.setArray(2, c.createArrayOf("bigint", lines));
    ps.setArray(3, c.createArrayOf("bigint", tasks));
    ps.setArray(4, c.createArrayOf("integer", visits));
    ps.setArray(5, c.createArrayOf("integer", nodes));
    ps.setArray(6, c.createArrayOf("text", visitDates));
    ps.setArray(7, c.createArrayOf("text", reportedDates));
    ps.setArray(8, c.createArrayOf("integer", ages));
    ps.setArray(9, c.createArrayOf("integer", nodeTypes));
    ps.setArray(10, c.createArrayOf("integer", taskTypes));
    ps.setArray(11, c.createArrayOf("integer", skills));
    ps.setArray(12, c.createArrayOf("text", outcomes));
    ps.setArray(13, c.createArrayOf("text", notes));
  }

  /** {@code {1,2,3}}: an int[] per row travels as text inside the text[] parameter. */
  static String arrayLiteral(int[] tokens) {
    StringBuilder s = new StringBuilder(2 + tokens.length * 4).append('{');
    for (int i = 0; i < tokens.length; i++) {
      if (i > 0) {
        s.append(',');
      }
      s.append(tokens[i]);
    }
    return s.append('}').toString();
  }
}
