package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The plans the speed of the questions rests on (V7, V13), asked as the analyst with sequential
 * scans discouraged so that a tiny table plans as a large one would: q2 reads only the summary
 * the triggers on visits keep (not the visits), q1 probes failed visits only for candidates with
 * a visit_id above K, and intarray, kept in its own schema, leaves the built-in {@code @>} to the
 * GIN index on {@code note_tokens}.
 */
class QuestionPlansTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeAll
  static void oneTaskFixedAtItsSecondVisit() {
    db.execute("INSERT INTO fieldflow.nodes (node_id) VALUES (1)");
    db.execute("INSERT INTO fieldflow.tasks VALUES (7, 1, 1, DATE '2020-03-01')");
    db.execute(
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line) VALUES"
            + " (7, 1, 1, DATE '2020-03-02', 3, 3, 'FAIL', '{126,1,2,3,4,5}', 'a.jsonl', 1),"
            + " (7, 2, 1, DATE '2020-03-03', 3, 3, 'SUCCESS', '{1,2,3,4,5,126}', 'a.jsonl', 2)");
    db.execute("VACUUM ANALYZE fieldflow.visits");
  }

  @Test
  void q2ReadsOnlyTheSummaryOfSecondVisitSuccesses() throws SQLException {
    String plan = plan("SELECT * FROM analytics.q2()");
    assertThat(plan, containsString("second_visit_successes"));
    assertThat(plan, not(containsString(" visits ")));
    assertThat(plan, not(containsString("Seq Scan")));
  }

  @Test
  void q1SkipsCandidatesThatCannotFollowKFailedVisitsBeforeProbing() throws SQLException {
    String plan = plan("SELECT * FROM analytics.q1()");
    // The cheap bound is a filter on the covering index, evaluated before the probe, and no
    // index condition on the primary key (a bitmap of every visit_id > K).
    assertThat(plan, containsString("Index Only Scan using visits_success_date_skill_idx"));
    assertThat(plan, containsString("Filter: (((visit_id)::bigint > 2) AND ((SubPlan 1) >= 2))"));
    assertThat(plan, not(containsString("visits_pkey")));
  }

  @Test
  void aTokenSearchStillUsesTheGinIndex() throws SQLException {
    assertThat(plan("SELECT task_id FROM fieldflow.visits WHERE note_tokens @> ARRAY[126]"),
        containsString("visits_note_tokens_idx"));
    assertThat(plan("SELECT task_id FROM fieldflow.visits WHERE note_tokens && ARRAY[126, 45]"),
        containsString("visits_note_tokens_idx"));
  }

  private static String plan(String query) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Connection analyst = db.analyst().dataSource().getConnection();
        Statement s = analyst.createStatement()) {
      s.execute("SET enable_seqscan = off");
      try (ResultSet rs = s.executeQuery("EXPLAIN (COSTS OFF) " + query)) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
    }
    return plan.toString();
  }
}
