package dev.fieldflow.pipelines.repair;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.pipelines.CommandLine;
import dev.fieldflow.pipelines.InputFileOptions;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * {@code fieldflow audit}: proves what of the input was loaded. Lists the visit input now ({@link
 * InputListing}, page by page) and compares each page with the ledger in one statement; prints
 * every object that is not loaded yet, failed (with its error), or loaded only in another
 * version than the one there now; then one summary line. Exits 3 when there is such a gap, so
 * that cron or a monitor can alert on it.
 *
 * <table>
 *   <caption>What an object of the input is</caption>
 *   <tr><th>state</th><th>ledger</th><th>a gap?</th></tr>
 *   <tr><td>loaded</td><td>its version now is done</td><td>no</td></tr>
 *   <tr><td>loading</td><td>its version now is running for a live run</td><td>no</td></tr>
 *   <tr><td>not loaded</td><td>no row of its version now, or one left running by a dead run</td>
 *       <td>yes</td></tr>
 *   <tr><td>failed</td><td>its version now failed (the error is printed)</td><td>yes</td></tr>
 *   <tr><td>changed</td><td>another version of the path is done, not this one</td><td>yes</td></tr>
 * </table>
 */
public final class Audit {
  /** The exit status when the input has a gap (1 is for an audit that could not run). */
  public static final int GAP_EXIT = 3;

  private Audit() {}

  /** What one audit found. */
  public record Result(long listed, long ignored, long loaded, long loading, long notLoaded,
      long failed, long changed, String input) {

    public long gaps() {
      return notLoaded + failed + changed;
    }

    /** The summary line. */
    public String describe() {
      return String.format(Locale.ROOT, "audit: %d object(s) in %s: %d loaded, %d not loaded yet,"
              + " %d failed, %d loaded in another version, %d loading now%s; %s",
          listed, input, loaded, notLoaded, failed, changed, loading,
          ignored == 0 ? "" : " (" + ignored + " ignored by name)",
          gaps() == 0 ? "no gap" : gaps() + " gap(s)");
    }
  }

  public static void main(String[] args) throws Exception {
    VisitPipelineOptions options =
        CommandLine.parse(args, VisitPipelineOptions.class);
    String pattern = VisitPipeline.pattern(options.getVisitsInput());
    DatabaseConfig db = DatabaseConfig.resolve(options.getJdbcUrl(), options.getDbUser(), null);
    db.checkReachable(Duration.ofSeconds(options.getDbConnectTimeoutSeconds()));
    Result result = run(options, pattern, db, System.out);
    System.out.flush();
    if (result.gaps() > 0) {
      System.exit(GAP_EXIT);
    }
  }

  /**
   * Audits {@code pattern} against the ledger of {@code db}, printing a line per object with a
   * gap (or loading now) to {@code out}, then the summary.
   */
  public static Result run(VisitPipelineOptions options, String pattern, DatabaseConfig db,
      PrintStream out) throws Exception {
    VisitPipeline.checkS3(options, pattern);
    FileSystems.setDefaultPipelineOptions(options);
    IngestibleFileNames names = InputFileOptions.fileNames(options);
    long[] n = new long[7]; // listed, ignored, loaded, loading, not loaded, failed, changed
    try (Connection c = db.dataSource().getConnection()) {
      c.setReadOnly(true);
      InputListing.list(pattern, options, InputListing.PAGE, page -> {
        List<MatchResult.Metadata> ingested = new ArrayList<>(page.size());
        for (MatchResult.Metadata file : page) {
          n[0]++;
          if (names.isIngested(FileVersion.path(file))) {
            ingested.add(file);
          } else {
            n[1]++;
          }
        }
        compare(c, ingested, n, out);
      });
    }
    Result result = new Result(n[0], n[1], n[2], n[3], n[4], n[5], n[6], pattern);
    out.println(result.describe());
    return result;
  }

  /**
   * For each listed file: its row of the version now (done first), and else the latest done row
   * of another version. One statement per page, index look-ups on (pipeline, path, version).
   */
  private static final String COMPARE =
      "SELECT u.i, now_.status, now_.attempts, now_.error, now_.live, other.version, other.finished_at"
          + " FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS u(path, listed, alt, i)"
          + " LEFT JOIN LATERAL (SELECT f.status, f.attempts, f.error,"
          + "   f.status = 'running' AND fieldflow.run_is_alive(f.run_id) AS live"
          + "  FROM fieldflow.ingest_files f WHERE f.pipeline = 'visit' AND f.path = u.path"
          + "  AND f.version IN (u.listed, u.alt) ORDER BY f.status = 'done' DESC LIMIT 1) now_ ON true"
          + " LEFT JOIN LATERAL (SELECT f.version, f.finished_at FROM fieldflow.ingest_files f"
          + "  WHERE f.pipeline = 'visit' AND f.path = u.path AND f.status = 'done'"
          + "  AND f.version NOT IN (u.listed, u.alt) ORDER BY f.finished_at DESC LIMIT 1) other"
          + "  ON now_.status IS NULL"
          + " ORDER BY u.i";

  private static void compare(Connection c, List<MatchResult.Metadata> files, long[] n,
      PrintStream out) throws SQLException {
    if (files.isEmpty()) {
      return;
    }
    int size = files.size();
    String[] paths = new String[size];
    String[] listed = new String[size];
    String[] alt = new String[size];
    for (int i = 0; i < size; i++) {
      MatchResult.Metadata file = files.get(i);
      paths[i] = FileVersion.path(file);
      listed[i] = FileVersion.of(file);
      alt[i] = CurrentFile.listedVersion(file);
    }
    try (PreparedStatement ps = c.prepareStatement(COMPARE)) {
      ps.setArray(1, c.createArrayOf("text", paths));
      ps.setArray(2, c.createArrayOf("text", listed));
      ps.setArray(3, c.createArrayOf("text", alt));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int i = rs.getInt(1) - 1;
          String path = paths[i];
          String status = rs.getString(2);
          if ("done".equals(status)) {
            n[2]++;
          } else if ("running".equals(status) && rs.getBoolean(5)) {
            n[3]++;
            out.printf(Locale.ROOT, "loading: %s (attempt %d)%n", path, rs.getInt(3));
          } else if ("running".equals(status)) {
            n[4]++;
            out.printf(Locale.ROOT, "not loaded: %s (%s): attempt %d was left running by a run that"
                + " ended; the next ./manage.sh visit reads it again%n", path, listed[i], rs.getInt(3));
          } else if ("failed".equals(status)) {
            n[5]++;
            out.printf(Locale.ROOT, "failed: %s (%s, attempt %d): %s%n", path, listed[i],
                rs.getInt(3), rs.getString(4));
          } else if (rs.getString(6) != null) {
            n[6]++;
            out.printf(Locale.ROOT, "changed: %s: now %s, loaded only as %s (done %s); the version"
                    + " now is not loaded yet%n", path, listed[i], rs.getString(6),
                rs.getTimestamp(7).toInstant());
          } else if (!IngestibleFileNames.isAddressable(path)) {
            n[4]++;
            out.printf(Locale.ROOT, "not loaded: %s (%s): its name has a line break, which the"
                + " pipeline cannot address; copy it to a name without one%n",
                IngestibleFileNames.printable(path), listed[i]);
          } else {
            n[4]++;
            out.printf(Locale.ROOT, "not loaded: %s (%s)%n", path, listed[i]);
          }
        }
      }
    }
  }
}
