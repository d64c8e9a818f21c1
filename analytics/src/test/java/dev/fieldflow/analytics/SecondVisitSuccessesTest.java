package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code fieldflow.second_visit_successes} (V13), which q2 reads instead of the visits, stays what
 * q2's definition says whatever writes the visits: inserts, upserts, updates of the outcome or the
 * note, deletes, truncation, several statements in one transaction, and two writers of the same
 * task at the same time. Written as the pipelines' writer role, the way the merge writes.
 */
class SecondVisitSuccessesTest {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @BeforeEach
  void noVisits() {
    db.execute("TRUNCATE fieldflow.visits");
    db.execute("INSERT INTO fieldflow.nodes (node_id) VALUES (1) ON CONFLICT DO NOTHING");
    db.execute("INSERT INTO fieldflow.tasks SELECT t, 1, 1, DATE '2020-03-01'"
        + " FROM generate_series(1, 20) t ON CONFLICT DO NOTHING");
  }

  @Test
  void aTaskFixedAtItsSecondVisitCountsTheDistinctTokensBothNotesShare() throws SQLException {
    asWriter(visit(7, 1, "FAIL", "{126,1,2,2,3,4,5}") + ";" + visit(7, 2, "SUCCESS", "{2,1,3,9,126,2}"));
    // Shared: 126, 1, 2, 3; the repeated 2 counts once.
    assertThat(summary(), is(List.of(List.of(7L, 4))));
    assertThat(matchesADirectComputation(), is(true));
  }

  @Test
  void visitsWrittenInSeparateTransactionsAndOrders() throws SQLException {
    asWriter(visit(7, 2, "SUCCESS", "{1,2,3}"));
    assertThat(summary(), is(empty()));
    asWriter(visit(7, 1, "FAIL", "{3,4}"));
    assertThat(summary(), is(List.of(List.of(7L, 1))));
    // A third visit is not q2's business.
    asWriter(visit(7, 3, "SUCCESS", "{1,2,3,4}"));
    assertThat(summary(), is(List.of(List.of(7L, 1))));
  }

  @Test
  void anUpsertOrUpdateThatChangesVisit1Or2ChangesTheRow() throws SQLException {
    asWriter(visit(7, 1, "FAIL", "{1,2}") + ";" + visit(7, 2, "SUCCESS", "{1,2}") + ";"
        + visit(8, 1, "FAIL", "{5}") + ";" + visit(8, 2, "SUCCESS", "{5}"));
    assertThat(summary(), is(List.of(List.of(7L, 2), List.of(8L, 1))));
    // The merge's upsert: a changed note.
    asWriter(visit(7, 2, "SUCCESS", "{1,2,3}") + " ON CONFLICT (task_id, visit_id) DO UPDATE SET"
        + " note_tokens = EXCLUDED.note_tokens");
    asWriter("UPDATE fieldflow.visits SET note_tokens = '{7}' WHERE task_id = 8 AND visit_id = 1");
    assertThat(summary(), is(List.of(List.of(7L, 2), List.of(8L, 0))));
    // Visit 1 succeeded after all: no longer a second-visit fix.
    asWriter("UPDATE fieldflow.visits SET outcome = 'SUCCESS' WHERE task_id = 7 AND visit_id = 1");
    assertThat(summary(), is(List.of(List.of(8L, 0))));
    assertThat(matchesADirectComputation(), is(true));
  }

  @Test
  void deletesAndTruncationEmptyIt() throws SQLException {
    asWriter(visit(7, 1, "FAIL", "{1}") + ";" + visit(7, 2, "SUCCESS", "{1}") + ";"
        + visit(8, 1, "FAIL", "{1}") + ";" + visit(8, 2, "SUCCESS", "{1}"));
    db.execute("DELETE FROM fieldflow.visits WHERE task_id = 7 AND visit_id = 2");
    assertThat(summary(), is(List.of(List.of(8L, 1))));
    db.execute("TRUNCATE fieldflow.visits");
    assertThat(summary(), is(empty()));
  }

  @Test
  void manyStatementsInOneTransactionAndARollback() throws SQLException {
    try (Connection c = db.writer().dataSource().getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute(visit(7, 1, "FAIL", "{1,2}"));
      s.execute(visit(7, 2, "SUCCESS", "{2}"));
      s.execute("UPDATE fieldflow.visits SET note_tokens = '{1,2}' WHERE task_id = 7 AND visit_id = 2");
      // The transaction sees its own work only once it commits: q2 is read by others.
      c.commit();
      assertThat(queuedInSession(s), is(0L));
      s.execute(visit(9, 1, "FAIL", "{1}"));
      s.execute(visit(9, 2, "SUCCESS", "{1}"));
      assertThat(queuedInSession(s), is(2L));
      c.rollback();
      // Nothing is left queued between transactions, in the session or shared.
      assertThat(queuedInSession(s), is(0L));
    }
    assertThat(summary(), is(List.of(List.of(7L, 2))));
    assertThat(db.count("SELECT count(*) FROM fieldflow.second_visit_commits"), is(0L));
  }

  @Test
  void aRefreshRunEarlyInATransactionAndTheWritesAfterIt() throws SQLException {
    try (Connection c = db.writer().dataSource().getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute(visit(7, 1, "FAIL", "{1,2}"));
      s.execute(visit(7, 2, "SUCCESS", "{2}"));
      // The deferred refresh runs now, inside the transaction, and takes task 7 off the queue.
      s.execute("SET CONSTRAINTS ALL IMMEDIATE");
      s.execute("SET CONSTRAINTS ALL DEFERRED");
      assertThat(queuedInSession(s), is(0L));
      assertThat(countIn(s, "SELECT sum(shared_tokens) FROM fieldflow.second_visit_successes"
          + " WHERE task_id = 7"), is(1L));
      s.execute("UPDATE fieldflow.visits SET note_tokens = '{1,2}' WHERE task_id = 7 AND visit_id = 2");
      s.execute(visit(8, 1, "FAIL", "{3}"));
      s.execute(visit(8, 2, "SUCCESS", "{3,4}"));
      c.commit();
    }
    assertThat(summary(), is(List.of(List.of(7L, 2), List.of(8L, 1))));
    assertThat(matchesADirectComputation(), is(true));
  }

  @Test
  void twoWritersOfOneTaskAtTheSameTimeLeaveTheRightRow() throws SQLException {
    // Visit 1 and visit 2 of task 7 in two transactions open at the same time: neither sees the
    // other's visit while it writes, and whichever commits second must still record the pair.
    for (boolean firstCommitsFirst : new boolean[] {true, false}) {
      db.execute("TRUNCATE fieldflow.visits");
      try (Connection a = db.writer().dataSource().getConnection();
          Connection b = db.writer().dataSource().getConnection();
          Statement sa = a.createStatement();
          Statement sb = b.createStatement()) {
        a.setAutoCommit(false);
        b.setAutoCommit(false);
        sa.execute(visit(7, 1, "FAIL", "{1,2,3}"));
        sb.execute(visit(7, 2, "SUCCESS", "{2,3,4}"));
        if (firstCommitsFirst) {
          a.commit();
          b.commit();
        } else {
          b.commit();
          a.commit();
        }
      }
      assertThat(summary(), is(List.of(List.of(7L, 2))));
    }
  }

  @Test
  void aBulkLoadMatchesADirectComputation() throws SQLException {
    asWriter("INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
        + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
        + " SELECT t, v, 1, DATE '2020-03-01', 1, 1,"
        + "  CASE WHEN (t * 7 + v) % 3 = 0 THEN 'SUCCESS' ELSE 'FAIL' END,"
        + "  ARRAY(SELECT (t * v * k) % 6 FROM generate_series(1, 1 + (t + v) % 7) k),"
        + "  'bulk.jsonl', t * 10 + v"
        + " FROM generate_series(1, 20) t, generate_series(1, 3) v");
    assertThat(summary().isEmpty(), is(false));
    assertThat(matchesADirectComputation(), is(true));
  }

  /**
   * The refresh at commit looks each queued task's visits 1 and 2 up with one probe of the key
   * (V20; one probe for each before), whatever the
   * statistics and however many commits the session made before (after five, PL/pgSQL would
   * run a cached generic plan): a session commits eight small transactions, then 2,900 tasks
   * at once, and the plan of the refresh's INSERT, as auto_explain reports it to the session,
   * probes visits with each task's id. The generic plan made on a small table had joined every
   * queued task with every failed first visit, and commits took seconds during a first backfill.
   */
  @Test
  void theRefreshProbesEachTaskByKeyAfterManyCommitsOfTheSession() throws SQLException {
    db.execute("INSERT INTO fieldflow.tasks SELECT t, 1, 1, DATE '2020-03-01'"
        + " FROM generate_series(21, 3000) t ON CONFLICT DO NOTHING");
    try (Connection c = db.admin().dataSource().getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("LOAD 'auto_explain'");
      s.execute("SET auto_explain.log_min_duration = 0");
      s.execute("SET auto_explain.log_nested_statements = on");
      s.execute("SET auto_explain.log_level = notice");
      s.execute("SET client_min_messages = notice");
      for (int task = 1; task <= 8; task++) {
        s.execute(visit(task, 1, "FAIL", "{1,2}") + ";" + visit(task, 2, "SUCCESS", "{2,3}"));
        c.commit();
      }
      s.execute("INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
          + " engineer_skill_level, outcome, note_tokens, source_file, source_line)"
          + " SELECT t, v, 1, DATE '2020-03-02', 3, 3, CASE v WHEN 1 THEN 'FAIL' ELSE 'SUCCESS' END,"
          + " '{1,2}', 'bulk.jsonl', t * 10 + v FROM generate_series(100, 2999) t, generate_series(1, 2) v");
      c.clearWarnings();
      c.commit();
      String refresh = null;
      for (java.sql.SQLWarning w = c.getWarnings(); w != null; w = w.getNextWarning()) {
        if (w.getMessage().contains("INSERT INTO fieldflow.second_visit_successes")) {
          refresh = w.getMessage();
        }
      }
      assertThat("auto_explain reported the refresh's plan at commit", refresh != null, is(true));
      assertThat(refresh, not(containsString("Seq Scan on visits")));
      assertThat(refresh, not(containsString("Materialize")));
      assertThat(refresh, java.util.regex.Pattern.compile(
              "Index Cond: \\(\\(task_id = t\\.task_id\\) AND \\(visit_id <= 2\\)\\)")
          .matcher(refresh).results().count(), is(1L));
    }
    assertThat(summary().size(), is(2_908));
    assertThat(matchesADirectComputation(), is(true));
  }

  private static String visit(long task, int visit, String outcome, String notes) {
    return "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
        + " engineer_skill_level, outcome, note_tokens, source_file, source_line) VALUES ("
        + task + ", " + visit + ", 1, DATE '2020-03-02', 3, 3, '" + outcome + "', '" + notes
        + "', 'a.jsonl', " + (task * 10 + visit) + ")";
  }

  /** The tasks queued for the refresh in this session's transaction (V20). */
  private static long queuedInSession(Statement s) throws SQLException {
    return countIn(s, "SELECT count(*) FROM pg_temp.second_visit_queue");
  }

  /** A count read in the session of {@code s}, inside its open transaction. */
  private static long countIn(Statement s, String sql) throws SQLException {
    try (java.sql.ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getLong(1);
    }
  }

  private static void asWriter(String sql) throws SQLException {
    db.executeAs(db.writer(), sql);
  }

  private static List<List<Object>> summary() {
    return db.rows("SELECT task_id, shared_tokens FROM fieldflow.second_visit_successes ORDER BY 1");
  }

  /** q2's definition of V3, on the visits themselves, at W = 0. */
  private static boolean matchesADirectComputation() {
    return db.count("SELECT count(*) FROM ("
        + " (SELECT task_id, shared_tokens FROM fieldflow.second_visit_successes"
        + "  EXCEPT SELECT second.task_id, (SELECT count(DISTINCT token)::integer"
        + "   FROM unnest(first.note_tokens) token WHERE token = ANY (second.note_tokens))"
        + "  FROM fieldflow.visits second JOIN fieldflow.visits first ON first.task_id = second.task_id"
        + "   AND first.visit_id = 1 AND first.outcome = 'FAIL'"
        + "  WHERE second.visit_id = 2 AND second.outcome = 'SUCCESS')"
        + " UNION ALL"
        + " (SELECT second.task_id, (SELECT count(DISTINCT token)::integer"
        + "   FROM unnest(first.note_tokens) token WHERE token = ANY (second.note_tokens))"
        + "  FROM fieldflow.visits second JOIN fieldflow.visits first ON first.task_id = second.task_id"
        + "   AND first.visit_id = 1 AND first.outcome = 'FAIL'"
        + "  WHERE second.visit_id = 2 AND second.outcome = 'SUCCESS'"
        + "  EXCEPT SELECT task_id, shared_tokens FROM fieldflow.second_visit_successes)) diff") == 0;
  }
}
