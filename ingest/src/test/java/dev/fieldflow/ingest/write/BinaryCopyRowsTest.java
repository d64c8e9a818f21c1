package dev.fieldflow.ingest.write;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rows written with binary COPY read back as written, on a real PostgreSQL. */
class BinaryCopyRowsTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @Test
  void everyTypeRoundTripsAcrossManyFlushes() throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TEMP TABLE t (l bigint, i integer, d date, x text, a integer[])");
      }
      BinaryCopyRows rows = new BinaryCopyRows(c, "pg_temp.t", "l, i, d, x, a");
      int n = 20_000; // far more than one 64 KiB block
      for (int k = 0; k < n; k++) {
        rows.startRow().putLong(Long.MIN_VALUE + k).putInt(-k).putDate(LocalDate.of(1, 1, 1).plusDays(k))
            .putText(k % 2 == 0 ? "SUCCESS" : "ünïcode")
            .putIntArray(k % 3 == 0 ? new int[0] : new int[] {k, Integer.MAX_VALUE, -1});
        rows.flushIfFull();
      }
      assertThat(rows.finish(), is((long) n));

      List<List<Object>> firstRows = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT l, i, d, x, a::text FROM t ORDER BY i DESC LIMIT 3")) {
        while (rs.next()) {
          firstRows.add(List.of(rs.getLong(1), rs.getInt(2), rs.getObject(3, LocalDate.class),
              rs.getString(4), rs.getString(5)));
        }
      }
      assertThat(firstRows, equalTo(List.of(
          List.of(Long.MIN_VALUE, 0, LocalDate.of(1, 1, 1), "SUCCESS", "{}"),
          List.of(Long.MIN_VALUE + 1, -1, LocalDate.of(1, 1, 2), "ünïcode", "{1,2147483647,-1}"),
          List.of(Long.MIN_VALUE + 2, -2, LocalDate.of(1, 1, 3), "SUCCESS", "{2,2147483647,-1}"))));
      c.rollback();
    }
  }

  @Test
  void aRowWithTooFewValuesIsRefusedBeforeItIsSent() throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TEMP TABLE u (l bigint, i integer)");
      }
      BinaryCopyRows rows = new BinaryCopyRows(c, "pg_temp.u", "l, i");
      rows.startRow().putLong(1);

      IllegalStateException refused = assertThrows(IllegalStateException.class, rows::startRow);

      assertThat(refused.getMessage().contains("got 1 values for 2 columns"), is(true));
      rows.cancel();
      c.rollback();
    }
  }
}
