package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Least privilege, as the migrations grant it: the writer writes rows and cannot change the
 * schema; the analyst reads the model and nothing else; the monitor reads the ledger and the
 * quarantine and nothing else.
 */
class RolePrivilegesTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  /** PostgreSQL's insufficient_privilege. */
  private static final String DENIED = "42501";

  @BeforeAll
  static void oneRowPerModelTable() {
    db.execute("INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (1, 3), (2, NULL)");
    db.execute("INSERT INTO fieldflow.network_edges VALUES (1, 2), (2, 1)");
    db.execute(
        "INSERT INTO fieldflow.tasks (task_id, task_type, node_id, original_reported_date)"
            + " VALUES (10, 4, 1, DATE '2020-01-01')");
    db.execute(
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
            + " VALUES (10, 1, 1, DATE '2020-01-02', 5, 3, 'SUCCESS', '{1,2}', 'visits-1.jsonl', 1)");
  }

  @Test
  void theWriterCanWriteEveryIngestionTable() throws SQLException {
    runAs(
        db.writer(),
        "CREATE TEMP TABLE stage (id int)", // the loads stage in temporary tables (V23)
        "INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (100, 1), (101, NULL)",
        "UPDATE fieldflow.nodes SET node_type = 2 WHERE node_id = 101",
        "INSERT INTO fieldflow.tasks (task_id, task_type, node_id, original_reported_date)"
            + " VALUES (1000, 1, 100, DATE '2020-02-01')"
            + " ON CONFLICT (task_id) DO UPDATE SET task_type = EXCLUDED.task_type",
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
            + " VALUES (1000, 1, 100, DATE '2020-02-02', 1, 1, 'FAIL', '{7}', 'visits-2.jsonl', 3)"
            + " ON CONFLICT (task_id, visit_id) DO UPDATE SET outcome = EXCLUDED.outcome",
        "INSERT INTO fieldflow.ingest_files (pipeline, path, version, status)"
            + " VALUES ('visit', 'visits-2.jsonl', 'etag-1', 'running')",
        "UPDATE fieldflow.ingest_files SET status = 'done', lines_read = 1, records_read = 1,"
            + " rows_loaded = 1 WHERE path = 'visits-2.jsonl'",
        "INSERT INTO fieldflow.rejected_records (pipeline, file, file_version, line_number,"
            + " raw_text, original_length, reason_code, message)"
            + " VALUES ('visit', 'visits-2.jsonl', 'etag-1', 2, '{', 1, 'bad_json', 'unexpected end')",
        "INSERT INTO fieldflow.network_staging_files (load_id, path, version)"
            + " VALUES ('00000000-0000-0000-0000-000000000001', 'network.txt', 'etag-9')",
        "INSERT INTO fieldflow.network_staging (load_id, file, line_number, node_id, neighbours)"
            + " VALUES ('00000000-0000-0000-0000-000000000001', 'network.txt', 1, 100, '{101}')",
        "DELETE FROM fieldflow.network_edges WHERE node_id IN (100, 101)",
        "INSERT INTO fieldflow.network_edges VALUES (100, 101), (101, 100)",
        "INSERT INTO fieldflow.network_staging_rejects (load_id, file, file_version, line_number,"
            + " raw_text, original_length, reason_code, message)"
            + " VALUES ('00000000-0000-0000-0000-000000000001', 'network.txt', 'etag-9', 2, 'x', 1,"
            + " 'bad_node', 'not a node')",
        "DELETE FROM fieldflow.network_staging",
        "DELETE FROM fieldflow.network_staging_files",
        "DELETE FROM fieldflow.network_staging_rejects",
        "INSERT INTO fieldflow.network_snapshots (snapshot_id, files, nodes, edges,"
            + " rejected_lines, dropped_self_loops, dropped_duplicates)"
            + " VALUES ('00000000-0000-0000-0000-000000000001', 1, 2, 1, 0, 0, 0)");

    assertThat(db.count("SELECT count(*) FROM fieldflow.visits WHERE task_id = 1000"), is(1L));
    assertThat(db.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'"), is(1L));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CREATE TABLE fieldflow.scratch (id int)",
        "CREATE TABLE public.scratch (id int)",
        "CREATE SCHEMA scratch",
        "CREATE INDEX scratch_idx ON fieldflow.visits (outcome)",
        "ALTER TABLE fieldflow.visits ADD COLUMN scratch int",
        "DROP TABLE fieldflow.visits",
        "DROP TABLE fieldflow.ingest_files",
        "TRUNCATE fieldflow.visits",
        "DELETE FROM fieldflow.visits",
      })
  void theWriterCannotChangeTheSchemaOrDeleteHistory(String sql) {
    assertDenied(db.writer(), sql);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nodes", "visits", "network_edges", "tasks", "visit_note_tokens"})
  void theAnalystCanReadTheModel(String table) throws SQLException {
    assertReads(db.analyst(), "SELECT * FROM fieldflow." + table);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "INSERT INTO fieldflow.nodes (node_id) VALUES (999)",
        "UPDATE fieldflow.nodes SET node_type = 9",
        "DELETE FROM fieldflow.nodes",
        "INSERT INTO fieldflow.visits SELECT * FROM fieldflow.visits",
        "UPDATE fieldflow.visits SET outcome = 'FAIL'",
        "DELETE FROM fieldflow.visits",
        "DELETE FROM fieldflow.network_edges",
        "UPDATE fieldflow.tasks SET task_type = 0",
        "TRUNCATE fieldflow.tasks",
      })
  void theAnalystCannotChangeTheModel(String sql) {
    assertDenied(db.analyst(), sql);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CREATE TABLE fieldflow.scratch (id int)",
        "CREATE TABLE public.scratch (id int)",
        "CREATE SCHEMA scratch",
        "CREATE VIEW fieldflow.scratch AS SELECT 1",
        "DROP VIEW fieldflow.visit_note_tokens",
        // temp_file_limit does not cover a temporary table: it could fill the disk (V23).
        "CREATE TEMP TABLE scratch AS SELECT repeat('x', 1500) FROM generate_series(1, 10)",
      })
  void theAnalystCannotCreateOrDrop(String sql) {
    assertDenied(db.analyst(), sql);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ingest_files",
        "rejected_records",
        "network_staging",
        "network_staging_files",
        "network_staging_rejects",
        "flyway_schema_history"
      })
  void theAnalystCannotReadTheLedgerTheQuarantineOrStaging(String table) {
    assertDenied(db.analyst(), "SELECT * FROM fieldflow." + table);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest_files", "rejected_records", "input_completeness"})
  void theMonitorCanReadTheLedgerAndTheQuarantine(String table) throws SQLException {
    assertReads(db.monitor(), "SELECT * FROM fieldflow." + table);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT * FROM fieldflow.visits",
        "SELECT * FROM fieldflow.tasks",
        "SELECT * FROM fieldflow.nodes",
        "SELECT * FROM fieldflow.network_edges",
        "SELECT * FROM fieldflow.network_staging",
        "SELECT * FROM fieldflow.flyway_schema_history",
        "SELECT * FROM analytics.status",
        "INSERT INTO fieldflow.ingest_files (pipeline, path, version, status)"
            + " VALUES ('visit', 'm.jsonl', 'etag-1', 'running')",
        "UPDATE fieldflow.ingest_files SET status = 'failed', error = 'x'",
        "DELETE FROM fieldflow.ingest_files",
        "DELETE FROM fieldflow.rejected_records",
        "UPDATE fieldflow.rejected_records SET raw_text = ''",
        "TRUNCATE fieldflow.rejected_records",
        "INSERT INTO fieldflow.nodes (node_id) VALUES (998)",
        "CREATE TABLE fieldflow.scratch (id int)",
        "CREATE TABLE public.scratch (id int)",
        "CREATE TEMP TABLE scratch (id int)",
      })
  void theMonitorCannotReadTheModelNorWriteAnything(String sql) {
    assertDenied(db.monitor(), sql);
  }

  private static void runAs(DatabaseConfig login, String... statements) throws SQLException {
    try (Connection connection = login.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      for (String sql : statements) {
        statement.execute(sql);
      }
      connection.commit();
    }
  }

  private static void assertReads(DatabaseConfig login, String sql) throws SQLException {
    try (Connection connection = login.dataSource().getConnection();
        Statement statement = connection.createStatement()) {
      statement.executeQuery(sql).close();
    }
  }

  private static void assertDenied(DatabaseConfig login, String sql) {
    SQLException e =
        assertThrows(
            SQLException.class,
            () -> {
              try (Connection connection = login.dataSource().getConnection();
                  Statement statement = connection.createStatement()) {
                statement.execute(sql);
              }
            },
            sql);
    assertThat(sql + " -> " + e.getMessage(), e.getSQLState(), is(DENIED));
  }
}
