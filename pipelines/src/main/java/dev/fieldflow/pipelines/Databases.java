package dev.fieldflow.pipelines;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.ingest.write.BatchSettings;
import org.joda.time.Duration;

/** Turns the shared options into the io module's database and batching settings. */
final class Databases {
  private Databases() {}

  static DatabaseConfig writer(FieldflowOptions options) {
    // No password option by design: resolve() takes it from the environment or local credentials.
    return DatabaseConfig.resolve(options.getJdbcUrl(), options.getDbUser(), null);
  }

  static BatchSettings batching(FieldflowOptions options) {
    return new BatchSettings(
        options.getBatchSize(),
        Duration.millis(options.getBatchMaxBufferingMillis()),
        options.getWriteShards());
  }
}
