package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The throwaway database of a benchmark run, on a real embedded PostgreSQL. */
class BenchDatabaseTest {
  @TempDir static Path home;
  private static BenchDatabase db;

  @BeforeAll
  static void start() throws Exception {
    db = BenchDatabase.startAt(home.resolve("db"));
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void settleEmptiesWhatEveryEarlierRunWroteBaselinesAndFieldflowAlike() {
    db.execute(
        "CREATE TABLE bench.visits_a (LIKE fieldflow.visits INCLUDING ALL)",
        "CREATE TABLE bench.\"Visits B\" (id int)",
        "INSERT INTO bench.visits_a (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
            + " SELECT i, 1, 1, date '2020-01-01', 1, 1, 'SUCCESS', '{1}', 'f', i"
            + " FROM generate_series(1, 1000) i",
        "INSERT INTO bench.\"Visits B\" SELECT generate_series(1, 10)",
        "INSERT INTO fieldflow.nodes (node_id) VALUES (1), (2)");

    db.settle();

    assertThat(db.count("SELECT count(*) FROM bench.visits_a"), is(0L));
    assertThat(db.count("SELECT count(*) FROM bench.\"Visits B\""), is(0L));
    assertThat(db.count("SELECT count(*) FROM fieldflow.nodes"), is(0L));
  }
}
