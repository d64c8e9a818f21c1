package dev.fieldflow.pipelines;

/** Turns a failure into the one line an operator reads. */
final class UserMessages {
  private static final String OWN_PACKAGE = "dev.fieldflow.";

  private UserMessages() {}

  /**
   * The message of fieldflow's own exception innermost in {@code e}'s cause chain, written for
   * the operator (what, where, what to do: {@code cannot reach PostgreSQL at …; start it with
   * ./manage.sh db start or set FIELDFLOW_JDBC_URL}); failing that, the innermost meaningful
   * message, with its class: runners wrap the failure that matters (a constraint violation, an
   * unreachable database) in their own exceptions.
   */
  static String of(Throwable e) {
    Throwable root = e;
    Throwable own = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getName().startsWith(OWN_PACKAGE) && hasMessage(t)) {
        own = t;
      }
      root = t;
    }
    if (own != null) {
      return firstLine(own.getMessage());
    }
    String message = hasMessage(root) ? root.getMessage() : root.getClass().getSimpleName();
    String first = firstLine(message);
    return root == e ? first : first + " (" + root.getClass().getSimpleName() + ")";
  }

  private static boolean hasMessage(Throwable t) {
    return t.getMessage() != null && !t.getMessage().isBlank();
  }

  private static String firstLine(String message) {
    return message.strip().lines().findFirst().orElse(message);
  }
}
