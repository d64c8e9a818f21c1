package dev.fieldflow.analytics;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.testdata.HardCases;
import java.time.LocalDate;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The questions on data whose hard cases sit on other parameters than the defaults: another
 * skill level, range, failure count, token count, center, hop count, year and token.
 */
class AnalystQuestionsAtOtherParametersTest extends AnalystQuestionsContract {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @Override
  EmbeddedPostgresExtension db() {
    return db;
  }

  @Override
  HardCases hardCases() {
    return new HardCases(3, LocalDate.of(2019, 7, 1), LocalDate.of(2019, 9, 30), 3, 7, 17, 3, 4,
        2021, LocalDate.of(2019, 11, 1), LocalDate.of(2019, 11, 30), 42, 420);
  }

  @Override
  long seed() {
    return 7;
  }
}
