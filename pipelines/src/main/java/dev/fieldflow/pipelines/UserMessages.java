package dev.fieldflow.pipelines;

/** Turns a failure into the one line an operator reads. */
final class UserMessages {
  private UserMessages() {}

  /**
   * The innermost meaningful message of {@code e}'s cause chain: runners wrap the failure that
   * matters (a constraint violation, an unreachable database) in their own exceptions.
   */
  static String of(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    if (message == null || message.isBlank()) {
      message = root.getClass().getSimpleName();
    }
    String first = message.strip().lines().findFirst().orElse(message);
    return root == e ? first : first + " (" + root.getClass().getSimpleName() + ")";
  }
}
