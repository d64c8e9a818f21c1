package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.ServerMessages;

/** Turns a failure into the one line an operator reads. */
final class UserMessages {
  private static final String OWN_PACKAGE = "dev.fieldflow.";

  private UserMessages() {}

  /**
   * The message innermost in {@code e}'s cause chain that fieldflow wrote for the operator (what,
   * where, what to do: {@code cannot reach PostgreSQL at …; start it with ./manage.sh db start or
   * set FIELDFLOW_JDBC_URL}), even when it carries the library's failure as its cause; failing
   * that, the innermost meaningful message, with its class: runners wrap the failure that matters
   * (a constraint violation, an unreachable database) in their own exceptions. A host name that
   * does not resolve (the AWS SDK's bare "bucket.s3.amazonaws.com") says what to check.
   */
  static String of(Throwable e) {
    Throwable root = e;
    Throwable own = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (writtenByFieldflow(t) && hasMessage(t) && !wrapsOnly(t)) {
        own = t;
      }
      root = t;
    }
    if (own != null) {
      return firstLine(own.getMessage());
    }
    if (root instanceof java.net.UnknownHostException) {
      return "cannot resolve the host " + root.getMessage() + " (UnknownHostException): check the"
          + " network and DNS of this machine, and the host of the URL or endpoint given; an"
          + " S3-compatible server is reached with --endpoint=URL --s3PathStyle=true (manage.sh"
          + " adds them from FIELDFLOW_S3_ENDPOINT)";
    }
    String message = hasMessage(root) ? root.getMessage() : root.getClass().getSimpleName();
    String first = firstLine(message);
    return root == e ? first : first + " (" + root.getClass().getSimpleName() + ")";
  }

  /**
   * Whether fieldflow made {@code t}: one of its own classes, or created in its code (the top
   * frame of the trace is where {@code new} ran), such as {@code new IllegalArgumentException(
   * "cannot list …; check --visitsInput …", cause)}. A runner's wrapper or a driver's exception is
   * made in the library's code.
   */
  private static boolean writtenByFieldflow(Throwable t) {
    if (t.getClass().getName().startsWith(OWN_PACKAGE)) {
      return true;
    }
    StackTraceElement[] trace = t.getStackTrace();
    return trace.length > 0 && trace[0].getClassName().startsWith(OWN_PACKAGE);
  }

  /** {@code new RuntimeException(cause)}: its message is the cause's {@code toString()}, no more. */
  private static boolean wrapsOnly(Throwable t) {
    return t.getCause() != null && t.getMessage().equals(t.getCause().toString());
  }

  private static boolean hasMessage(Throwable t) {
    return t.getMessage() != null && !t.getMessage().isBlank();
  }

  /** The first line, without PostgreSQL's severity ("ERROR: ", "FATAL: "): the console's words. */
  private static String firstLine(String message) {
    return ServerMessages.withoutSeverity(message.strip().lines().findFirst().orElse(message));
  }
}
