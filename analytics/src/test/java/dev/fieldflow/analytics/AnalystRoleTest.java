package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The analyst role reads the model and the analytics schema and nothing else: it asks every
 * question, sees ingestion progress only through {@code analytics.status}, and cannot write,
 * create or read the ledger's internals.
 */
class AnalystRoleTest {
  /** PostgreSQL's insufficient_privilege. */
  private static final String DENIED = "42501";

  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeAll
  static void aSmallNetworkWithVisits() {
    db.execute("INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (94, 1), (1, 2), (2, 3)");
    db.execute("INSERT INTO fieldflow.network_edges VALUES (94, 1), (1, 94), (1, 2), (2, 1)");
    db.execute("INSERT INTO fieldflow.tasks VALUES (7, 1, 1, DATE '2020-03-01')");
    db.execute(
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line) VALUES"
            + " (7, 1, 1, DATE '2020-03-02', 3, 3, 'FAIL', '{126,1,2,3,4,5}', 'a.jsonl', 1),"
            + " (7, 2, 1, DATE '2020-03-03', 3, 3, 'SUCCESS', '{1,2,3,4,5,126}', 'a.jsonl', 2)");
  }

  @ParameterizedTest
  @EnumSource(Question.class)
  void analystCanAskEveryQuestion(Question question) throws SQLException {
    try (Connection analyst = db.analyst().dataSource().getConnection()) {
      Answer answer = question.ask(analyst, Map.of());
      assertThat(answer.question(), is(question));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"q1_default", "q2_default", "q3_default", "q4_default", "q5_default",
      "status"})
  void analystCanReadEveryAnalyticsView(String view) {
    assertDoesNotThrow(() -> rowsAsAnalyst("SELECT * FROM analytics." + view));
  }

  @ParameterizedTest
  @ValueSource(strings = {"nodes", "network_edges", "tasks", "visits", "visit_note_tokens"})
  void analystCanReadTheModel(String table) throws SQLException {
    assertThat(rowsAsAnalyst("SELECT count(*) FROM fieldflow." + table).size(), is(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "INSERT INTO fieldflow.nodes (node_id) VALUES (99)",
      "INSERT INTO fieldflow.visits SELECT * FROM fieldflow.visits WHERE false",
      "UPDATE fieldflow.visits SET outcome = 'SUCCESS'",
      "UPDATE fieldflow.tasks SET task_type = 2",
      "DELETE FROM fieldflow.network_edges",
      "DELETE FROM fieldflow.visits",
      "TRUNCATE fieldflow.visits",
      "INSERT INTO fieldflow.ingest_files (pipeline, path, version, status)"
          + " VALUES ('visit', 'x', 'v', 'done')",
      "INSERT INTO fieldflow.rejected_records (pipeline, file, file_version, line_number,"
          + " raw_text, original_length, reason_code, message)"
          + " VALUES ('visit', 'x', 'v', 1, '', 0, 'c', 'm')"})
  void analystCannotWrite(String statement) {
    assertDenied(statement);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CREATE TABLE fieldflow.scratch (x int)",
      "CREATE TABLE analytics.scratch (x int)",
      "CREATE TABLE public.scratch (x int)",
      "CREATE SCHEMA scratch",
      "CREATE VIEW analytics.scratch AS SELECT 1",
      "CREATE INDEX scratch ON fieldflow.visits (node_age)",
      "CREATE OR REPLACE FUNCTION analytics.q3(origin integer DEFAULT 94,"
          + " max_hops integer DEFAULT 2) RETURNS TABLE (node_id integer, hops integer)"
          + " LANGUAGE sql AS 'SELECT 1, 1'",
      "ALTER TABLE fieldflow.visits ADD COLUMN scratch int",
      "DROP VIEW analytics.q1_default",
      "COMMENT ON TABLE fieldflow.visits IS 'mine'"})
  void analystCannotCreateOrChangeTheSchema(String statement) {
    assertDenied(statement);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest_files", "rejected_records", "network_snapshots",
      "network_staging", "network_staging_files", "flyway_schema_history"})
  void analystCannotReadIngestionInternals(String table) {
    assertDenied("SELECT * FROM fieldflow." + table);
  }

  @Test
  void statusShowsIngestionProgressWithoutTheLedgerItself() throws SQLException {
    db.execute("DELETE FROM fieldflow.rejected_records");
    db.execute("DELETE FROM fieldflow.ingest_files");
    db.execute(
        "INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, lines_read,"
            + " records_read, rows_loaded, rejected, error, started_at, finished_at) VALUES"
            + " ('visit', 'visits/a.jsonl', 'e1', 'done', 10, 8, 8, 2, NULL,"
            + "  TIMESTAMPTZ '2020-01-01 10:00Z', TIMESTAMPTZ '2020-01-01 10:01Z'),"
            + " ('visit', 'visits/b.jsonl', 'e1', 'done', 5, 5, 5, 0, NULL,"
            + "  TIMESTAMPTZ '2020-01-01 11:00Z', TIMESTAMPTZ '2020-01-01 11:01Z'),"
            + " ('visit', 'visits/c.jsonl', 'e1', 'failed', 0, 0, 0, 0, 'gone', NULL, NULL),"
            + " ('visit', 'visits/d.jsonl', 'e1', 'running', 0, 0, 0, 0, NULL, NULL, NULL),"
            // a failed version, then its later version loaded: superseded, not failed (V37)
            + " ('network', 'network/n.txt', 'e1', 'failed', 0, 0, 0, 0, 'csv', NULL, NULL),"
            + " ('network', 'network/n.txt', 'e2', 'done', 0, 0, 0, 0, NULL,"
            + "  TIMESTAMPTZ '2020-01-01 09:00Z', TIMESTAMPTZ '2020-01-01 09:01Z')");
    db.execute(
        "INSERT INTO fieldflow.rejected_records (pipeline, file, file_version, line_number,"
            + " raw_text, original_length, reason_code, message) VALUES"
            + " ('visit', 'visits/a.jsonl', 'e1', 3, '{', 1, 'not_json', 'not JSON'),"
            + " ('visit', 'visits/a.jsonl', 'e1', 7, '[]', 2, 'not_object', 'not an object')");

    List<List<Object>> status =
        rowsAsAnalyst(
            "SELECT pipeline, files_done, files_failed, files_running, rows_loaded,"
                + " rejected_lines, quarantined_records, last_file, files_superseded"
                + " FROM analytics.status");

    assertThat(
        status,
        contains(
            List.of("network", 1L, 0L, 0L, 0L, 0L, 0L, "network/n.txt", 1L),
            List.of("visit", 2L, 1L, 1L, 13L, 2L, 2L, "visits/b.jsonl", 0L)));
  }

  @Test
  void statusHasTheSummaryColumnsOnly() throws SQLException {
    List<List<Object>> columns =
        rowsAsAnalyst(
            "SELECT column_name::text FROM information_schema.columns"
                + " WHERE table_schema = 'analytics' AND table_name = 'status'"
                + " ORDER BY ordinal_position");
    assertThat(
        columns,
        contains(
            List.of("pipeline"), List.of("files_done"), List.of("files_failed"),
            List.of("files_running"), List.of("rows_loaded"), List.of("rejected_lines"),
            List.of("quarantined_records"), List.of("last_file"),
            List.of("last_file_finished_at"), List.of("files_superseded")));
  }

  private static void assertDenied(String statement) {
    SQLException e = assertThrows(SQLException.class, () -> executeAsAnalyst(statement));
    assertThat(statement + ": " + e.getMessage(), e.getSQLState(), is(DENIED));
  }

  private static void executeAsAnalyst(String sql) throws SQLException {
    db.executeAs(db.analyst(), sql);
  }

  /** Every row as a list of values; a null shows as "-". */
  private static List<List<Object>> rowsAsAnalyst(String sql) throws SQLException {
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Statement statement = analyst.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      List<List<Object>> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          Object value = rs.getObject(i);
          row.add(value == null ? "-" : value);
        }
        rows.add(row);
      }
      return rows;
    }
  }
}
