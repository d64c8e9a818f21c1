package dev.fieldflow.io.visits;

import dev.fieldflow.io.write.BatchStatement;
import dev.fieldflow.io.write.RejectedLineStatement;
import dev.fieldflow.transforms.RejectedLine;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.KV;

/** Stores a batch of rejected visit lines with {@link RejectedLineStatement} (idempotent). */
final class QuarantineStatement implements BatchStatement<FileLine<RejectedLine>> {
  private final RejectedLineStatement rejected = new RejectedLineStatement(VisitLedger.PIPELINE);

  @Override
  public String sql() {
    return rejected.sql();
  }

  @Override
  public void bind(List<FileLine<RejectedLine>> rows, PreparedStatement ps) throws SQLException {
    List<KV<String, RejectedLine>> byVersion = new ArrayList<>(rows.size());
    for (FileLine<RejectedLine> row : rows) {
      byVersion.add(KV.of(row.version(), row.value()));
    }
    rejected.bind(byVersion, ps);
  }
}
