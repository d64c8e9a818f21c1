package dev.fieldflow.ingest.write;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one reject writer: a line is stored once per file version, and re-quarantined after a re-admission. */
class RejectedLineStatementTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  private static final RejectedLineStatement REJECTS = new RejectedLineStatement("visit");

  @BeforeEach
  void empty() {
    POSTGRES.execute("TRUNCATE fieldflow.rejected_records");
  }

  private static KV<String, RejectedLine> line(long number, RejectReason reason) {
    return KV.of("size:1,mtime:1", RejectedLine.of(new SourceLine("/in/a.jsonl", number, "{bad"),
        reason, reason.code() + ": test"));
  }

  private static void store(List<KV<String, RejectedLine>> rows) throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(REJECTS.sql())) {
      REJECTS.bind(rows, ps);
      ps.executeUpdate();
    }
  }

  private static List<List<Object>> quarantine() {
    return POSTGRES.rows("SELECT line_number, reason_code, readmitted_at IS NULL"
        + " FROM fieldflow.rejected_records ORDER BY line_number");
  }

  @Test
  void aLineStoredTwiceIsStoredOnceEvenInOneBatch() throws Exception {
    store(List.of(line(1, RejectReason.NOT_JSON), line(1, RejectReason.NOT_JSON),
        line(2, RejectReason.BAD_DATE)));
    store(List.of(line(1, RejectReason.NOT_JSON)));

    assertThat(quarantine(), equalTo(List.of(List.of(1L, "not_json", true),
        List.of(2L, "bad_date", true))));
  }

  @Test
  void aStillQuarantinedLineKeepsItsRowWhenRejectedAgain() throws Exception {
    store(List.of(line(1, RejectReason.LINE_TOO_LONG)));
    List<List<Object>> before = POSTGRES.rows("SELECT * FROM fieldflow.rejected_records");

    store(List.of(line(1, RejectReason.BAD_DATE)));

    assertThat(POSTGRES.rows("SELECT * FROM fieldflow.rejected_records"), equalTo(before));
  }

  @Test
  void aReadmittedLineRejectedAgainIsQuarantinedAgainWithItsNewReason() throws Exception {
    store(List.of(line(1, RejectReason.LINE_TOO_LONG)));
    POSTGRES.execute("UPDATE fieldflow.rejected_records SET readmitted_at = now(),"
        + " readmitted_by = 'fieldflow test', readmitted_how = 'requeue'");

    store(List.of(line(1, RejectReason.BAD_DATE)));

    assertThat(POSTGRES.rows("SELECT line_number, reason_code, message, readmitted_at IS NULL,"
            + " readmitted_by IS NULL, readmitted_how IS NULL FROM fieldflow.rejected_records"),
        equalTo(List.of(List.of(1L, "bad_date", "bad_date: test", true, true, true))));
  }
}
