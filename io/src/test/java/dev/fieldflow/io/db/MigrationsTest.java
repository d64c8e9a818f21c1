package dev.fieldflow.io.db;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The migrations, applied by the extension as the superuser like on any server. */
class MigrationsTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @Test
  void theyCreateEveryTableOfTheModelInSchemaFieldflow() {
    List<String> tables =
        names(
            "SELECT table_name FROM information_schema.tables"
                + " WHERE table_schema = 'fieldflow' AND table_type = 'BASE TABLE'");

    assertThat(
        tables,
        hasItems(
            "nodes",
            "network_edges",
            "network_snapshots",
            "tasks",
            "visits",
            "ingest_files",
            "rejected_records",
            "network_staging",
            "network_staging_files",
            "network_staging_rejects",
            "flyway_schema_history"));
  }

  @Test
  void theyCreateTheNoteTokensView() {
    assertThat(
        names("SELECT table_name FROM information_schema.views WHERE table_schema = 'fieldflow'"),
        hasItems("visit_note_tokens"));
  }

  @Test
  void theViewGivesOneRowPerTokenInNoteOrder() {
    db.execute("INSERT INTO fieldflow.nodes (node_id) VALUES (7)");
    db.execute(
        "INSERT INTO fieldflow.tasks (task_id, task_type, node_id, original_reported_date)"
            + " VALUES (70, 1, 7, DATE '2020-01-01')");
    db.execute(
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
            + " VALUES (70, 1, 7, DATE '2020-01-02', 3, 2, 'FAIL', '{5,9,5}', 'v.jsonl', 1)");

    assertThat(
        db.rows(
            "SELECT position, token FROM fieldflow.visit_note_tokens WHERE task_id = 70"
                + " ORDER BY position"),
        is(List.of(List.of(1, 5), List.of(2, 9), List.of(3, 5))));
  }

  @Test
  void runningThemAgainIsANoOp() {
    long history = db.count("SELECT count(*) FROM fieldflow.flyway_schema_history");
    List<List<Object>> objects = schemaObjects();

    int applied = Migrations.apply(db.admin());

    assertThat(applied, is(0));
    assertThat(db.count("SELECT count(*) FROM fieldflow.flyway_schema_history"), is(history));
    assertThat(schemaObjects(), is(objects));
  }

  @Test
  void theyKeepTheirHistoryInSchemaFieldflow() {
    assertThat(
        db.count(
            "SELECT count(*) FROM fieldflow.flyway_schema_history"
                + " WHERE version = '1' AND success"),
        is(1L));
  }

  @Test
  void theyRefuseToRunAsTheWriter() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Migrations.apply(db.writer()));

    assertThat(
        e.getMessage(),
        containsString("migrations must run as the schema owner or an administrator, not as the"
            + " writer role fieldflow_writer"));
  }

  @Test
  void roleNamesThatWouldNeedQuotingAreRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Migrations.apply(db.admin(), "writer; DROP TABLE x", "fieldflow_analyst"));

    assertThat(
        e.getMessage(),
        is("writer role name 'writer; DROP TABLE x' must be a lower-case identifier like"
            + " fieldflow_writer"));
  }

  private static List<String> names(String sql) {
    return db.rows(sql).stream().map(row -> (String) row.get(0)).collect(Collectors.toList());
  }

  private static List<List<Object>> schemaObjects() {
    return db.rows(
        "SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname IN ('fieldflow', 'analytics') ORDER BY 1, 2");
  }
}
