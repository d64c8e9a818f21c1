package dev.fieldflow.io.db;

import java.util.Map;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the {@code fieldflow} schema to the newest version with the Flyway migrations in
 * {@code classpath:db/migration}. The schema and Flyway's history table live in {@code
 * fieldflow}; the roles the migrations grant to are the placeholders {@code writer_role},
 * {@code analyst_role} and {@code monitor_role}.
 *
 * <p>Run it as the schema owner or an administrator, never as the writer: the pipelines' role can
 * write rows but must not be able to change the schema.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  public static final String SCHEMA = "fieldflow";
  public static final String LOCATION = "classpath:db/migration";
  public static final String DEFAULT_WRITER_ROLE = "fieldflow_writer";
  public static final String DEFAULT_ANALYST_ROLE = "fieldflow_analyst";
  /** Reads the ledger and the quarantine, writes nothing: the console's operator pages (V21). */
  public static final String DEFAULT_MONITOR_ROLE = "fieldflow_monitor";

  /** Role names go into the SQL unquoted; allow only what needs no quoting. */
  private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private Migrations() {}

  /** {@link #apply(DatabaseConfig, String, String, String)} with the default role names. */
  public static int apply(DatabaseConfig owner) {
    return apply(owner, DEFAULT_WRITER_ROLE, DEFAULT_ANALYST_ROLE);
  }

  /** {@link #apply(DatabaseConfig, String, String, String)} with the default monitor role. */
  public static int apply(DatabaseConfig owner, String writerRole, String analystRole) {
    return apply(owner, writerRole, analystRole, DEFAULT_MONITOR_ROLE);
  }

  /**
   * Applies the pending migrations; a schema that is up to date is left as it is.
   *
   * @param owner an owner or administrator login (creates the schema and, on first run, the
   *     roles)
   * @return how many migrations ran (0 when the schema was already up to date)
   * @throws IllegalArgumentException if {@code owner} logs in as the writer role, or a role name
   *     is not a plain lower-case identifier
   * @throws org.flywaydb.core.api.FlywayException if a migration fails (it is rolled back)
   */
  public static int apply(DatabaseConfig owner, String writerRole, String analystRole,
      String monitorRole) {
    checkRole("writer", writerRole);
    checkRole("analyst", analystRole);
    checkRole("monitor", monitorRole);
    if (writerRole.equals(owner.user())) {
      throw new IllegalArgumentException(
          "migrations must run as the schema owner or an administrator, not as the writer role "
              + writerRole
              + " ("
              + owner.describe()
              + "); pass the admin login (FIELDFLOW_ADMIN_USER in .fieldflow/credentials-admin.env"
              + " for the local database)");
    }
    LOG.info("migrating schema {} at {}", SCHEMA, owner.describe());
    MigrateResult result =
        Flyway.configure()
            .dataSource(owner.dataSource())
            .schemas(SCHEMA)
            .defaultSchema(SCHEMA)
            .createSchemas(true)
            .locations(LOCATION)
            .failOnMissingLocations(true)
            .validateMigrationNaming(true)
            .placeholders(Map.of("writer_role", writerRole, "analyst_role", analystRole,
                "monitor_role", monitorRole))
            .cleanDisabled(true)
            .load()
            .migrate();
    LOG.info(
        "schema {} at {}: version {}, {} migration(s) applied",
        SCHEMA,
        owner.describe(),
        result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
        result.migrationsExecuted);
    return result.migrationsExecuted;
  }

  private static void checkRole(String what, String role) {
    if (role == null || !PLAIN_IDENTIFIER.matcher(role).matches()) {
      throw new IllegalArgumentException(
          what + " role name '" + role + "' must be a lower-case identifier like "
              + switch (what) {
                case "writer" -> DEFAULT_WRITER_ROLE;
                case "analyst" -> DEFAULT_ANALYST_ROLE;
                default -> DEFAULT_MONITOR_ROLE;
              });
    }
  }
}
