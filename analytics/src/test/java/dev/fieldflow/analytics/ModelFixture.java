package dev.fieldflow.analytics;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.testdata.GeneratedNetwork;
import dev.fieldflow.testdata.GeneratedVisit;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Puts generated records straight into the model tables with {@code COPY}, the way the pipelines
 * would have stored them: every network node and both directions of every edge, the nodes and
 * tasks the visits name, and the visits. The analytics tests check SQL answers, not ingestion,
 * so this skips the pipelines.
 */
final class ModelFixture {
  /** Rows are sent to the server in chunks of about this many characters. */
  private static final int CHUNK = 1 << 20;

  private ModelFixture() {}

  /** Loads everything in one transaction, then {@code VACUUM ANALYZE}s the tables. */
  static void load(DatabaseConfig admin, GeneratedNetwork network, Collection<GeneratedVisit> visits) {
    try (Connection connection = admin.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      Map<Integer, Integer> nodeTypes = new TreeMap<>();
      for (int node : network.nodes()) {
        nodeTypes.put(node, null);
      }
      Map<Long, GeneratedVisit> lastVisitOfTask = new TreeMap<>();
      for (GeneratedVisit v : visits) {
        nodeTypes.put(v.nodeId(), v.nodeType());
        lastVisitOfTask.merge(v.taskId(), v, (a, b) -> a.visitId() >= b.visitId() ? a : b);
      }
      copy(connection, "COPY fieldflow.nodes (node_id, node_type) FROM STDIN", out ->
          nodeTypes.forEach((node, type) ->
              out.accept(node + "\t" + (type == null ? "\\N" : type) + "\n")));
      copy(connection, "COPY fieldflow.network_edges (node_id, adj_node_id) FROM STDIN", out -> {
        for (GeneratedNetwork.Edge e : network.edges()) {
          out.accept(e.low() + "\t" + e.high() + "\n" + e.high() + "\t" + e.low() + "\n");
        }
      });
      copy(connection,
          "COPY fieldflow.tasks (task_id, task_type, node_id, original_reported_date) FROM STDIN",
          out -> lastVisitOfTask.values().forEach(v ->
              out.accept(v.taskId() + "\t" + v.taskType() + "\t" + v.nodeId() + "\t"
                  + v.originalReportedDate() + "\n")));
      copy(connection,
          "COPY fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
              + " engineer_skill_level, outcome, note_tokens, source_file, source_line) FROM STDIN",
          out -> {
            long line = 0;
            for (GeneratedVisit v : visits) {
              StringBuilder row = new StringBuilder(160);
              row.append(v.taskId()).append('\t').append(v.visitId()).append('\t')
                  .append(v.nodeId()).append('\t').append(v.visitDate()).append('\t')
                  .append(v.nodeAge()).append('\t').append(v.skillLevel()).append('\t')
                  .append(v.outcome()).append("\t{");
              int[] tokens = v.noteTokens();
              for (int i = 0; i < tokens.length; i++) {
                if (i > 0) {
                  row.append(',');
                }
                row.append(tokens[i]);
              }
              row.append("}\tgenerated\t").append(++line).append('\n');
              out.accept(row.toString());
            }
          });
      connection.commit();
      connection.setAutoCommit(true);
      try (Statement statement = connection.createStatement()) {
        // Index-only scans need the visibility map; autovacuum would get there later.
        statement.execute("VACUUM ANALYZE fieldflow.nodes, fieldflow.network_edges,"
            + " fieldflow.tasks, fieldflow.visits");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot load the generated records: " + e.getMessage(), e);
    }
  }

  /** Runs one {@code COPY ... FROM STDIN} in text format, fed line by line by {@code rows}. */
  private static void copy(Connection connection, String sql, Consumer<Consumer<String>> rows)
      throws SQLException {
    CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
    try {
      StringBuilder buffer = new StringBuilder(CHUNK + 4096);
      rows.accept(line -> {
        buffer.append(line);
        if (buffer.length() >= CHUNK) {
          send(copy, buffer);
        }
      });
      send(copy, buffer);
      copy.endCopy();
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  private static void send(CopyIn copy, StringBuilder buffer) {
    byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
    buffer.setLength(0);
    try {
      copy.writeToCopy(bytes, 0, bytes.length);
    } catch (SQLException e) {
      throw new IllegalStateException("COPY failed: " + e.getMessage(), e);
    }
  }
}
