package dev.fieldflow.io.visits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Commits one fully staged visit file: in one transaction, merges its staged visits into
 * nodes, tasks and visits, records the file {@code done} in the ledger with exact counts, and
 * deletes its staging rows. Either all of that happens or none of it.
 *
 * <p>Counting follows the lines in file order, as if each were applied on its own: a line whose
 * visit is not stored yet is loaded; a line that changes the stored visit (or the same visit on
 * an earlier line of the file) is an update; a line identical to it is a duplicate. Only the
 * last line of each visit is written (last ingested wins; a key repeated in one statement would
 * fail {@code ON CONFLICT DO UPDATE}), and an unchanged row is not rewritten. Task and node
 * attributes are upserted from the last line of each task and node. The ledger's check
 * {@code lines_read = rows_loaded + updates + duplicates + rejected} holds by construction.
 *
 * <p>Merges take one transaction-scoped advisory lock, so they run one at a time: "last
 * ingested wins" then means the last committed file, and the counts of a file cannot race with
 * another file's merge of the same visits. One backend's CPU bounds the load rate anyway.
 */
public final class VisitMerge {
  /** The columns of a visit that make it "the same" or "changed". */
  static final String VISIT_CONTENT =
      "node_id, visit_date, node_age, engineer_skill_level, outcome, note_tokens";

  /** Serializes merges of visit files (an arbitrary constant: "fflw"). */
  private static final long MERGE_LOCK = 0x66666c77L;

  private VisitMerge() {}

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

  private static final String COUNT =
      "WITH s AS ("
          + " SELECT task_id, visit_id, ROW(" + VISIT_CONTENT + ") AS content,"
          + "  lag(ROW(" + VISIT_CONTENT + ")) OVER w AS previous,"
          + "  row_number() OVER w AS occurrence"
          + " FROM fieldflow.visit_staging WHERE file_id = ?"
          + " WINDOW w AS (PARTITION BY task_id, visit_id ORDER BY line_number))"
          + " SELECT count(*),"
          + "  count(*) FILTER (WHERE s.occurrence = 1 AND v.task_id IS NULL),"
          + "  count(*) FILTER (WHERE (s.occurrence = 1 AND v.task_id IS NOT NULL"
          + "    AND ROW(v.node_id, v.visit_date, v.node_age, v.engineer_skill_level, v.outcome,"
          + "      v.note_tokens) IS DISTINCT FROM s.content)"
          + "   OR (s.occurrence > 1 AND s.previous IS DISTINCT FROM s.content))"
          + " FROM s LEFT JOIN fieldflow.visits v"
          + "  ON v.task_id = s.task_id AND v.visit_id = s.visit_id";

  private static final String UPSERT_NODES =
      "INSERT INTO fieldflow.nodes AS n (node_id, node_type)"
          + " SELECT DISTINCT ON (node_id) node_id, node_type FROM fieldflow.visit_staging"
          + " WHERE file_id = ? ORDER BY node_id, line_number DESC"
          + " ON CONFLICT (node_id) DO UPDATE SET node_type = EXCLUDED.node_type, updated_at = now()"
          + " WHERE n.node_type IS DISTINCT FROM EXCLUDED.node_type";

  private static final String UPSERT_TASKS =
      "INSERT INTO fieldflow.tasks AS t (task_id, task_type, node_id, original_reported_date)"
          + " SELECT DISTINCT ON (task_id) task_id, task_type, node_id, original_reported_date"
          + " FROM fieldflow.visit_staging WHERE file_id = ? ORDER BY task_id, line_number DESC"
          + " ON CONFLICT (task_id) DO UPDATE SET task_type = EXCLUDED.task_type,"
          + "  node_id = EXCLUDED.node_id, original_reported_date = EXCLUDED.original_reported_date,"
          + "  updated_at = now()"
          + " WHERE (t.task_type, t.node_id, t.original_reported_date)"
          + "  IS DISTINCT FROM (EXCLUDED.task_type, EXCLUDED.node_id, EXCLUDED.original_reported_date)";

  private static final String UPSERT_VISITS =
      "INSERT INTO fieldflow.visits AS v (task_id, visit_id, " + VISIT_CONTENT
          + ", source_file, source_line)"
          + " SELECT DISTINCT ON (task_id, visit_id) task_id, visit_id, " + VISIT_CONTENT
          + ", ?, line_number"
          + " FROM fieldflow.visit_staging WHERE file_id = ?"
          + " ORDER BY task_id, visit_id, line_number DESC"
          + " ON CONFLICT (task_id, visit_id) DO UPDATE SET node_id = EXCLUDED.node_id,"
          + "  visit_date = EXCLUDED.visit_date, node_age = EXCLUDED.node_age,"
          + "  engineer_skill_level = EXCLUDED.engineer_skill_level, outcome = EXCLUDED.outcome,"
          + "  note_tokens = EXCLUDED.note_tokens, source_file = EXCLUDED.source_file,"
          + "  source_line = EXCLUDED.source_line, ingested_at = now()"
          + " WHERE ROW(v." + VISIT_CONTENT.replace(", ", ", v.") + ")"
          + "  IS DISTINCT FROM ROW(EXCLUDED." + VISIT_CONTENT.replace(", ", ", EXCLUDED.") + ")";

  /**
   * Commits {@code file}, whose reader accepted {@code expectedVisits} lines (all staged) and
   * rejected the rest (all quarantined). Idempotent: a file already done is left as it is
   * (staging rows written for it again since, by a replay or a superseded attempt, are deleted).
   *
   * @throws IllegalStateException if fewer visits are staged than the reader accepted (staging
   *     rows were lost); nothing is committed
   */
  public static Summary commit(Connection c, VisitFile file, long expectedVisits)
      throws SQLException {
    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, MERGE_LOCK);
      lock.execute();
    }
    String status;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT status, lines_read, rows_loaded, updates, duplicates, rejected, attempts"
                + " FROM fieldflow.ingest_files WHERE file_id = ? FOR UPDATE")) {
      ps.setLong(1, file.fileId());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException(file.describe() + ": not in the ledger");
        }
        status = rs.getString(1);
        if (status.equals("done")) {
          Summary before = new Summary(file, rs.getLong(2), rs.getLong(3), rs.getLong(4),
              rs.getLong(5), rs.getLong(6), true);
          // Lines staged again after the commit (a runner replaying batches written after its
          // last checkpoint, or a superseded attempt finishing late) are left-overs: drop them.
          update(c, "DELETE FROM fieldflow.visit_staging WHERE file_id = ?", file.fileId());
          return before;
        }
        if (rs.getInt(7) != file.attempt()) {
          throw new IllegalStateException(file.describe() + ": taken over by attempt "
              + rs.getInt(7) + " before it could be committed");
        }
      }
    }

    long records;
    long loaded;
    long updates;
    try (PreparedStatement ps = c.prepareStatement(COUNT)) {
      ps.setLong(1, file.fileId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        records = rs.getLong(1);
        loaded = rs.getLong(2);
        updates = rs.getLong(3);
      }
    }
    if (records != expectedVisits) {
      throw new IllegalStateException(file.describe() + ": " + records + " visits staged but "
          + expectedVisits + " read; staging rows were lost, the file will be read again");
    }
    long duplicates = records - loaded - updates;

    update(c, UPSERT_NODES, file.fileId());
    update(c, UPSERT_TASKS, file.fileId());
    try (PreparedStatement ps = c.prepareStatement(UPSERT_VISITS)) {
      ps.setString(1, file.path());
      ps.setLong(2, file.fileId());
      ps.executeUpdate();
    }

    long rejected;
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM fieldflow.rejected_records"
                + " WHERE pipeline = '" + VisitLedger.PIPELINE + "' AND file = ? AND file_version = ?")) {
      ps.setString(1, file.path());
      ps.setString(2, file.version());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        rejected = rs.getLong(1);
      }
    }

    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE fieldflow.ingest_files SET status = 'done', lines_read = ?, records_read = ?,"
                + " rows_loaded = ?, updates = ?, duplicates = ?, rejected = ?, error = NULL,"
                + " retry_after = NULL, finished_at = now() WHERE file_id = ?")) {
      ps.setLong(1, records + rejected);
      ps.setLong(2, records);
      ps.setLong(3, loaded);
      ps.setLong(4, updates);
      ps.setLong(5, duplicates);
      ps.setLong(6, rejected);
      ps.setLong(7, file.fileId());
      ps.executeUpdate();
    }
    update(c, "DELETE FROM fieldflow.visit_staging WHERE file_id = ?", file.fileId());
    return new Summary(file, records + rejected, loaded, updates, duplicates, rejected, false);
  }

  private static void update(Connection c, String sql, long fileId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, fileId);
      ps.executeUpdate();
    }
  }
}
