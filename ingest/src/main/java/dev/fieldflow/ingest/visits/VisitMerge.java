package dev.fieldflow.ingest.visits;

import dev.fieldflow.ingest.write.BinaryCopyRows;
import dev.fieldflow.transforms.Visit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Where a visit is merged into the model. A chunk of parsed visits ({@link VisitChunk}) reaches
 * {@code visits} by a binary {@code COPY}: straight into the table when all its visits are new
 * (the common case, every line loaded), else into a temporary table of the session ({@link
 * #STAGE}: no WAL, no index, emptied at commit) from which one set-based upsert merges the rows,
 * counting each line from what the merge itself did. Their new nodes and tasks are inserted
 * before, set-based from stages of their own ({@link #TASK_STAGE}, {@link #NODE_STAGE}).
 *
 * <p>Counting follows the lines in file order, as if each were applied on its own: a line whose
 * visit is not stored yet is loaded; a line that changes the stored visit (or the same visit on
 * an earlier line) is an update; a line identical to it is a duplicate. A visit keeps the task
 * and node attributes of its record ({@link #VISIT_CONTENT}), so "identical" is the whole
 * record, and a duplicate changes nothing: only lines loaded or updated move their task's and
 * node's attributes (the last such line of each wins). The first line of each
 * visit is upserted and {@code RETURNING (xmax = 0)} says whether the row was inserted, updated
 * or (no row returned) left unchanged; later lines of the same visit in the chunk are counted by
 * comparing each with the line before it, and the last line that changed the visit is written.
 * An unchanged row is never rewritten.
 *
 * <p>No lock serializes merges: files merge in parallel. Each statement writes its rows in key
 * order (so two merges take row locks in the same order and cannot deadlock on them), nodes and
 * tasks that are already stored as they are are not touched (so the many files that name the
 * same nodes do not queue on their row locks; the rare change of a stored task's or node's
 * attributes is written in the file's transaction, and a concurrent load that changes the same
 * one waits for its commit), and an {@code ON CONFLICT} upsert waits for a
 * concurrent merge of the same visit and then sees its result, so the counts stay exact: every
 * line is counted against the row as the merge found it. "Last ingested wins" means the last
 * merge of that visit to commit.
 */
public final class VisitMerge {
  /** The session's stage; {@link #createStage} makes it once per connection. */
  static final String STAGE = "pg_temp.visit_stage";

  /**
   * The columns of a visit that make it "the same" or "changed": the visit's own, and the task
   * and node attributes its record carried (V34), so that "identical" means the whole record.
   */
  static final String VISIT_CONTENT =
      "node_id, visit_date, node_age, engineer_skill_level, outcome, note_tokens,"
          + " task_type, original_reported_date, node_type";

  /**
   * The columns a chunk's rows give ({@link VisitChunk}), those of {@code visits} and of the
   * stage alike: a chunk goes into either with the same bytes. The source line orders repeats of
   * a visit in the stage.
   */
  static final String ROW_COLUMNS = "task_id, visit_id, " + VISIT_CONTENT + ", source_file, source_line";

  private static final String CREATE_STAGE =
      "CREATE TEMP TABLE IF NOT EXISTS visit_stage ("
          + " task_id bigint NOT NULL, visit_id integer NOT NULL,"
          + " node_id integer NOT NULL, visit_date date NOT NULL, node_age integer NOT NULL,"
          + " engineer_skill_level integer NOT NULL, outcome text NOT NULL,"
          + " note_tokens integer[] NOT NULL, task_type integer NOT NULL,"
          + " original_reported_date date NOT NULL, node_type integer NOT NULL,"
          + " source_file text NOT NULL, source_line bigint NOT NULL) ON COMMIT DELETE ROWS";

  /** The tasks a chunk names, once each ({@link ReferenceRows}), on the reference session. */
  static final String TASK_STAGE = "pg_temp.task_stage";

  /** The task stage's columns, in the order {@link ReferenceRows#taskRows} gives them. */
  static final String TASK_COLUMNS = "task_id, task_type, node_id, original_reported_date";

  /** The nodes a chunk names, once each ({@link ReferenceRows}), on the reference session. */
  static final String NODE_STAGE = "pg_temp.node_stage";

  /** The node stage's columns, in the order {@link ReferenceRows#nodeRows} gives them. */
  static final String NODE_COLUMNS = "node_id, node_type";

  private static final String CREATE_TASK_STAGE =
      "CREATE TEMP TABLE IF NOT EXISTS task_stage (task_id bigint NOT NULL,"
          + " task_type integer NOT NULL, node_id integer NOT NULL,"
          + " original_reported_date date NOT NULL) ON COMMIT DELETE ROWS";

  private static final String CREATE_NODE_STAGE =
      "CREATE TEMP TABLE IF NOT EXISTS node_stage (node_id integer NOT NULL,"
          + " node_type integer NOT NULL) ON COMMIT DELETE ROWS";

  /**
   * Inserts the staged nodes not stored yet and gives a type to those stored without one (from
   * the network), in key order; returns the stored nodes whose type the stage would change, and
   * those a concurrent load inserted first. A node with no type yet has no stored visit, so
   * every line that names it is loaded or an update, never a duplicate: its type is the chunk's.
   */
  private static final String INSERT_NODES =
      "WITH staged AS MATERIALIZED ("
          + " SELECT s.node_id, s.node_type, x.node_id IS NOT NULL AS stored,"
          + "  x.node_type AS stored_type"
          + " FROM " + NODE_STAGE + " s"
          + " LEFT JOIN LATERAL (SELECT n.node_id, n.node_type FROM fieldflow.nodes n"
          + "  WHERE n.node_id = s.node_id LIMIT 1) x ON true),"
          + " written AS ("
          + " INSERT INTO fieldflow.nodes AS n (node_id, node_type)"
          + " SELECT node_id, node_type FROM staged WHERE NOT stored OR stored_type IS NULL"
          + " ORDER BY node_id"
          + " ON CONFLICT (node_id) DO UPDATE SET node_type = EXCLUDED.node_type,"
          + "  updated_at = now()"
          + " WHERE n.node_type IS NULL"
          + " RETURNING n.node_id)"
          + " SELECT node_id, node_type FROM staged"
          + " WHERE (stored AND stored_type IS DISTINCT FROM node_type AND stored_type IS NOT NULL)"
          + "  OR ((NOT stored OR stored_type IS NULL)"
          + "   AND node_id NOT IN (SELECT node_id FROM written))"
          + " ORDER BY node_id";

  /**
   * Inserts the staged tasks not stored yet, in key order; returns the stored tasks whose
   * attributes the stage would change, and those a concurrent load inserted first. The look-up
   * of the stored task is a LATERAL ... LIMIT 1, so that it stays one index probe per staged
   * task: as a NOT EXISTS, the planner, which has no statistics of the fresh stage, hashes the
   * whole tasks table for every chunk.
   */
  private static final String INSERT_TASKS =
      "WITH staged AS MATERIALIZED ("
          + " SELECT s.task_id, s.task_type, s.node_id, s.original_reported_date,"
          + "  x.task_id IS NOT NULL AS stored,"
          + "  (x.task_type, x.node_id, x.original_reported_date)"
          + "   IS DISTINCT FROM (s.task_type, s.node_id, s.original_reported_date) AS differs"
          + " FROM " + TASK_STAGE + " s"
          + " LEFT JOIN LATERAL (SELECT t.task_id, t.task_type, t.node_id, t.original_reported_date"
          + "  FROM fieldflow.tasks t WHERE t.task_id = s.task_id LIMIT 1) x ON true),"
          + " written AS ("
          + " INSERT INTO fieldflow.tasks (task_id, task_type, node_id, original_reported_date)"
          + " SELECT task_id, task_type, node_id, original_reported_date FROM staged"
          + " WHERE NOT stored"
          + " ORDER BY task_id"
          + " ON CONFLICT (task_id) DO NOTHING"
          + " RETURNING task_id)"
          + " SELECT task_id, task_type, node_id, original_reported_date FROM staged"
          + " WHERE (stored AND differs)"
          + "  OR (NOT stored AND task_id NOT IN (SELECT task_id FROM written))"
          + " ORDER BY task_id";

  /**
   * A statement that writes the attributes of the tasks in {@code rows} (a FROM item named
   * {@code a} with task_id, task_type, node_id, original_reported_date), all stored already,
   * where they differ. Each
   * stored task is looked up by index (LATERAL ... LIMIT 1, under {@link #withIndexProbes}),
   * and only those that change are written, in key order:
   * an unchanged task is not locked, so loads that name the same tasks do not queue.
   */
  private static String taskAttributesFrom(String rows) {
    return "INSERT INTO fieldflow.tasks AS t (task_id, task_type, node_id, original_reported_date)"
        + " SELECT a.task_id, a.task_type, a.node_id, a.original_reported_date FROM " + rows
        + " JOIN LATERAL (SELECT x.task_type, x.node_id, x.original_reported_date"
        + "  FROM fieldflow.tasks x WHERE x.task_id = a.task_id LIMIT 1) stored ON true"
        + " WHERE (stored.task_type, stored.node_id, stored.original_reported_date)"
        + "  IS DISTINCT FROM (a.task_type, a.node_id, a.original_reported_date)"
        + " ORDER BY a.task_id"
        + " ON CONFLICT (task_id) DO UPDATE SET task_type = EXCLUDED.task_type,"
        + "  node_id = EXCLUDED.node_id, original_reported_date = EXCLUDED.original_reported_date,"
        + "  updated_at = now()"
        + " WHERE (t.task_type, t.node_id, t.original_reported_date)"
        + "  IS DISTINCT FROM (EXCLUDED.task_type, EXCLUDED.node_id,"
        + "  EXCLUDED.original_reported_date)";
  }

  /** As {@link #taskAttributesFrom}, for the types of the nodes in {@code rows} ({@code a}). */
  private static String nodeTypesFrom(String rows) {
    return "INSERT INTO fieldflow.nodes AS n (node_id, node_type)"
        + " SELECT a.node_id, a.node_type FROM " + rows
        + " JOIN LATERAL (SELECT x.node_type FROM fieldflow.nodes x"
        + "  WHERE x.node_id = a.node_id LIMIT 1) stored ON true"
        + " WHERE stored.node_type IS DISTINCT FROM a.node_type"
        + " ORDER BY a.node_id"
        + " ON CONFLICT (node_id) DO UPDATE SET node_type = EXCLUDED.node_type, updated_at = now()"
        + " WHERE n.node_type IS DISTINCT FROM EXCLUDED.node_type";
  }

  /** Writes the attributes of {@link AttributeChanges}' tasks, where they differ. */
  private static final String UPDATE_TASKS = taskAttributesFrom(
      "unnest(?::bigint[], ?::integer[], ?::integer[], ?::date[])"
          + " AS a (task_id, task_type, node_id, original_reported_date)");

  /** Writes the types of {@link AttributeChanges}' nodes, where they differ. */
  private static final String UPDATE_NODES =
      nodeTypesFrom("unnest(?::integer[], ?::integer[]) AS a (node_id, node_type)");

  /**
   * Data-modifying parts of a stage merge's statement, after its {@code applied} part (the lines
   * that were loaded or changed their visit, with their source lines): the tasks and nodes
   * those lines name take the attributes of the last such line, where they differ. Lines that
   * were duplicates move nothing.
   */
  private static final String ATTRIBUTES_OF_APPLIED_LINES =
      " tasks_written AS (" + taskAttributesFrom("(SELECT DISTINCT ON (task_id) task_id,"
          + " task_type, node_id, original_reported_date FROM applied"
          + " ORDER BY task_id, source_line DESC) a") + "),"
          + " nodes_written AS (" + nodeTypesFrom("(SELECT DISTINCT ON (node_id) node_id,"
          + " node_type FROM applied ORDER BY node_id, source_line DESC) a") + ")";

  private static final String ON_CONFLICT_UPDATE_VISIT =
      " ON CONFLICT (task_id, visit_id) DO UPDATE SET node_id = EXCLUDED.node_id,"
          + "  visit_date = EXCLUDED.visit_date, node_age = EXCLUDED.node_age,"
          + "  engineer_skill_level = EXCLUDED.engineer_skill_level, outcome = EXCLUDED.outcome,"
          + "  note_tokens = EXCLUDED.note_tokens, task_type = EXCLUDED.task_type,"
          + "  original_reported_date = EXCLUDED.original_reported_date,"
          + "  node_type = EXCLUDED.node_type, source_file = EXCLUDED.source_file,"
          + "  source_line = EXCLUDED.source_line, ingested_at = now()"
          + " WHERE ROW(v." + VISIT_CONTENT.replace(", ", ", v.") + ")"
          + "  IS DISTINCT FROM ROW(EXCLUDED." + VISIT_CONTENT.replace(", ", ", EXCLUDED.") + ")";

  /**
   * Upserts the first line of every staged visit, moves the attributes of the tasks and nodes
   * of the lines that were loaded or changed their visit, and counts: row 1 the first lines
   * inserted and those that changed a stored row; row 2 the later lines that changed their visit
   * (updates; the other later lines are duplicates), and all later lines.
   */
  private static final String UPSERT_FIRST_LINES =
      "WITH s AS MATERIALIZED ("
          + " SELECT st.*, row_number() OVER w AS occurrence,"
          + "  lag(ROW(" + VISIT_CONTENT + ")) OVER w IS DISTINCT FROM ROW(" + VISIT_CONTENT + ") AS changed"
          + " FROM " + STAGE + " st"
          + " WINDOW w AS (PARTITION BY task_id, visit_id ORDER BY source_line)),"
          + " merged AS ("
          + " INSERT INTO fieldflow.visits AS v (" + ROW_COLUMNS + ")"
          + " SELECT " + ROW_COLUMNS
          + " FROM s WHERE occurrence = 1 ORDER BY task_id, visit_id"
          + ON_CONFLICT_UPDATE_VISIT
          + " RETURNING (v.xmax = 0) AS inserted, v.task_id, v.visit_id),"
          + " applied AS ("
          + " SELECT s.task_id, s.task_type, s.node_id, s.original_reported_date, s.node_type,"
          + "  s.source_line"
          + " FROM s WHERE (occurrence > 1 AND changed) OR (occurrence = 1 AND (task_id, visit_id)"
          + "  IN (SELECT task_id, visit_id FROM merged))),"
          + ATTRIBUTES_OF_APPLIED_LINES
          + " SELECT 1 AS part, count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
          + " FROM merged"
          + " UNION ALL"
          + " SELECT 2, count(*) FILTER (WHERE changed), count(*) FROM s WHERE occurrence > 1"
          + " ORDER BY part";

  /**
   * Upserts staged lines that are each the only line of their visit in the stage (the common
   * case, known to the stager), moves the attributes of the tasks and nodes of the lines that
   * were loaded or changed their visit: no window over the stage, counts straight from the
   * upsert.
   */
  private static final String UPSERT_UNIQUE_LINES =
      "WITH merged AS ("
          + " INSERT INTO fieldflow.visits AS v (" + ROW_COLUMNS + ")"
          + " SELECT " + ROW_COLUMNS
          + " FROM " + STAGE + " ORDER BY task_id, visit_id"
          + ON_CONFLICT_UPDATE_VISIT
          + " RETURNING (v.xmax = 0) AS inserted, v.task_id, v.task_type, v.node_id,"
          + "  v.original_reported_date, v.node_type, v.source_line),"
          + " applied AS (SELECT * FROM merged),"
          + ATTRIBUTES_OF_APPLIED_LINES
          + " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)"
          + " FROM merged";

  /**
   * Writes, for every visit staged more than once (rare: re-sent lines), its last line that
   * changed it: the row ends as in a line-by-line load, content and source line alike (a later
   * identical line is a duplicate and does not move the source line).
   */
  private static final String UPSERT_LAST_CHANGES =
      "INSERT INTO fieldflow.visits AS v (" + ROW_COLUMNS + ")"
          + " SELECT DISTINCT ON (task_id, visit_id) " + ROW_COLUMNS
          + " FROM (SELECT st.*, row_number() OVER w AS occurrence,"
          + "  lag(ROW(" + VISIT_CONTENT + ")) OVER w IS DISTINCT FROM ROW(" + VISIT_CONTENT + ") AS changed"
          + "  FROM " + STAGE + " st"
          + "  WINDOW w AS (PARTITION BY task_id, visit_id ORDER BY source_line)) s"
          + " WHERE occurrence > 1 AND changed"
          + " ORDER BY task_id, visit_id, source_line DESC"
          + ON_CONFLICT_UPDATE_VISIT;

  private VisitMerge() {}

  /** What merging staged lines did: each line is loaded, an update, or a duplicate. */
  public record Counts(long records, long loaded, long updates) {
    public static final Counts NONE = new Counts(0, 0, 0);

    public long duplicates() {
      return records - loaded - updates;
    }

    public Counts plus(Counts other) {
      return new Counts(records + other.records, loaded + other.loaded, updates + other.updates);
    }
  }

  /** Makes the session's stage if this connection has none yet (it lives as long as the session). */
  static void createStage(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(CREATE_STAGE);
    }
  }

  /** Makes the task and node stages on {@code c} if this connection has none yet. */
  static void createReferenceStages(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(CREATE_TASK_STAGE);
      s.execute(CREATE_NODE_STAGE);
    }
  }

  /**
   * Stored tasks and nodes whose attributes a chunk's lines would change, in key order: written
   * by the merge only if those lines are loaded ({@link #merge}), since a duplicate line changes
   * nothing. Usually none: a producer rarely changes a task's or a node's attributes.
   */
  record AttributeChanges(List<TaskAttributes> tasks, List<NodeType> nodes) {
    static final AttributeChanges NONE = new AttributeChanges(List.of(), List.of());
  }

  record TaskAttributes(long taskId, int taskType, int nodeId, LocalDate originalReportedDate) {}

  record NodeType(int nodeId, int nodeType) {}

  /**
   * Inserts the nodes and tasks of {@code references} that are not stored yet on the {@code
   * reference} session, gives their type to nodes that had none, and commits: short
   * transactions of their own, so that concurrent loads of files that share tasks (a task's
   * visits often span two files) wait for each other for milliseconds, not for a whole file.
   * The commit empties the stages. Attributes of stored tasks and nodes are not changed here:
   * the merge changes them, in the file's transaction, from the lines it loads.
   *
   * <p>A file that then fails leaves the tasks and nodes it inserted (without visits, or with
   * those of another file that names them), never a changed attribute.
   */
  static AttributeChanges insertReference(Connection reference, ReferenceRows references,
      LoadProfile profile) throws SQLException {
    AttributeChanges changes = insertNodesAndTasks(reference, references, profile);
    reference.commit();
    return changes;
  }

  private static AttributeChanges insertNodesAndTasks(Connection c, ReferenceRows references,
      LoadProfile profile) throws SQLException {
    long t0 = System.nanoTime();
    List<NodeType> nodes = new ArrayList<>();
    List<TaskAttributes> tasks = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      BinaryCopyRows.copy(c, NODE_STAGE, NODE_COLUMNS, references.nodeRows(), null);
      try (ResultSet rs = s.executeQuery(INSERT_NODES)) {
        while (rs.next()) {
          nodes.add(new NodeType(rs.getInt(1), rs.getInt(2)));
        }
      }
      long t1 = System.nanoTime();
      profile.nodesNanos += t1 - t0;
      BinaryCopyRows.copy(c, TASK_STAGE, TASK_COLUMNS, references.taskRows(), null);
      withIndexProbes(c, () -> {
        try (ResultSet rs = s.executeQuery(INSERT_TASKS)) {
          while (rs.next()) {
            tasks.add(new TaskAttributes(rs.getLong(1), rs.getInt(2), rs.getInt(3),
                rs.getObject(4, LocalDate.class)));
          }
        }
        return null;
      });
      profile.tasksNanos += System.nanoTime() - t1;
    }
    return tasks.isEmpty() && nodes.isEmpty() ? AttributeChanges.NONE
        : new AttributeChanges(List.copyOf(tasks), List.copyOf(nodes));
  }

  /** Work on the database that gives a result. */
  private interface SqlWork<T> {
    T run() throws SQLException;
  }

  /**
   * {@code work} with {@code enable_seqscan} off, so that each look-up of a stored task or node
   * (LATERAL ... LIMIT 1) stays an index probe: under LIMIT 1 the planner prices a scan by how
   * soon it expects a match, and an empty or freshly truncated table, or statistics that make
   * ids look common, makes a scan per staged row look cheaper (measured: 1.6 s for a
   * 10,000-line file into a nearly empty tasks table, against about 0.1 s for the files after
   * it). A table with no index, such as a stage, is scanned all the same. The triggers'
   * look-ups run the same way (V17). If {@code work} fails, rolling back undoes the setting.
   */
  private static <T> T withIndexProbes(Connection c, SqlWork<T> work) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL enable_seqscan = off");
    }
    T result = work.run();
    try (Statement s = c.createStatement()) {
      s.execute("RESET enable_seqscan");
    }
    return result;
  }

  /** Writes {@code changes} in the caller's transaction, where they still differ. */
  private static void writeAttributes(Connection c, AttributeChanges changes) throws SQLException {
    if (changes.tasks().isEmpty() && changes.nodes().isEmpty()) {
      return;
    }
    withIndexProbes(c, () -> {
      writeTaskAttributes(c, changes.tasks());
      writeNodeTypes(c, changes.nodes());
      return null;
    });
  }

  private static void writeTaskAttributes(Connection c, List<TaskAttributes> tasks)
      throws SQLException {
    if (!tasks.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(UPDATE_TASKS)) {
        ps.setArray(1, c.createArrayOf("int8",
            tasks.stream().map(TaskAttributes::taskId).toArray()));
        ps.setArray(2, c.createArrayOf("int4",
            tasks.stream().map(TaskAttributes::taskType).toArray()));
        ps.setArray(3, c.createArrayOf("int4",
            tasks.stream().map(TaskAttributes::nodeId).toArray()));
        ps.setArray(4, c.createArrayOf("date",
            tasks.stream().map(t -> t.originalReportedDate().toString()).toArray()));
        ps.executeUpdate();
      }
    }
  }

  private static void writeNodeTypes(Connection c, List<NodeType> nodes) throws SQLException {
    if (!nodes.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(UPDATE_NODES)) {
        ps.setArray(1, c.createArrayOf("int4", nodes.stream().map(NodeType::nodeId).toArray()));
        ps.setArray(2, c.createArrayOf("int4", nodes.stream().map(NodeType::nodeType).toArray()));
        ps.executeUpdate();
      }
    }
  }

  /**
   * Merges the rows of {@code chunk} into {@code visits}, inside the caller's transaction, once
   * their nodes and tasks are stored ({@link #insertReference}, which gave {@code changes}), and
   * counts each line. The tasks and nodes of the lines loaded or updated take those lines'
   * attributes; a duplicate line changes nothing.
   *
   * <p>A chunk of new visits (a backfill, a stream of new files) is copied straight into {@code
   * visits}, in key order: no stage, no upsert, every line loaded. It is tried without asking
   * first whether some visit is stored: that question cost an index probe per row, about 2.5 s
   * of the database's time per million visits, and the copy's own unique check answers it. A
   * visit that is stored (by an earlier file, or by a concurrent load that commits first) makes
   * the copy fail with a unique violation; it is then undone to its savepoint and the chunk goes
   * through the stage and the upsert, which count it. A chunk pays at most one undone copy: rows
   * go in key order, so a file re-sent whole fails within its first rows (COPY writes them in
   * batches of up to 1,000), and only a chunk of mostly new visits with a few stored ones loses a
   * part of a copy (and leaves its dead rows to autovacuum). Measured against the stage (a COPY
   * into it, then {@code INSERT ... SELECT} in key order): 1.3-4.5 core-seconds less of
   * PostgreSQL's work per million visits. A chunk with a visit twice always takes the stage,
   * which orders the repeats by line. A copied chunk's lines are all loaded, so {@code changes}
   * (the stored tasks and nodes its last lines would change) are written after it; a staged
   * chunk's upsert moves the attributes of the lines it loaded itself.
   */
  static Counts merge(Connection c, VisitChunk chunk, AttributeChanges changes,
      LoadProfile profile) throws SQLException {
    int rows = chunk.size();
    if (rows == 0) {
      return Counts.NONE;
    }
    long t0 = System.nanoTime();
    try {
      int[] keyOrder = chunk.uniqueKeyOrder();
      if (keyOrder != null && copyIfAllNew(c, chunk, keyOrder)) {
        writeAttributes(c, changes);
        return new Counts(rows, rows, 0);
      }
      profile.stagedLines += rows;
      return mergeThroughStage(c, chunk, keyOrder == null);
    } finally {
      profile.visitsNanos += System.nanoTime() - t0;
    }
  }

  /**
   * Merges {@code visits} (in line order) of {@code sourceFile} into the model inside the
   * caller's transaction, nodes and tasks included, through stages of {@code c}: for the
   * careful load (small chunks under savepoints) and for lines re-admitted from the quarantine
   * (manage.sh requeue), which are few and come outside a file's load. A data error leaves the
   * transaction to the caller (roll back to a savepoint).
   */
  static Counts mergeInOneTransaction(Connection c, String sourceFile, List<Visit> visits,
      LoadProfile profile) throws SQLException {
    if (visits.isEmpty()) {
      return Counts.NONE;
    }
    createStage(c);
    createReferenceStages(c);
    VisitChunk chunk = new VisitChunk();
    for (Visit v : visits) {
      chunk.add(v, sourceFile);
    }
    AttributeChanges changes = insertNodesAndTasks(c, chunk.references(), profile);
    try (Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + TASK_STAGE + ", " + NODE_STAGE);
    }
    return merge(c, chunk, changes, profile);
  }

  /** As {@link #mergeInOneTransaction}, for lines re-admitted from the quarantine. */
  public static Counts mergeReadmitted(Connection c, String sourceFile, List<Visit> visits)
      throws SQLException {
    return mergeInOneTransaction(c, sourceFile, visits, new LoadProfile());
  }

  /** The copy of a chunk of new visits; false (and nothing written) if some visit is stored. */
  private static boolean copyIfAllNew(Connection c, VisitChunk chunk, int[] keyOrder)
      throws SQLException {
    Savepoint savepoint = c.setSavepoint();
    try {
      BinaryCopyRows.copy(c, "fieldflow.visits", ROW_COLUMNS, chunk.rows(), keyOrder);
      c.releaseSavepoint(savepoint);
      return true;
    } catch (SQLException e) {
      if (!"23505".equals(e.getSQLState())) {
        throw e;
      }
      c.rollback(savepoint);
      return false;
    }
  }

  /**
   * Copies the chunk into the stage and upserts it into {@code visits}, counting each line
   * against the stored row; empties the stage.
   */
  private static Counts mergeThroughStage(Connection c, VisitChunk chunk, boolean repeats)
      throws SQLException {
    BinaryCopyRows.copy(c, STAGE, ROW_COLUMNS, chunk.rows(), null);
    Counts counts = withIndexProbes(c, () -> repeats ? upsertRepeats(c, chunk.size())
        : upsertUniqueLines(c, chunk.size()));
    try (Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + STAGE);
    }
    return counts;
  }

  private static Counts upsertUniqueLines(Connection c, int lines) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(UPSERT_UNIQUE_LINES)) {
      rs.next();
      return new Counts(lines, rs.getLong(1), rs.getLong(2));
    }
  }

  private static Counts upsertRepeats(Connection c, int lines) throws SQLException {
    long loaded;
    long updates;
    long laterChanges;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(UPSERT_FIRST_LINES)) {
      rs.next();
      loaded = rs.getLong(2);
      updates = rs.getLong(3);
      rs.next();
      laterChanges = rs.getLong(2);
    }
    if (laterChanges > 0) {
      try (Statement s = c.createStatement()) {
        s.executeUpdate(UPSERT_LAST_CHANGES);
      }
    }
    return new Counts(lines, loaded, updates + laterChanges);
  }

  /** What a committed file contributed; {@code alreadyDone} when an earlier commit did it. */
  @DefaultCoder(Summary.SummaryCoder.class)
  public record Summary(
      VisitFile file,
      long linesRead,
      long loaded,
      long updates,
      long duplicates,
      long rejected,
      boolean alreadyDone) {

    /** {@code s3://b/visits/a.jsonl: 120 lines: 100 loaded, 5 updated, 10 duplicates, 5 rejected}. */
    public String describe() {
      return file.path() + ": " + linesRead + " lines: " + loaded + " loaded, " + updates
          + " updated, " + duplicates + " duplicates, " + rejected + " rejected"
          + (alreadyDone ? " (committed before)" : "");
    }

    /** The file, the counts as varints, the flag as a byte. Deterministic. */
    public static final class SummaryCoder extends AtomicCoder<Summary> {
      private static final SummaryCoder INSTANCE = new SummaryCoder();
      private static final VarLongCoder LONG = VarLongCoder.of();
      private static final BooleanCoder BOOLEAN = BooleanCoder.of();

      public static SummaryCoder of() {
        return INSTANCE;
      }

      /** Found by {@code @DefaultCoder} on {@link Summary}. */
      public static CoderProvider getCoderProvider() {
        return CoderProviders.forCoder(TypeDescriptor.of(Summary.class), INSTANCE);
      }

      private SummaryCoder() {}

      @Override
      public void encode(Summary s, OutputStream out) throws IOException {
        VisitFile.FileCoder.of().encode(s.file(), out);
        LONG.encode(s.linesRead(), out);
        LONG.encode(s.loaded(), out);
        LONG.encode(s.updates(), out);
        LONG.encode(s.duplicates(), out);
        LONG.encode(s.rejected(), out);
        BOOLEAN.encode(s.alreadyDone(), out);
      }

      @Override
      public Summary decode(InputStream in) throws IOException {
        return new Summary(VisitFile.FileCoder.of().decode(in), LONG.decode(in), LONG.decode(in),
            LONG.decode(in), LONG.decode(in), LONG.decode(in), BOOLEAN.decode(in));
      }

      @Override
      public boolean consistentWithEquals() {
        return true;
      }
    }
  }
}
