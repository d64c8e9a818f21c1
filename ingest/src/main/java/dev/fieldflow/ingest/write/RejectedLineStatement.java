package dev.fieldflow.ingest.write;

import dev.fieldflow.transforms.RejectedLine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.values.KV;

/**
 * Stores rejected lines in {@code fieldflow.rejected_records}. Rows are keyed by (file
 * version, rejected line); storing the same line of the same file version twice is a no-op, so
 * a re-read after a crash does not duplicate the quarantine. A line the quarantine marks
 * re-admitted (V12: by a requeue or a replay) and that a later read rejects again is quarantined
 * again, with the reason of that read.
 */
public final class RejectedLineStatement implements BatchStatement<KV<String, RejectedLine>> {
  private final String pipeline;

  /** @param pipeline {@code visit} or {@code network}, as the ledger names them */
  public RejectedLineStatement(String pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  public String sql() {
    return "INSERT INTO fieldflow.rejected_records AS r"
        + " (pipeline, file, file_version, line_number, raw_text, original_length, reason_code, message)"
        // One row per line: an upsert may not meet the same key twice in one statement (a
        // batch holding a line twice, e.g. after a retried bundle, is stored once, as before).
        + " SELECT DISTINCT ON (f, v, l) ?, f, v, l, t, n, c, m"
        + " FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[])"
        + " AS u(f, v, l, t, n, c, m) ORDER BY f, v, l"
        + " ON CONFLICT (pipeline, file, file_version, line_number) DO UPDATE SET"
        + "  readmitted_at = NULL, readmitted_by = NULL, readmitted_how = NULL,"
        + "  reason_code = EXCLUDED.reason_code, message = EXCLUDED.message"
        + " WHERE r.readmitted_at IS NOT NULL";
  }

  @Override
  public void bind(List<KV<String, RejectedLine>> rows, PreparedStatement ps) throws SQLException {
    ps.setString(1, pipeline);
    bindLines(rows, ps, 2);
  }

  /**
   * Binds the seven column arrays of {@code rows} (file, version, line number, raw text, original
   * length, reason code, message; each keyed by its file's version) from parameter {@code first}
   * on: the one place that knows a rejected line's columns, for the quarantine and the network's
   * staged rejects.
   */
  public static void bindLines(List<KV<String, RejectedLine>> rows, PreparedStatement ps,
      int first) throws SQLException {
    int n = rows.size();
    String[] files = new String[n];
    String[] versions = new String[n];
    Long[] lines = new Long[n];
    String[] texts = new String[n];
    Integer[] lengths = new Integer[n];
    String[] codes = new String[n];
    String[] messages = new String[n];
    for (int i = 0; i < n; i++) {
      RejectedLine r = rows.get(i).getValue();
      versions[i] = rows.get(i).getKey();
      files[i] = r.file();
      lines[i] = r.lineNumber();
      texts[i] = storable(r.rawText());
      lengths[i] = r.originalLength();
      codes[i] = r.reason().code();
      messages[i] = storable(r.message());
    }
    Connection c = ps.getConnection();
    ps.setArray(first, c.createArrayOf("text", files));
    ps.setArray(first + 1, c.createArrayOf("text", versions));
    ps.setArray(first + 2, c.createArrayOf("bigint", lines));
    ps.setArray(first + 3, c.createArrayOf("text", texts));
    ps.setArray(first + 4, c.createArrayOf("integer", lengths));
    ps.setArray(first + 5, c.createArrayOf("text", codes));
    ps.setArray(first + 6, c.createArrayOf("text", messages));
  }

  /** PostgreSQL text cannot hold NUL; a bad line may. Keep it visible as U+FFFD instead. */
  static String storable(String s) {
    return s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
  }
}
