package dev.fieldflow.io.db;

import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * PostgreSQL's messages in fieldflow's words: without the severity the driver puts first
 * ({@code ERROR: year 10000 is after 9999}, {@code FATAL: too many connections ...}), as the
 * console, {@code manage.sh query} and the connection checks show them.
 */
public final class ServerMessages {
  private ServerMessages() {}

  /** {@code message} without an English severity ({@code ERROR}, {@code FATAL}, {@code PANIC}) first. */
  public static String withoutSeverity(String message) {
    return message.replaceFirst("^(ERROR|FATAL|PANIC): ", "");
  }

  /**
   * {@code e}'s message without its severity: the one the server sent where it sent one (a
   * server answering in another language names it in that language), else an English one.
   */
  public static String withoutSeverity(SQLException e) {
    String message = String.valueOf(e.getMessage());
    ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
    String severity = server == null ? null : server.getSeverity();
    if (severity != null && message.startsWith(severity + ": ")) {
      return message.substring(severity.length() + 2);
    }
    return withoutSeverity(message);
  }
}
