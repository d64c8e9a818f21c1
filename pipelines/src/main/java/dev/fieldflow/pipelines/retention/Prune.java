package dev.fieldflow.pipelines.retention;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.pipelines.CommandLine;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * {@code fieldflow prune}: deletes what fieldflow no longer needs, in one transaction, and prints
 * what it deleted per table (docs/OPERATIONS.md, "Retention").
 *
 * <table>
 *   <caption>What is pruned</caption>
 *   <tr><th>table</th><th>rows deleted</th></tr>
 *   <tr><td>{@code rejected_records}</td><td>quarantined lines older than the horizon, except
 *       those of a file still being ingested (its ledger counts them at commit)</td></tr>
 *   <tr><td>{@code network_staging}, {@code network_staging_files}, {@code
 *       network_staging_rejects}</td><td>rows of loads
 *       abandoned more than a day ago, and leftovers of loads that committed</td></tr>
 *   <tr><td>{@code ingest_files}</td><td>only with {@code --ledger}: done and failed files
 *       finished before the horizon. The ledger is the exactly-once memory: a pruned file that
 *       is still in the input is ingested again. The writer role may not do this (it cannot
 *       delete ledger rows); run it as the schema owner.</td></tr>
 * </table>
 */
public final class Prune {
  private Prune() {}

  /** A horizon shorter than this would race with files being ingested and loads in progress. */
  static final Duration SHORTEST_HORIZON = Duration.ofDays(1);

  private static final Pattern HORIZON = Pattern.compile("([0-9]{1,6})([dh])");
  /** PostgreSQL's insufficient_privilege. */
  private static final String DENIED = "42501";

  /** Where PostgreSQL is, as for the pipelines, and what to prune. */
  public interface PruneOptions extends PipelineOptions {
    @Description("JDBC URL of PostgreSQL. Default: FIELDFLOW_JDBC_URL, else the local database.")
    String getJdbcUrl();

    void setJdbcUrl(String value);

    @Description("Database user. Default: FIELDFLOW_DB_USER, else the local database's writer."
        + " --ledger needs the schema owner.")
    String getDbUser();

    void setDbUser(String value);

    @Description("Delete what is older than this: days (90d) or hours (36h), at least 1d.")
    @Default.String("90d")
    String getOlderThan();

    void setOlderThan(String value);

    @Description("Count what would be deleted; delete nothing.")
    @Default.Boolean(false)
    boolean getDryRun();

    void setDryRun(boolean value);

    @Description("Also delete done and failed ledger rows (fieldflow.ingest_files) finished before"
        + " the horizon. A pruned file still in the input is ingested again.")
    @Default.Boolean(false)
    boolean getLedger();

    void setLedger(boolean value);
  }

  /** What one run prunes: a validated horizon and the two switches. */
  public record Settings(Duration horizon, String horizonText, boolean ledger, boolean dryRun) {
    /**
     * @throws IllegalArgumentException if {@code olderThan} is not days or hours, or shorter than
     *     a day
     */
    public static Settings of(String olderThan, boolean ledger, boolean dryRun) {
      Matcher m = HORIZON.matcher(olderThan == null ? "" : olderThan.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "--olderThan (manage.sh: --older-than) must be days (90d) or hours (36h), up to"
                + " 999999, but was '" + olderThan + "'");
      }
      long n = Long.parseLong(m.group(1));
      Duration horizon = m.group(2).equals("d") ? Duration.ofDays(n) : Duration.ofHours(n);
      if (horizon.compareTo(SHORTEST_HORIZON) < 0) {
        throw new IllegalArgumentException(
            "--olderThan (manage.sh: --older-than) must be at least 1d (a shorter horizon races"
                + " with files being ingested),"
                + " but was " + olderThan);
      }
      return new Settings(horizon, olderThan.strip(), ledger, dryRun);
    }
  }

  /** One table's rule: which rows go, and why, in words for the output. */
  private record Rule(String table, String why, String where, boolean usesHorizon) {}

  private static final String STAGING_DONE_WITH =
      "staged_at < now() - interval '1 day'"
          + " OR load_id IN (SELECT snapshot_id FROM fieldflow.network_snapshots)";

  private static List<Rule> rules(Settings settings) {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule("rejected_records", "quarantined lines older than " + settings.horizonText(),
        "rejected_at < now() - make_interval(secs => ?)"
            // Rejects of a file in flight are counted into its ledger row when it commits.
            + " AND NOT EXISTS (SELECT FROM fieldflow.ingest_files f"
            + "   WHERE f.pipeline = r.pipeline AND f.path = r.file"
            + "   AND f.version = r.file_version AND f.status = 'running')",
        true));
    rules.add(new Rule("network_staging",
        "lines of network loads abandoned over a day ago or already committed",
        STAGING_DONE_WITH, false));
    rules.add(new Rule("network_staging_files",
        "files of network loads abandoned over a day ago or already committed",
        STAGING_DONE_WITH, false));
    rules.add(new Rule("network_staging_rejects",
        "rejected lines of network loads abandoned over a day ago or already committed",
        STAGING_DONE_WITH, false));
    if (settings.ledger()) {
      rules.add(new Rule("ingest_files",
          "done and failed ledger rows finished before " + settings.horizonText()
              + "; those files are ingested again if still in the input",
          "status IN ('done', 'failed')"
              + " AND coalesce(finished_at, discovered_at) < now() - make_interval(secs => ?)",
          true));
    }
    return rules;
  }

  public static void main(String[] args) throws SQLException {
    PruneOptions options =
        CommandLine.parse(args, PruneOptions.class);
    Settings settings = Settings.of(options.getOlderThan(), options.getLedger(), options.getDryRun());
    DatabaseConfig db = DatabaseConfig.resolve(options.getJdbcUrl(), options.getDbUser(), null);
    db.checkReachable(Duration.ofSeconds(10));
    run(db, settings, System.out);
  }

  /**
   * Prunes (or with {@code dryRun} counts) in one transaction and prints one line per table.
   *
   * @throws IllegalStateException if the login may not delete a table's rows, naming what to do
   */
  public static void run(DatabaseConfig db, Settings settings, PrintStream out)
      throws SQLException {
    List<String> lines = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection()) {
      if (settings.ledger() && !mayDeleteLedgerRows(c)) {
        // Checked first, so that a dry run says so too instead of counting what it may not delete.
        throw new IllegalStateException(
            "prune --ledger: " + db.describe() + " may not delete ledger rows (fieldflow.ingest_files);"
                + " the writer may prune the quarantine and staging only. Run --ledger as the schema"
                + " owner: --dbUser=OWNER (./manage.sh prune --db-user=OWNER; for the local"
                + " database the owner is postgres)");
      }
      c.setAutoCommit(false);
      try {
        for (Rule rule : rules(settings)) {
          long rows = apply(c, rule, settings);
          lines.add(String.format(Locale.ROOT, "prune: fieldflow.%s: %d row(s) %s (%s)",
              rule.table(), rows, settings.dryRun() ? "would be deleted" : "deleted", rule.why()));
        }
        if (settings.dryRun()) {
          c.rollback();
        } else {
          c.commit();
        }
      } catch (SQLException e) {
        c.rollback();
        if (DENIED.equals(e.getSQLState())) {
          // No cause attached: the operator's one line is the innermost message (UserMessages).
          throw new IllegalStateException(
              "prune: " + db.describe() + " may not prune: " + e.getMessage().strip()
                  + "; run it as the writer or the schema owner");
        }
        throw e;
      }
    }
    if (settings.ledger()) {
      out.println("prune: warning: --ledger forgets which files were ingested before "
          + settings.horizonText() + "; any of them still in the input will be ingested again");
    }
    lines.forEach(out::println);
    if (settings.dryRun()) {
      out.println("prune: dry run, nothing deleted");
    }
  }

  private static boolean mayDeleteLedgerRows(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT has_table_privilege('fieldflow.ingest_files', 'DELETE')");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static long apply(Connection c, Rule rule, Settings settings) throws SQLException {
    String from = "fieldflow." + rule.table() + " r WHERE " + rule.where();
    String sql = settings.dryRun() ? "SELECT count(*) FROM " + from : "DELETE FROM " + from;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (rule.usesHorizon()) {
        ps.setDouble(1, settings.horizon().toSeconds());
      }
      if (settings.dryRun()) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
      return ps.executeUpdate();
    }
  }
}
