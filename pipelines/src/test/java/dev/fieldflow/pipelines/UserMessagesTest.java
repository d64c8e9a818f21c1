package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

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
    Exception e = new DatabaseUnavailableException(UNREACHABLE, new SQLException("Connection to"
        + " 127.0.0.1:5432 refused.", "08001", new ConnectException("Connection refused")));

    assertThat(UserMessages.of(e), equalTo(UNREACHABLE));
  }

  @Test
  void fieldflowsOwnMessageIsFoundInsideARunnersWrapper() {
    Exception e = new RuntimeException("org.apache.beam.sdk.Pipeline$PipelineExecutionException: boom",
        new DatabaseUnavailableException(UNREACHABLE, new ConnectException("Connection refused")));

    assertThat(UserMessages.of(e), equalTo(UNREACHABLE));
  }

  /** A constraint violation wrapped by a runner: the database's own words, with their class. */
  @Test
  void withoutAMessageOfFieldflowsTheInnermostMessageIsShownWithItsClass() {
    Exception e = new RuntimeException("java.lang.RuntimeException: wrapped",
        new SQLException("ERROR: new row violates check constraint \"no_node_42\"\n  Detail: ...", "23514"));

    assertThat(UserMessages.of(e), equalTo(
        "ERROR: new row violates check constraint \"no_node_42\" (SQLException)"));
  }

  /** query q4 --max_hops=abc: the parser's own words ("For input string") name no parameter. */
  @Test
  void aQuestionsParameterOfTheWrongTypeIsNamedWithItsQuestion() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> dev.fieldflow.analytics.Question.Q4.arguments(java.util.Map.of("max_hops", "abc")));

    assertThat(UserMessages.of(e), equalTo("--max_hops (H) must be an integer, got 'abc'"));
  }

  @Test
  void aFailureWithoutAnyMessageIsNamedByItsClass() {
    assertThat(UserMessages.of(new IllegalStateException()), equalTo("IllegalStateException"));
    assertThat(UserMessages.of(new IllegalArgumentException("--x must be >= 1, but was 0")),
        equalTo("--x must be >= 1, but was 0"));
  }
}
