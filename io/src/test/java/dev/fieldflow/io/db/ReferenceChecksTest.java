package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The references of the ingest tables are a rule of the database, not of the loader: the
 * statement triggers of V4 (one set-based check per statement, each distinct key probed once
 * since V19) refuse, as a foreign key would, any statement that leaves a visit without its task
 * or node, or a task without its node, whoever writes it.
 */
class ReferenceChecksTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  /** PostgreSQL's foreign_key_violation. */
  private static final String MISSING_REFERENCE = "23503";

  private static final String INSERT_VISITS =
      "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
          + " engineer_skill_level, outcome, note_tokens, source_file, source_line) VALUES ";

  @BeforeAll
  static void nodesAndTasks() {
    db.execute("INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (1, 3), (2, NULL), (3, 1)");
    db.execute(
        "INSERT INTO fieldflow.tasks (task_id, task_type, node_id, original_reported_date)"
            + " SELECT t, 1, 1 + t % 3, DATE '2020-01-01' FROM generate_series(1, 50) t");
  }

  @Test
  void aStatementWhoseVisitsAllHaveTheirTaskAndNodeIsStored() throws SQLException {
    // 150 visits: every task three times and every node fifty times, in one statement.
    db.executeAs(
        db.writer(),
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
            + " SELECT t, v, 1 + (t + v) % 3, DATE '2020-01-02', 5, 3, 'SUCCESS', '{1}',"
            + " 'stored.jsonl', t * 10 + v"
            + " FROM generate_series(1, 50) t, generate_series(1, 3) v");

    assertThat(
        db.count("SELECT count(*) FROM fieldflow.visits WHERE source_file = 'stored.jsonl'"),
        is(150L));
  }

  @Test
  void aVisitOfAMissingTaskRefusesItsWholeStatementNamingTheVisit() {
    assertRefused(
        INSERT_VISITS
            + String.join(", ", visit(1, 11, 1, "task.jsonl"), visit(9999, 4, 2, "task.jsonl"),
                visit(2, 11, 2, "task.jsonl")),
        "visit (task 9999, visit 4) references a missing task 9999");

    assertThat(
        db.count("SELECT count(*) FROM fieldflow.visits WHERE source_file = 'task.jsonl'"), is(0L));
  }

  @Test
  void aVisitAtAMissingNodeRefusesItsWholeStatementNamingTheVisit() {
    assertRefused(
        INSERT_VISITS
            + String.join(", ", visit(3, 12, 3, "node.jsonl"), visit(4, 12, 77, "node.jsonl"),
                visit(5, 12, 1, "node.jsonl")),
        "visit (task 4, visit 12) references a missing node 77");

    assertThat(
        db.count("SELECT count(*) FROM fieldflow.visits WHERE source_file = 'node.jsonl'"), is(0L));
  }

  @Test
  void anUpdateThatMovesAVisitToAMissingNodeIsRefused() throws SQLException {
    db.executeAs(db.writer(), INSERT_VISITS + visit(6, 13, 1, "moved.jsonl"));

    assertRefused(
        "UPDATE fieldflow.visits SET node_id = 88 WHERE source_file = 'moved.jsonl'",
        "visit (task 6, visit 13) references a missing node 88");

    assertThat(
        db.count("SELECT node_id FROM fieldflow.visits WHERE source_file = 'moved.jsonl'"), is(1L));
  }

  @Test
  void aTaskAtAMissingNodeRefusesItsWholeStatement() {
    assertRefused(
        "INSERT INTO fieldflow.tasks (task_id, task_type, node_id, original_reported_date) VALUES"
            + " (501, 1, 1, DATE '2020-01-01'), (502, 1, 66, DATE '2020-01-01'),"
            + " (503, 1, 2, DATE '2020-01-01')",
        "task 502 references a missing node 66");

    assertThat(db.count("SELECT count(*) FROM fieldflow.tasks WHERE task_id > 500"), is(0L));
  }

  @Test
  void anUpdateThatMovesATaskToAMissingNodeIsRefused() {
    assertRefused(
        "UPDATE fieldflow.tasks SET node_id = 55 WHERE task_id = 7",
        "task 7 references a missing node 55");

    assertThat(db.count("SELECT node_id FROM fieldflow.tasks WHERE task_id = 7"), is(2L));
  }

  /** {@code sql}, run as the pipelines' writer, is refused as a foreign key would refuse it. */
  private static void assertRefused(String sql, String message) {
    SQLException e = assertThrows(SQLException.class, () -> db.executeAs(db.writer(), sql));
    assertThat(e.getSQLState(), is(MISSING_REFERENCE));
    assertThat(e.getMessage(), containsString(message));
  }

  /** A visit row; the visit ids of these tests start at 11, above the stored test's. */
  private static String visit(long task, int visit, int node, String file) {
    return String.format(
        "(%d, %d, %d, DATE '2020-01-02', 5, 3, 'FAIL', '{2}', '%s', %d)",
        task, visit, node, file, task * 10 + visit);
  }
}
