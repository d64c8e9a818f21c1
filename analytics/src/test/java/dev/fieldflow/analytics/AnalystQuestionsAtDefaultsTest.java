package dev.fieldflow.analytics;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.testdata.HardCases;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The questions on data whose hard cases sit on the documented defaults. */
class AnalystQuestionsAtDefaultsTest extends AnalystQuestionsContract {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  @Override
  EmbeddedPostgresExtension db() {
    return db;
  }

  @Override
  HardCases hardCases() {
    return HardCases.analystDefaults();
  }

  @Override
  long seed() {
    return 20191003;
  }
}
