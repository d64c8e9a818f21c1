package dev.fieldflow.analytics.console;

import dev.fieldflow.io.db.DatabaseConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.NativeQuery;
import org.postgresql.core.Parser;

/**
 * The console's read-only SQL box: runs one analyst's query on the analyst's login, in a
 * read-only transaction that is rolled back, under a statement timeout, and keeps at most a row
 * limit of its rows, and at most {@link #MAX_RESULT_CHARS} characters of them (fetched a
 * hundred rows at a time, the driver receiving at most {@link #MAX_ROW_BYTES}). The analyst role's privileges are what keep the data safe (it may write
 * nothing); the read-only transaction says so early. A text of several statements is refused
 * before any runs: the driver would run them all and the box show the first result only, the
 * others unseen ({@code COMMIT; ...} leaving the read-only transaction; a first {@code SET}
 * returning no rows at all). A query that sets the server's timeout away for itself is cancelled by the driver's own query
 * timeout a second later. The connection is the request's alone, so nothing a query sets
 * outlives it.
 */
final class SqlBox {
  /** Where a result was cut, if it was. */
  enum Cut {
    NONE, ROW_LIMIT, TEXT_LIMIT;

    /** As the JSON and the CSV's {@code X-Fieldflow-Truncated} header say it. */
    String id() {
      return switch (this) {
        case NONE -> "none";
        case ROW_LIMIT -> "rowLimit";
        case TEXT_LIMIT -> "textLimit";
      };
    }
  }

  /**
   * The query's rows, as the page and the CSV show them, with per column whether it holds
   * numbers (the page right-aligns those, whatever JSON carries them as).
   */
  record Result(List<String> columns, List<Boolean> numericColumns, List<List<Object>> rows,
      Cut cut, int limit) {
    boolean truncated() {
      return cut != Cut.NONE;
    }
  }

  /**
   * The characters of the values kept, whatever the row limit: the row that reaches it keeps
   * the part of its value that fits, and is the last. 10,000 rows of 100 kB each ran the console
   * (256 MB of heap) out of memory and failed the requests of others with it.
   */
  static final long MAX_RESULT_CHARS = 8L * 1024 * 1024;

  /**
   * What the driver may receive for one query ({@code maxResultBuffer}): it reads a row whole
   * before the box can cut it, so one value of 40 million characters took 160 MB of heap as
   * bytes and text. A row beyond this is refused in words; 100 rows are fetched at a time, so a
   * result of narrow rows is cut at {@link #MAX_RESULT_CHARS} well before.
   */
  static final long MAX_ROW_BYTES = 32L * 1024 * 1024;

  /** The JDBC types shown as numbers. */
  private static final Set<Integer> NUMBER_TYPES = Set.of(Types.TINYINT, Types.SMALLINT,
      Types.INTEGER, Types.BIGINT, Types.REAL, Types.FLOAT, Types.DOUBLE, Types.NUMERIC,
      Types.DECIMAL);

  /** Rows fetched from the server at a time, so that a cut result is never read whole. */
  private static final int FETCH_ROWS = 100;

  private final Duration timeout;

  SqlBox(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("SQL box timeout must be > 0, but was " + timeout);
    }
    this.timeout = timeout;
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * The analyst's login with the driver told to receive at most {@link #MAX_ROW_BYTES} for a
   * query: a parameter added to the JDBC URL, the one place the driver reads it from.
   */
  static DatabaseConfig login(DatabaseConfig analyst) {
    String url = analyst.jdbcUrl();
    return DatabaseConfig.of(url + (url.contains("?") ? "&" : "?") + "maxResultBuffer="
        + MAX_ROW_BYTES, analyst.user(), analyst.password());
  }

  /**
   * How many statements the driver would send for {@code query}, counted by the driver's own
   * parser (quotes, dollar quotes and comments as it reads them): no second parser to disagree
   * with the one that splits the text. {@code Parser} is pgjdbc's, public but not its JDBC API;
   * ConsoleHttpTest holds it to what the driver does.
   */
  private static int statements(Connection c, String query) throws SQLException {
    boolean standardStrings = c.unwrap(BaseConnection.class).getStandardConformingStrings();
    int statements = 0;
    for (NativeQuery statement : Parser.parseJdbcSql(query, standardStrings, false, true, false, false)) {
      if (!onlyComments(statement.nativeSql)) {
        statements++;
      }
    }
    return statements;
  }

  /** Whether {@code sql} holds nothing but white space and comments (a note after the last ;). */
  private static boolean onlyComments(String sql) {
    char[] text = sql.toCharArray();
    int i = 0;
    while (i < text.length) {
      if (Character.isWhitespace(text[i])) {
        i++;
      } else if (text[i] == '-' && i + 1 < text.length && text[i + 1] == '-') {
        i = Parser.parseLineComment(text, i) + 1;
      } else if (text[i] == '/' && i + 1 < text.length && text[i + 1] == '*') {
        i = Parser.parseBlockComment(text, i) + 1;
      } else {
        return false;
      }
    }
    return true;
  }

  /**
   * Runs {@code sql} and keeps its first {@code limit} rows. Numbers and booleans stay what they
   * are; every other value (dates, arrays, text) is PostgreSQL's text for it.
   *
   * @throws BadRequest for an empty query or one that returns no rows
   * @throws SQLException from PostgreSQL: the analyst's mistake (syntax, permission, timeout)
   */
  Result run(Connection c, String sql, int limit) throws SQLException {
    String query = sql == null ? "" : sql.strip();
    while (query.endsWith(";")) {
      query = query.substring(0, query.length() - 1).stripTrailing();
    }
    if (query.isEmpty()) {
      throw new BadRequest("write a query in the SQL box, e.g. SELECT * FROM analytics.status");
    }
    int statements = statements(c, query);
    if (statements > 1) {
      throw new BadRequest("the SQL box runs one statement at a time, and this text has "
          + statements + " (separated by ;): run them one by one");
    }
    c.setAutoCommit(false);
    try {
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION READ ONLY");
        s.execute("SET LOCAL statement_timeout = " + timeout.toMillis());
      }
      return rows(c, query, limit);
    } catch (SQLException e) {
      // pgjdbc's words for a row beyond maxResultBuffer; it has dropped the connection.
      if (String.valueOf(e.getMessage()).contains("exceeded maxResultBuffer")) {
        throw new BadRequest("a row of this result is wider than the SQL box reads ("
            + MAX_ROW_BYTES / (1024 * 1024) + " MiB for a query): select a part of the wide"
            + " value, e.g. left(column, 1000), or use psql");
      }
      throw e;
    } finally {
      if (!c.isClosed()) {
        c.rollback();
      }
    }
  }

  private Result rows(Connection c, String query, int limit) throws SQLException {
    // A plain statement, sent as typed: a prepared one would read jsonb's ? operator as a
    // parameter, and escape processing would rewrite {fn ...} texts PostgreSQL does not know.
    try (Statement ps = c.createStatement()) {
      ps.setEscapeProcessing(false);
      ps.setMaxRows(limit + 1);
      ps.setFetchSize(FETCH_ROWS);
      // The server's timeout ends the query; the driver's cancels one that set it away.
      ps.setQueryTimeout((int) Math.ceil(timeout.toMillis() / 1000.0) + 1);
      if (!ps.execute(query)) {
        throw new BadRequest(
            "the SQL box shows the rows of a query (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN);"
                + " this statement returns none");
      }
      try (ResultSet rs = ps.getResultSet()) {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        List<Boolean> numeric = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          columns.add(meta.getColumnLabel(i));
          numeric.add(NUMBER_TYPES.contains(meta.getColumnType(i)));
        }
        List<List<Object>> rows = new ArrayList<>();
        Cut cut = Cut.NONE;
        long chars = 0;
        while (cut == Cut.NONE && rs.next()) {
          if (rows.size() == limit) {
            cut = Cut.ROW_LIMIT;
            break;
          }
          if (chars >= MAX_RESULT_CHARS) {
            cut = Cut.TEXT_LIMIT;
            break;
          }
          List<Object> row = new ArrayList<>(columns.size());
          for (int i = 1; i <= columns.size(); i++) {
            Object value = rs.getObject(i);
            Object shown = value == null || value instanceof Number || value instanceof Boolean
                ? value
                : rs.getString(i);
            if (shown instanceof String text && chars + text.length() > MAX_RESULT_CHARS) {
              // The part that fits: the row is shown, and it is the last.
              shown = text.substring(0, (int) Math.max(0, MAX_RESULT_CHARS - chars));
              cut = Cut.TEXT_LIMIT;
            }
            chars += shown == null ? 4 : String.valueOf(shown).length();
            row.add(shown);
          }
          rows.add(row);
        }
        return new Result(columns, numeric, rows, cut, limit);
      }
    }
  }
}
