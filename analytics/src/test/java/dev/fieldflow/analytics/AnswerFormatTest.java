package dev.fieldflow.analytics;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Numbers as PostgreSQL writes them, not as Java prints a BigDecimal. */
class AnswerFormatTest {
  @Test
  void aNumericIsWrittenPlainNotInScientificNotation() {
    List<List<Object>> rows = List.of(List.of(new BigDecimal("1E-7"), new BigDecimal("12E+3")));

    assertThat(AnswerFormat.csv(List.of("small", "large"), rows),
        is("small,large\n0.0000001,12000\n"));
  }
}
