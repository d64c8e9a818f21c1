package dev.fieldflow.pipelines.repair;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.ingest.visits.LoadSettings;
import dev.fieldflow.ingest.visits.RetryingDatabase;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitFileLoad;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.ingest.visits.VisitMerge;
import dev.fieldflow.ingest.write.DatabaseErrors;
import dev.fieldflow.pipelines.CommandLine;
import dev.fieldflow.pipelines.InputFileOptions;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.Description;

/**
 * {@code fieldflow replay PATH}: ingests one file version once more, exactly once, through the
 * visit pipeline's own load ({@link VisitFileLoad}: read, parse, stage, merge, quarantine,
 * ledger, in one transaction).
 *
 * <p>The version is the ledger's identity of a file ({@code etag:...}, or {@code
 * size:N,mtime:M}): a replay reads the file's current content, so it replays the version present
 * now. {@code --fileVersion} (manage.sh {@code --version}) states which version the operator
 * means; when the file is now another version the replay is refused instead of loading
 * something else. A file that is gone is refused with what the ledger knows of it.
 *
 * <p>Steps: (1) take the file's ledger row for this replay (status running, attempt + 1, a run of
 * its own that holds its liveness lock, V8), refused if a live run is loading it now; (2) in one
 * transaction, mark its quarantined lines re-admitted in advance, load the file (a line rejected
 * again is quarantined again: {@code RejectedLineStatement}), and record the replay in {@code
 * fieldflow.file_replays} with the counts and what the ledger said before. The ledger row then
 * describes this read. Visits merge as in any load: identical lines are duplicates, so replaying
 * twice changes nothing the second time (0 loaded, 0 updated). If the replay fails, the row gets
 * back its previous state (a file done stays done). A replay killed mid-file leaves the row
 * running for a dead run: the next visit run reads the file again, as for any killed load.
 */
public final class Replay {
  private Replay() {}

  /** The visit pipeline's options (limits, database, S3), plus what to replay and why. */
  public interface ReplayOptions extends VisitPipelineOptions {
    @Description("The file version meant (the ledger's version, as ./manage.sh audit prints it):"
        + " the replay is refused if the file is now another version. Default: the version there now.")
    String getFileVersion();

    void setFileVersion(String value);

    @Description("Why the file is replayed, recorded in fieldflow.file_replays.")
    String getWhy();

    void setWhy(String value);
  }

  /** What a replay did. */
  public record Result(VisitMerge.Summary summary, long readmitted, String why, boolean firstLoad) {
    public String describe() {
      VisitMerge.Summary s = summary;
      return String.format(Locale.ROOT, "replay: %s (%s, attempt %d%s): %d lines: %d loaded,"
              + " %d updated, %d duplicates, %d rejected; %d quarantined line(s) re-admitted; why: %s",
          s.file().path(), s.file().version(), s.file().attempt(), firstLoad ? ", its first load" : "",
          s.linesRead(), s.loaded(), s.updates(), s.duplicates(), s.rejected(), readmitted, why);
    }
  }

  public static void main(String[] args) throws Exception {
    if (Arrays.stream(args).anyMatch(arg -> arg.equals("--help") || arg.startsWith("--help="))) {
      CommandLine.parse(Arrays.stream(args).filter(arg -> arg.startsWith("--")).toArray(String[]::new),
          ReplayOptions.class);
    }
    if (args.length == 0 || args[0].startsWith("--")) {
      throw new IllegalArgumentException("no file given: replay PATH [--fileVersion=V] [--why=TEXT]");
    }
    String path = args[0];
    ReplayOptions options = CommandLine.parse(Arrays.copyOfRange(args, 1, args.length), ReplayOptions.class);
    LoadSettings settings = VisitPipeline.loadSettings(options);
    String why = why(options.getWhy());
    if (options.getFileVersion() != null && options.getFileVersion().isBlank()) {
      throw new IllegalArgumentException("--fileVersion (manage.sh: --version) must be a version"
          + " as audit prints it (size:N,mtime:M or etag:E), but was empty; leave it out to replay"
          + " the version there now");
    }
    DatabaseConfig db = DatabaseConfig.resolve(options.getJdbcUrl(), options.getDbUser(), null);
    VisitPipeline.checkS3(options, path);
    db.checkReachable(Duration.ofSeconds(options.getDbConnectTimeoutSeconds()));
    System.out.println(replay(options, db, path, options.getFileVersion(), why, settings).describe());
  }

  /** {@code why} checked: given, at most 1,000 characters. */
  static String why(String why) {
    if (why == null || why.isBlank()) {
      return "not given";
    }
    if (why.strip().length() > 1000) {
      throw new IllegalArgumentException("--why must be at most 1000 characters, but has "
          + why.strip().length());
    }
    return why.strip();
  }

  /** The ledger row before the replay: restored if the replay fails. */
  private record Before(long fileId, String status, String error, Timestamp retryAfter,
      Timestamp finishedAt, long lines, long loaded, long updates, long duplicates, long rejected) {}

  /**
   * Replays {@code path} ({@code version}: the version meant, or null for the one there now).
   *
   * @throws IllegalStateException if the file is gone, is another version, is being loaded by a
   *     live run, or the replay failed (the ledger then keeps its previous state)
   */
  public static Result replay(VisitPipelineOptions options, DatabaseConfig db, String path,
      String version, String why, LoadSettings settings) throws Exception {
    FileSystems.setDefaultPipelineOptions(options);
    Optional<MatchResult.Metadata> now = CurrentFile.look(path);
    if (now.isEmpty()) {
      throw new IllegalStateException(path + " is not there now (deleted or moved): "
          + knownVersions(db, path) + "; only a file present can be read again");
    }
    MatchResult.Metadata file = now.get();
    String filePath = CurrentFile.path(file);
    IngestibleFileNames names = InputFileOptions.fileNames(options);
    if (!names.isIngested(filePath)) {
      throw new IllegalArgumentException(filePath + " has a name the pipelines do not ingest"
          + " (--ignoreFileNames, '" + names.ignoredPattern() + "': hidden, temporary and marker"
          + " files), so it is never loaded and audit counts it as ignored; to load it, copy it"
          + " to a name that does not match");
    }
    if (version != null && !version.isBlank() && !CurrentFile.isVersion(version.strip(), file)) {
      throw new IllegalStateException(filePath + " is now version "
          + CurrentFile.listedVersion(file) + ", not " + version.strip() + "; a replay reads the"
          + " content there now: replay without --version to load that version");
    }
    UUID runId = UUID.randomUUID();
    Duration tolerance = settings.outageTolerance();
    try (RetryingDatabase database = RetryingDatabase.forRun(db, tolerance, runId);
        RetryingDatabase reference = RetryingDatabase.forRun(db, tolerance, runId)) {
      Before[] before = new Before[1];
      VisitFile taken = database.inTransaction("taking " + filePath + " for a replay",
          c -> take(c, runId, file, filePath, before));
      try {
        return load(database, reference, taken, settings, why, before[0]);
      } catch (Exception e) {
        String error = e instanceof SQLException sql ? DatabaseErrors.firstLine(sql.getMessage())
            : e.getMessage();
        database.inTransaction("restoring " + filePath + " after a failed replay",
            c -> restore(c, taken, before[0], error, settings));
        throw new IllegalStateException(taken.describe() + " failed: " + error
            + (before[0] != null && "done".equals(before[0].status())
                ? "; the ledger keeps it done as before" : "; it is recorded failed"));
      }
    }
  }

  private static String knownVersions(DatabaseConfig db, String path) throws SQLException {
    List<String> known = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT version, status, finished_at"
            + " FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND (path = ? OR path = ?)"
            + " ORDER BY discovered_at")) {
      ps.setString(1, path);
      ps.setString(2, FileSystems.matchNewResource(path, false).toString());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          known.add(rs.getString(1) + " " + rs.getString(2)
              + (rs.getTimestamp(3) == null ? "" : " " + rs.getTimestamp(3).toInstant()));
        }
      }
    }
    return known.isEmpty() ? "the ledger has no version of it"
        : "the ledger has " + String.join("; ", known);
  }

  /**
   * Takes the ledger row of {@code file}'s version now for run {@code runId}, creating it if the
   * file was never listed: the replay's attempt.
   */
  private static VisitFile take(Connection c, UUID runId, MatchResult.Metadata file, String path,
      Before[] before) throws SQLException {
    Long fileId = null;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT file_id, version, status, error, retry_after, finished_at, lines_read, rows_loaded,"
            + " updates, duplicates, rejected, attempts,"
            + " status = 'running' AND fieldflow.run_is_alive(run_id)"
            + " FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND path = ?"
            + " ORDER BY status = 'done' DESC, file_id FOR UPDATE")) {
      ps.setString(1, path);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (!CurrentFile.isVersion(rs.getString(2), file)) {
            continue;
          }
          if (rs.getBoolean(13)) {
            throw new IllegalStateException(path + " is being loaded now (attempt "
                + rs.getInt(12) + ") by a running visit pipeline; replay it once that load is done"
                + " (./manage.sh audit shows it)");
          }
          fileId = rs.getLong(1);
          before[0] = new Before(fileId, rs.getString(3), rs.getString(4), rs.getTimestamp(5),
              rs.getTimestamp(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10),
              rs.getLong(11));
          break;
        }
      }
    }
    String sql = fileId == null
        ? "INSERT INTO fieldflow.ingest_files (pipeline, path, version, size_bytes, last_modified,"
            + " status, attempts, started_at, run_id, claim_id)"
            + " VALUES ('visit', ?, ?, ?, CASE WHEN ? > 0 THEN to_timestamp(? / 1000.0) END,"
            + " 'running', 1, now(), ?::uuid, ?::uuid)"
            + " RETURNING file_id, attempts, path, version"
        : "UPDATE fieldflow.ingest_files SET status = 'running', attempts = attempts + 1,"
            + " started_at = now(), run_id = ?::uuid, claim_id = ?::uuid"
            + " WHERE file_id = ? RETURNING file_id, attempts, path, version";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (fileId == null) {
        ps.setString(1, path);
        ps.setString(2, CurrentFile.listedVersion(file));
        ps.setLong(3, file.sizeBytes());
        ps.setLong(4, file.lastModifiedMillis());
        ps.setLong(5, file.lastModifiedMillis());
        ps.setString(6, runId.toString());
        ps.setString(7, UUID.randomUUID().toString());
      } else {
        ps.setString(1, runId.toString());
        ps.setString(2, UUID.randomUUID().toString());
        ps.setLong(3, fileId);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new VisitFile(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4));
      }
    }
  }

  /** The load, fast and, if PostgreSQL refuses a value, careful: as the pipeline does it. */
  private static Result load(RetryingDatabase database, RetryingDatabase reference, VisitFile file,
      LoadSettings settings, String why, Before before) throws SQLException {
    try {
      return loadOnce(database, reference, file, settings, why, before, VisitFileLoad.Mode.FAST);
    } catch (SQLException e) {
      if (!DatabaseErrors.isDataError(e)) {
        throw e;
      }
      return loadOnce(database, reference, file, settings, why, before, VisitFileLoad.Mode.CAREFUL);
    }
  }

  private static Result loadOnce(RetryingDatabase database, RetryingDatabase reference,
      VisitFile file, LoadSettings settings, String why, Before before, VisitFileLoad.Mode mode)
      throws SQLException {
    String version = FieldflowVersion.current();
    return database.inTransaction("replaying " + file.describe(), c -> {
      try {
        // Marked in advance; a line this read rejects again is quarantined again.
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE fieldflow.rejected_records SET readmitted_at = now(), readmitted_by = ?,"
                + " readmitted_how = 'replay' WHERE pipeline = 'visit' AND file = ?"
                + " AND file_version = ? AND readmitted_at IS NULL")) {
          ps.setString(1, version);
          ps.setString(2, file.path());
          ps.setString(3, file.version());
          ps.executeUpdate();
        }
        VisitMerge.Summary summary =
            VisitFileLoad.run(c, reference.session(), file, settings, mode);
        if (summary == null || summary.alreadyDone()) {
          throw new IllegalStateException(file.describe()
              + " was taken over by another load meanwhile; see ./manage.sh audit");
        }
        long readmitted;
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT count(*) FROM fieldflow.rejected_records WHERE pipeline = 'visit' AND file = ?"
                + " AND file_version = ? AND readmitted_how = 'replay' AND readmitted_at = now()")) {
          ps.setString(1, file.path());
          ps.setString(2, file.version());
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            readmitted = rs.getLong(1);
          }
        }
        record(c, summary, readmitted, why, version, before);
        return new Result(summary, readmitted, why, before == null || !"done".equals(before.status()));
      } catch (SQLException | RuntimeException e) {
        reference.reset();
        throw e;
      }
    });
  }

  private static void record(Connection c, VisitMerge.Summary s, long readmitted, String why,
      String version, Before before) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO fieldflow.file_replays (file_id, attempt, why, fieldflow_version, lines_read,"
            + " rows_loaded, updates, duplicates, rejected, readmitted, previous_status,"
            + " previous_finished_at, previous_lines_read, previous_rows_loaded, previous_updates,"
            + " previous_duplicates, previous_rejected)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      int p = 1;
      ps.setLong(p++, s.file().fileId());
      ps.setInt(p++, s.file().attempt());
      ps.setString(p++, why);
      ps.setString(p++, version);
      ps.setLong(p++, s.linesRead());
      ps.setLong(p++, s.loaded());
      ps.setLong(p++, s.updates());
      ps.setLong(p++, s.duplicates());
      ps.setLong(p++, s.rejected());
      ps.setLong(p++, readmitted);
      boolean done = before != null && "done".equals(before.status());
      ps.setString(p++, before == null ? null : before.status());
      ps.setTimestamp(p++, done ? before.finishedAt() : null);
      ps.setLong(p++, done ? before.lines() : 0);
      ps.setLong(p++, done ? before.loaded() : 0);
      ps.setLong(p++, done ? before.updates() : 0);
      ps.setLong(p++, done ? before.duplicates() : 0);
      ps.setLong(p++, done ? before.rejected() : 0);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE fieldflow.ingest_files SET replays = replays + 1 WHERE file_id = ?")) {
      ps.setLong(1, s.file().fileId());
      ps.executeUpdate();
    }
  }

  /** After a failed replay: a row that was done or failed gets its state back; a new one fails. */
  private static boolean restore(Connection c, VisitFile file, Before before, String error,
      LoadSettings settings) throws SQLException {
    if (before == null || "running".equals(before.status())) {
      return VisitLedger.markFailed(c, file, "replay failed: " + error,
          settings.retryDelay().toSeconds());
    }
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE fieldflow.ingest_files SET status = ?, error = ?, retry_after = ?, finished_at = ?"
            + " WHERE file_id = ? AND attempts = ? AND status = 'running'")) {
      ps.setString(1, before.status());
      ps.setString(2, before.error());
      ps.setTimestamp(3, before.retryAfter());
      ps.setTimestamp(4, before.finishedAt());
      ps.setLong(5, file.fileId());
      ps.setInt(6, file.attempt());
      return ps.executeUpdate() > 0;
    }
  }
}
