package dev.fieldflow.analytics.console;

/**
 * A request the console refuses, with the HTTP status that says why (400 unless given: 404 for
 * no such thing, 413 for a body too large, 503 for a busy SQL box); its message is shown on the
 * page as it is.
 */
final class BadRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  BadRequest(String message) {
    this(400, message);
  }

  BadRequest(int status, String message) {
    super(message);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("a refusal's status must be 4xx or 5xx, but was " + status);
    }
    this.status = status;
  }

  int status() {
    return status;
  }
}
