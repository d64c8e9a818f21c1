package dev.fieldflow.ingest.write;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each SQLSTATE class gets the handling its table in {@link DatabaseErrors} promises. */
class DatabaseErrorsTest {
  @ParameterizedTest(name = "{0} ({3}): transient {1}, data {2}")
  @CsvSource({
      "08006, true, false, connection failure",
      "08001, true, false, cannot connect",
      "57P01, true, false, admin shutdown",
      "57P02, true, false, crash shutdown",
      "57P03, true, false, starting up",
      "53300, true, false, too many connections",
      "53100, true, false, disk full",
      "53200, true, false, out of memory",
      "25006, true, false, read-only transaction after a failover",
      "40001, true, false, serialization failure",
      "40P01, true, false, deadlock",
      "55P03, true, false, lock not available",
      "57014, false, false, statement timeout: fails the file instead of retrying in a loop",
      "42501, false, false, insufficient privilege",
      "22008, false, true, date out of range",
      "22003, false, true, numeric out of range",
      "23514, false, true, check violation",
      "23505, false, true, unique violation",
      "23503, false, true, foreign key violation"})
  void eachStateIsClassified(String state, boolean isTransient, boolean isData, String what) {
    SQLException e = new SQLException(what, state);

    assertThat(DatabaseErrors.isTransient(e), is(isTransient));
    assertThat(DatabaseErrors.isDataError(e), is(isData));
  }

  @ParameterizedTest
  @CsvSource({"08006, true", "22008, false"})
  void aTransientCauseIsFoundInsideRunnerExceptions(String state, boolean expected) {
    Exception wrapped = new RuntimeException("pipeline failed",
        new IllegalStateException("bundle failed", new SQLException("cause", state)));

    assertThat(DatabaseErrors.isTransientCause(wrapped), is(expected));
  }
}
