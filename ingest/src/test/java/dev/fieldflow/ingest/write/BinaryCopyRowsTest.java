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
      BinaryRows rows = new BinaryRows(5, 64);
      int n = 20_000; // far more than one 64 KiB block
      for (int k = 0; k < n; k++) {
        rows.startRow().putLong(Long.MIN_VALUE + k).putInt(-k).putDate(LocalDate.of(1, 1, 1).plusDays(k))
            .putText(k % 2 == 0 ? "SUCCESS" : "ünïcode")
            .putIntArray(k % 3 == 0 ? new int[0] : new int[] {k, Integer.MAX_VALUE, -1});
      }
      assertThat(BinaryCopyRows.copy(c, "pg_temp.t", "l, i, d, x, a", rows, null), is((long) n));

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
      BinaryRows rows = new BinaryRows(2, 64);
      rows.startRow().putLong(1);

      IllegalStateException refused = assertThrows(IllegalStateException.class, rows::startRow);
      IllegalStateException notSent = assertThrows(IllegalStateException.class,
          () -> BinaryCopyRows.copy(c, "pg_temp.u", "l, i", rows, null));

      assertThat(refused.getMessage(), is("a row got 1 values for 2 columns"));
      assertThat(notSent.getMessage(), is("a row got 1 values for 2 columns"));
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM u")) {
        rs.next();
        assertThat("the connection is usable and nothing was copied", rs.getLong(1), is(0L));
      }
      c.rollback();
    }
  }

  @Test
  void heldRowsAreCopiedInTheOrderAskedAndCanBeCopiedAgain() throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TEMP TABLE h (arrival serial, l bigint, x text)");
        s.execute("CREATE TEMP TABLE h2 (arrival serial, l bigint, x text)");
      }
      BinaryRows rows = new BinaryRows(2, 64);
      String large = "x".repeat(3 * BinaryCopyRows.FLUSH_BYTES); // larger than one block
      for (int k = 0; k < 5; k++) {
        rows.startRow().putLong(k).putText(k == 3 ? large : "row " + k);
      }

      assertThat(BinaryCopyRows.copy(c, "pg_temp.h", "l, x", rows, new int[] {4, 0, 3, 1, 2}), is(5L));
      assertThat(BinaryCopyRows.copy(c, "pg_temp.h2", "l, x", rows, null), is(5L));

      assertThat(arrivals(c, "h"), equalTo(List.of(List.of(4L, 5), List.of(0L, 5), List.of(3L, large.length()),
          List.of(1L, 5), List.of(2L, 5))));
      assertThat(arrivals(c, "h2"), equalTo(List.of(List.of(0L, 5), List.of(1L, 5), List.of(2L, 5),
          List.of(3L, large.length()), List.of(4L, 5))));
      c.rollback();
    }
  }

  @Test
  void heldRowsOfAnotherShapeAreRefusedBeforeAnythingIsSent() throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      BinaryRows rows = new BinaryRows(2, 64);
      rows.startRow().putLong(1).putText("a");

      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> BinaryCopyRows.copy(c, "pg_temp.nowhere", "l, x, y", rows, null));

      assertThat(refused.getMessage(), is("rows of 2 columns cannot be copied into 3 columns (l, x, y)"));
    }
  }

  /** {l, length(x)} of {@code table} in the order the rows arrived. */
  private static List<List<Object>> arrivals(Connection c, String table) throws Exception {
    List<List<Object>> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT l, length(x) FROM pg_temp." + table + " ORDER BY arrival")) {
      while (rs.next()) {
        rows.add(List.of(rs.getLong(1), rs.getInt(2)));
      }
    }
    return rows;
  }
}
