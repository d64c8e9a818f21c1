package dev.fieldflow.ingest.network;

import dev.fieldflow.ingest.write.BatchStatement;
import dev.fieldflow.ingest.write.RejectedLineStatement;
import dev.fieldflow.transforms.RejectedLine;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.apache.beam.sdk.values.KV;

/**
 * Stages the rejected lines of one load (each keyed by its file's version) in {@code
 * fieldflow.network_staging_rejects}. Its commit moves them into the quarantine, so a load that
 * does not commit quarantines nothing, as a visit file that is refused quarantines nothing (V35).
 * Idempotent: staging a line twice (a retried batch) keeps one row.
 */
final class RejectedLineStagingStatement implements BatchStatement<KV<String, RejectedLine>> {
  private final String loadId;

  RejectedLineStagingStatement(String loadId) {
    this.loadId = loadId;
  }

  @Override
  public String sql() {
    return "INSERT INTO fieldflow.network_staging_rejects (load_id, file, file_version,"
        + " line_number, raw_text, original_length, reason_code, message)"
        + " SELECT ?::uuid, f, v, l, t, n, c, m"
        + " FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::int[], ?::text[], ?::text[])"
        + " AS u(f, v, l, t, n, c, m)"
        + " ON CONFLICT DO NOTHING";
  }

  @Override
  public void bind(List<KV<String, RejectedLine>> rows, PreparedStatement ps) throws SQLException {
    ps.setString(1, loadId);
    RejectedLineStatement.bindLines(rows, ps, 2);
  }
}
