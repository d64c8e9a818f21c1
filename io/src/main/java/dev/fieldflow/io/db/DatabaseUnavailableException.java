package dev.fieldflow.io.db;

/**
 * PostgreSQL cannot be reached or refuses the login. The message is one line that names the
 * (masked) URL, the user, the reason and what to do about it; the driver's exception is the
 * cause.
 */
public final class DatabaseUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatabaseUnavailableException(String message) {
    super(message);
  }

  public DatabaseUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
