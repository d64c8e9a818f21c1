package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.DatabaseUnavailableException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The one line an operator reads when a command fails. */
class UserMessagesTest {
  private static final String UNREACHABLE = "cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:5432/fieldflow"
      + " (user fieldflow_writer): connection refused (for 30 s); start it with ./manage.sh db start or set"
      + " FIELDFLOW_JDBC_URL";

  /** The driver's cause says only "Connection refused"; fieldflow's message says where and what to do. */
  @Test
  void fieldflowsOwnMessageIsShownRatherThanTheDriversCause() {
    Exception e = new DatabaseUnavailableException(UNREACHABLE, assertThrows(SQLException.class,
        () -> java.sql.DriverManager.getConnection("jdbc:nope:")));

    assertThat(UserMessages.of(e), equalTo(UNREACHABLE));
  }

  @Test
  void fieldflowsOwnMessageIsFoundInsideARunnersWrapper() {
    DatabaseUnavailableException unreachable = new DatabaseUnavailableException(UNREACHABLE, refused());
    Exception e = assertThrows(java.util.concurrent.CompletionException.class,
        () -> java.util.concurrent.CompletableFuture.failedFuture(unreachable).join());

    assertThat(UserMessages.of(e), equalTo(UNREACHABLE));
  }

  /** The AWS SDK says only the host: "fieldflow-visits.s3.amazonaws.com (UnknownHostException)". */
  @Test
  void aHostThatDoesNotResolveSaysWhatToCheck() {
    java.net.UnknownHostException unknown = assertThrows(java.net.UnknownHostException.class,
        () -> java.net.InetAddress.getByName("no-such-bucket.invalid"));
    Exception wrapped = assertThrows(java.util.concurrent.CompletionException.class,
        () -> java.util.concurrent.CompletableFuture.failedFuture(unknown).join());

    assertThat(UserMessages.of(wrapped), equalTo("cannot resolve the host " + unknown.getMessage()
        + " (UnknownHostException): check the network and DNS of this machine, and the host of the"
        + " URL or endpoint given; an S3-compatible server is reached with --endpoint=URL"
        + " --s3PathStyle=true (manage.sh adds them from FIELDFLOW_S3_ENDPOINT)"));
  }

  /** A library's failure wrapped by a library: the innermost words, with their class. */
  @Test
  void withoutAMessageOfFieldflowsTheInnermostMessageIsShownWithItsClass() {
    // Both made in the JDK's code, as a driver's exception and a runner's wrapper are in theirs.
    SQLException driver = assertThrows(SQLException.class,
        () -> java.sql.DriverManager.getConnection("jdbc:nope:"));
    Exception wrapped = assertThrows(java.util.concurrent.CompletionException.class,
        () -> java.util.concurrent.CompletableFuture.failedFuture(driver).join());

    assertThat(UserMessages.of(wrapped), equalTo(driver.getMessage() + " (SQLException)"));
  }

  /** Composed where it was thrown (what, where, what to do), with the library's failure as cause. */
  @Test
  void aMessageComposedInFieldflowsCodeIsShownRatherThanItsCause() {
    Exception e = new IllegalArgumentException("cannot list /nowhere/*: no such directory; check"
        + " --visitsInput (or FIELDFLOW_VISITS)", assertThrows(java.io.IOException.class,
            () -> java.nio.file.Files.readString(java.nio.file.Path.of("/nowhere/x"))));

    assertThat(UserMessages.of(e), equalTo("cannot list /nowhere/*: no such directory; check"
        + " --visitsInput (or FIELDFLOW_VISITS)"));
  }

  /** query q4 --max_hops=abc: the parser's own words ("For input string") name no parameter. */
  @Test
  void aQuestionsParameterOfTheWrongTypeIsNamedWithItsQuestion() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.fieldflow.analytics.Question.Q4.arguments(java.util.Map.of("max_hops", "abc")));

    assertThat(UserMessages.of(e), equalTo("--max_hops (H) must be an integer, got 'abc'"));
  }

  /** {@code new UncheckedIOException(e)} in fieldflow's code adds nothing: the cause speaks. */
  @Test
  void aWrapperThatOnlyRepeatsItsCauseIsLookedThrough() {
    Exception e = new java.io.UncheckedIOException(assertThrows(java.io.IOException.class,
        () -> java.nio.file.Files.readString(java.nio.file.Path.of("/nowhere/x"))));

    assertThat(UserMessages.of(e), equalTo("/nowhere/x (NoSuchFileException)"));
  }

  /** A refused connection, made by the JDK's own code as a driver's would be. */
  private static ConnectException refused() {
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = closed.getLocalPort();
      closed.close();
      return assertThrows(ConnectException.class,
          () -> new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port).close());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aFailureWithoutAnyMessageIsNamedByItsClass() {
    assertThat(UserMessages.of(new IllegalStateException()), equalTo("IllegalStateException"));
    assertThat(UserMessages.of(new IllegalArgumentException("--x must be >= 1, but was 0")),
        equalTo("--x must be >= 1, but was 0"));
  }

  /** The console said "year 10000 is after 9999 ..."; query printed "ERROR: year 10000 ...". */
  @Test
  void postgresSeverityIsLeftOutAsTheConsoleLeavesItOut() {
    Exception e = new RuntimeException("wrapped",
        new java.sql.SQLException("ERROR: year 10000 is after 9999\n  Hint: ask for 1..9999"));
    assertThat(UserMessages.of(e), equalTo("year 10000 is after 9999"));
  }
}
