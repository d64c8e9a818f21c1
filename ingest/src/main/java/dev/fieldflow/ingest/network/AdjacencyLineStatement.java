package dev.fieldflow.ingest.network;

import dev.fieldflow.ingest.write.BatchStatement;
import dev.fieldflow.transforms.AdjacencyLine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Stages parsed adjacency lines of one load in {@code fieldflow.network_staging}. Idempotent:
 * staging a line twice (a retried batch) keeps one row.
 */
final class AdjacencyLineStatement implements BatchStatement<AdjacencyLine> {
  private final String loadId;

  AdjacencyLineStatement(String loadId) {
    this.loadId = loadId;
  }

  @Override
  public String sql() {
    return "INSERT INTO fieldflow.network_staging (load_id, file, line_number, node_id, neighbours)"
        + " SELECT ?::uuid, f, l, n, nb::int[]"
        + " FROM unnest(?::text[], ?::bigint[], ?::int[], ?::text[]) AS u(f, l, n, nb)"
        + " ON CONFLICT DO NOTHING";
  }

  @Override
  public void bind(List<AdjacencyLine> rows, PreparedStatement ps) throws SQLException {
    int n = rows.size();
    String[] files = new String[n];
    Long[] lines = new Long[n];
    Integer[] nodes = new Integer[n];
    String[] neighbours = new String[n];
    for (int i = 0; i < n; i++) {
      AdjacencyLine line = rows.get(i);
      files[i] = line.file();
      lines[i] = line.lineNumber();
      nodes[i] = line.nodeId();
      neighbours[i] = arrayLiteral(line.neighbours());
    }
    Connection c = ps.getConnection();
    ps.setString(1, loadId);
    ps.setArray(2, c.createArrayOf("text", files));
    ps.setArray(3, c.createArrayOf("bigint", lines));
    ps.setArray(4, c.createArrayOf("integer", nodes));
    ps.setArray(5, c.createArrayOf("text", neighbours));
  }

  /** {@code {1,2,3}}: an int[] per row travels as text inside one text[] parameter. */
  static String arrayLiteral(int[] values) {
    StringBuilder s = new StringBuilder(values.length * 5 + 2).append('{');
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        s.append(',');
      }
      s.append(values[i]);
    }
    return s.append('}').toString();
  }
}
