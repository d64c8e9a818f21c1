package dev.fieldflow.ingest.write;

import java.sql.SQLException;
import org.apache.beam.sdk.io.jdbc.JdbcIO;

/**
 * The one place that decides what a database failure means, by its SQLSTATE:
 *
 * <table>
 *   <caption>failure classes</caption>
 *   <tr><th>class</th><th>SQLSTATEs</th><th>what fieldflow does</th></tr>
 *   <tr><td>transient</td><td>08xxx connection lost; 40001 serialization failure; 40P01
 *       deadlock; 55P03 lock not available; 53300 too many connections; 53100 disk full; 53200
 *       out of memory; 25006 read-only transaction (a failover in progress); 57P01/57P02/57P03
 *       shutdown, crash, starting up</td>
 *       <td>wait with backoff and run the whole unit again, up to the outage tolerance</td></tr>
 *   <tr><td>data</td><td>class 22 (data exception) and 23 (integrity constraint)</td>
 *       <td>the data, not the database: isolate the refused lines and quarantine them</td></tr>
 *   <tr><td>anything else</td><td>e.g. 57014 statement timeout, 42xxx bad SQL or privileges</td>
 *       <td>the file fails with the message and is retried later with a growing delay; never
 *       retried in a loop</td></tr>
 * </table>
 *
 * <p>Also Beam {@code JdbcIO}'s retry strategy for the network pipeline's batch writes.
 */
public final class DatabaseErrors implements JdbcIO.RetryStrategy {
  @Override
  public boolean apply(SQLException e) {
    return isTransient(e);
  }

  /** True for SQLSTATEs that a later attempt can get past. */
  public static boolean isTransient(SQLException e) {
    return isTransientCause(e);
  }

  /**
   * True if {@code failure} or one of its causes is a transient {@link SQLException}: for a
   * failed pipeline, whose error wraps the failed statement's exception in runner exceptions.
   */
  public static boolean isTransientCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && isTransientState(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /** True when PostgreSQL refused the values of a statement (SQLSTATE class 22 or 23). */
  public static boolean isDataError(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  /** The first line of a server message (PostgreSQL appends "Where:" and "Detail:" lines). */
  public static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static boolean isTransientState(String state) {
    if (state == null) {
      return false;
    }
    return state.startsWith("08") // connection exception
        || state.equals("40001") // serialization failure
        || state.equals("40P01") // deadlock detected
        || state.equals("55P03") // lock not available
        || state.equals("53300") // too many connections
        || state.equals("53100") // disk full
        || state.equals("53200") // out of memory
        || state.equals("25006") // read-only transaction: a failover in progress
        || state.equals("57P01") // admin shutdown
        || state.equals("57P02") // crash shutdown
        || state.equals("57P03"); // cannot connect now (starting up)
  }
}
