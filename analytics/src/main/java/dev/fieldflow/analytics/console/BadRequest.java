package dev.fieldflow.analytics.console;

/** A request the console refuses; its message is shown on the page as it is. */
final class BadRequest extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadRequest(String message) {
    super(message);
  }
}
