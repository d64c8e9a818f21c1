/**
 * PostgreSQL for fieldflow: how to reach it ({@link dev.fieldflow.io.db.DatabaseConfig}, the one
 * place that builds a {@code DataSource} or a {@code JdbcIO} configuration), the schema
 * ({@link dev.fieldflow.io.db.Migrations}, Flyway, {@code classpath:db/migration}) and the local
 * server for development and demos ({@link dev.fieldflow.io.db.LocalDatabase}, behind {@code
 * manage.sh db}).
 *
 * <p>Roles: the migrations run as an owner or administrator; the pipelines log in as the writer
 * ({@code fieldflow_writer}: rows in, no DDL); analysts as {@code fieldflow_analyst} (reads the
 * model and {@code analytics}). Passwords come from the environment, {@code ~/.pgpass} or, for
 * the local server, one file per role under {@code .fieldflow/} ({@code credentials.env} for the
 * writer, {@code credentials-analyst.env}, {@code credentials-admin.env}); they never appear in
 * logs or messages.
 *
 * <p>Tests in any module get a real server from {@code EmbeddedPostgresExtension} in this
 * module's test-jar.
 */
package dev.fieldflow.io.db;
