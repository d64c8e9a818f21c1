package dev.fieldflow.io.write;

import java.sql.SQLException;
import org.apache.beam.sdk.io.jdbc.JdbcIO;

/**
 * Which write failures are worth retrying: the ones that a later attempt can succeed at
 * (serialization failures, deadlocks, lock timeouts, too many connections, a server shutting
 * down or a lost connection). Constraint violations and bad SQL are not: they fail loudly.
 */
public final class TransientSqlErrors implements JdbcIO.RetryStrategy {
  @Override
  public boolean apply(SQLException e) {
    return isTransient(e);
  }

  /** True for SQLSTATEs that a retry can get past. */
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

  private static boolean isTransientState(String state) {
    if (state == null) {
      return false;
    }
    return state.startsWith("08") // connection exception
        || state.equals("40001") // serialization failure
        || state.equals("40P01") // deadlock detected
        || state.equals("55P03") // lock not available
        || state.equals("53300") // too many connections
        || state.equals("57P01") // admin shutdown
        || state.equals("57P02") // crash shutdown
        || state.equals("57P03"); // cannot connect now (starting up)
  }
}
