package dev.fieldflow.pipelines.repair;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.files.FileRejectedException;
import dev.fieldflow.io.files.ReadLines;
import dev.fieldflow.ingest.visits.LoadSettings;
import dev.fieldflow.ingest.visits.RetryingDatabase;
import dev.fieldflow.ingest.visits.VisitMerge;
import dev.fieldflow.ingest.write.DatabaseErrors;
import dev.fieldflow.pipelines.CommandLine;
import dev.fieldflow.pipelines.VisitPipeline;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * {@code fieldflow requeue --reason=CODE}: after a fix (a newer fieldflow, a wider limit such as
 * {@code --maxLineBytes}), reads again the quarantined lines of one reason and admits those the
 * current reader and parser accept, exactly once.
 *
 * <p>Per file version holding such lines, in one transaction: lock its ledger row (a file being
 * loaded or replayed waits or is skipped), take its lines of that reason still quarantined, read
 * the file (the same version, or it is skipped) with the current limits, and re-parse only those
 * lines. Each line now accepted is merged like any line (loaded, an update, or a duplicate:
 * {@link VisitMerge#mergeReadmitted}) and its quarantine row is marked re-admitted (when, by
 * which fieldflow version); a line still rejected stays, with the reason it has now; a line
 * PostgreSQL refuses stays as {@code db_refused}. The ledger row moves the re-admitted lines from
 * {@code rejected} to loaded, updated or duplicates, so nothing else of the file is counted
 * twice. A second requeue finds nothing left of what the first admitted.
 *
 * <p>A re-admitted line is merged now: against a visit stored since, it is "last ingested wins",
 * as for a file arriving now.
 */
public final class Requeue {
  /** Lines merged at once: a file whose lines were all quarantined is admitted in chunks. */
  static final int CHUNK = 5_000;

  private Requeue() {}

  /** The visit pipeline's options (limits, database, S3), plus which lines to read again. */
  public interface RequeueOptions extends VisitPipelineOptions {
    @Description("Reason code of the quarantined lines to read again, e.g. line_too_long, bad_date.")
    @Validation.Required
    String getReason();

    void setReason(String value);

    @Description("Only files whose path matches this glob (* any characters, ? one), e.g."
        + " '*/2020-01-*'. Default: every file.")
    String getPath();

    void setPath(String value);

    @Description("Only lines quarantined on or after this date (YYYY-MM-DD, UTC). Default: all.")
    String getSince();

    void setSince(String value);
  }

  /** Which quarantined lines to read again, validated. */
  public record Selection(String reason, String pathGlob, LocalDate since) {
    /** @throws IllegalArgumentException naming the option whose value is wrong */
    public static Selection of(String reason, String pathGlob, String since) {
      List<String> codes = Arrays.stream(RejectReason.values()).map(RejectReason::code).toList();
      if (reason == null || !codes.contains(reason.strip())) {
        throw new IllegalArgumentException("--reason must be one of " + String.join(", ", codes)
            + ", but was '" + reason + "'");
      }
      // Given but empty is not left out: "--path=" must not mean every file of the ledger.
      if (pathGlob != null && pathGlob.isBlank()) {
        throw new IllegalArgumentException("--path must be a glob of the files' paths (*/visits-01.jsonl),"
            + " but was empty; leave it out to read again the lines of every file");
      }
      if (since != null && since.isBlank()) {
        throw new IllegalArgumentException("--since must be a date YYYY-MM-DD, but was empty; leave"
            + " it out to read again the lines of any date");
      }
      LocalDate date = null;
      if (since != null) {
        try {
          date = LocalDate.parse(since.strip());
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException(
              "--since must be a date YYYY-MM-DD, but was '" + since + "'");
        }
      }
      String glob = pathGlob == null ? null : pathGlob.strip();
      return new Selection(reason.strip(), glob, date);
    }

    /** The glob as a LIKE pattern (escape character backslash), or null. */
    String like() {
      if (pathGlob == null) {
        return null;
      }
      StringBuilder s = new StringBuilder();
      for (char ch : pathGlob.toCharArray()) {
        switch (ch) {
          case '*' -> s.append('%');
          case '?' -> s.append('_');
          case '%', '_', '\\' -> s.append('\\').append(ch);
          default -> s.append(ch);
        }
      }
      return s.toString();
    }

    String describe() {
      return reason + (pathGlob == null ? "" : " in " + pathGlob)
          + (since == null ? "" : " since " + since);
    }
  }

  /** What a requeue did over all files. */
  public record Result(long files, long lines, long readmitted, long loaded, long updates,
      long duplicates, long stillRejected, long skipped, String selection) {
    public String describe() {
      return String.format(Locale.ROOT, "requeue: %s: %d file(s), %d quarantined line(s) read"
              + " again: %d re-admitted (%d loaded, %d updated, %d duplicates), %d still rejected;"
              + " %d file(s) skipped", selection, files, lines, readmitted, loaded, updates,
          duplicates, stillRejected, skipped);
    }
  }

  public static void main(String[] args) throws Exception {
    RequeueOptions options =
        CommandLine.parse(args, RequeueOptions.class);
    Selection selection = Selection.of(options.getReason(), options.getPath(), options.getSince());
    LoadSettings settings = VisitPipeline.loadSettings(options);
    DatabaseConfig db = DatabaseConfig.resolve(options.getJdbcUrl(), options.getDbUser(), null);
    db.checkReachable(Duration.ofSeconds(options.getDbConnectTimeoutSeconds()));
    requeue(options, db, selection, settings, System.out);
  }

  /** A file version holding quarantined lines of the selection. */
  private record Held(String path, String version, long lines) {}

  /** Requeues {@code selection}, printing one line per file and the summary last. */
  public static Result requeue(VisitPipelineOptions options, DatabaseConfig db, Selection selection,
      LoadSettings settings, PrintStream out) throws Exception {
    FileSystems.setDefaultPipelineOptions(options);
    List<Held> held = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT file, file_version, count(*) FROM fieldflow.rejected_records"
                + " WHERE " + QUARANTINED + " GROUP BY file, file_version ORDER BY file, file_version")) {
      bindSelection(ps, 1, selection);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          held.add(new Held(rs.getString(1), rs.getString(2), rs.getLong(3)));
        }
      }
    }
    if (held.stream().anyMatch(h -> h.path().startsWith("s3://"))) {
      VisitPipeline.checkS3(options, "s3://");
    }
    long[] total = new long[8]; // files, lines, readmitted, loaded, updates, duplicates, still, skipped
    try (RetryingDatabase database = new RetryingDatabase(db, settings.outageTolerance())) {
      for (Held h : held) {
        Optional<MatchResult.Metadata> now = CurrentFile.look(h.path());
        String skip = now.isEmpty() ? "it is not there now (deleted or moved)"
            : !CurrentFile.isVersion(h.version(), now.get())
                ? "it is now version " + CurrentFile.listedVersion(now.get()) + "; that version is a"
                    + " file of its own, read whole by ./manage.sh visit"
                : null;
        FileOutcome outcome;
        try {
          outcome = skip != null ? FileOutcome.skipped(skip)
              : database.inTransaction("requeueing the " + selection.reason() + " lines of " + h.path(),
                  c -> requeueFile(c, h, selection, settings));
        } catch (UnreadableException e) {
          // Rolled back; the other files go on.
          outcome = FileOutcome.skipped(e.getMessage());
        }
        if (outcome.skipped() != null) {
          total[7]++;
          out.printf(Locale.ROOT, "requeue: skipped %s (%s): %s%n", h.path(), h.version(), outcome.skipped());
          continue;
        }
        total[0]++;
        total[1] += outcome.lines();
        total[2] += outcome.counts().records();
        total[3] += outcome.counts().loaded();
        total[4] += outcome.counts().updates();
        total[5] += outcome.counts().duplicates();
        total[6] += outcome.stillRejected();
        out.printf(Locale.ROOT, "requeue: %s (%s): %d line(s) read again: %d re-admitted (%d loaded,"
                + " %d updated, %d duplicates), %d still rejected%s%n", h.path(), h.version(),
            outcome.lines(), outcome.counts().records(), outcome.counts().loaded(),
            outcome.counts().updates(), outcome.counts().duplicates(), outcome.stillRejected(),
            outcome.otherReasons().isEmpty() ? "" : " (now " + outcome.otherReasons() + ")");
      }
    }
    Result result = new Result(total[0], total[1], total[2], total[3], total[4], total[5],
        total[6], total[7], selection.describe());
    out.println(result.describe());
    return result;
  }

  /** Quarantined lines of the selection (parameters: reason, glob twice, since twice). */
  private static final String QUARANTINED = "pipeline = 'visit' AND readmitted_at IS NULL"
      + " AND reason_code = ? AND (?::text IS NULL OR file LIKE ?::text ESCAPE '\\')"
      + " AND (?::date IS NULL OR rejected_at >= (?::date)::timestamp AT TIME ZONE 'UTC')";

  private static int bindSelection(PreparedStatement ps, int p, Selection s) throws SQLException {
    ps.setString(p++, s.reason());
    ps.setString(p++, s.like());
    ps.setString(p++, s.like());
    // As text: a date means the same day whatever the JVM's or the session's time zone.
    String since = s.since() == null ? null : s.since().toString();
    ps.setString(p++, since);
    ps.setString(p++, since);
    return p;
  }

  /** What one file's requeue did, or why it was skipped. */
  private record FileOutcome(long lines, VisitMerge.Counts counts, long stillRejected,
      String otherReasons, String skipped) {
    static FileOutcome skipped(String why) {
      return new FileOutcome(0, VisitMerge.Counts.NONE, 0, "", why);
    }
  }

  /** A quarantined line now accepted, waiting for its merge. */
  private record Candidate(long rejectId, Visit visit) {}

  /** A quarantined line rejected again, and why now. */
  private record Again(long rejectId, String code, String message) {}

  /** Stops reading a file once its last quarantined line of the selection is read. */
  private static final class AllLinesRead extends RuntimeException {
    AllLinesRead() {
      super(null, null, false, false);
    }
  }

  /** The file cannot be read again now: it is skipped, the others go on. */
  private static final class UnreadableException extends RuntimeException {
    UnreadableException(String message) {
      super(message);
    }
  }

  /** Carries a database failure out of the reader's callbacks. */
  private static final class Unchecked extends RuntimeException {
    Unchecked(SQLException cause) {
      super(cause);
    }
  }

  private static FileOutcome requeueFile(Connection c, Held h, Selection selection,
      LoadSettings settings) throws SQLException {
    long fileId;
    try (PreparedStatement ps = c.prepareStatement("SELECT file_id, status FROM fieldflow.ingest_files"
        + " WHERE pipeline = 'visit' AND path = ? AND version = ? FOR UPDATE")) {
      ps.setString(1, h.path());
      ps.setString(2, h.version());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return FileOutcome.skipped("the ledger has no such file version (pruned?)");
        }
        if (!rs.getString(2).equals("done")) {
          return FileOutcome.skipped("it is " + rs.getString(2) + " in the ledger; its next load"
              + " reads every line with the current parser");
        }
        fileId = rs.getLong(1);
      }
    }
    // Taken after the lock: a requeue or replay that committed meanwhile has marked its lines.
    TreeMap<Long, Long> wanted = new TreeMap<>(); // line number -> reject id
    try (PreparedStatement ps = c.prepareStatement("SELECT line_number, reject_id"
        + " FROM fieldflow.rejected_records WHERE " + QUARANTINED
        + " AND file = ? AND file_version = ? ORDER BY line_number")) {
      int p = bindSelection(ps, 1, selection);
      ps.setString(p++, h.path());
      ps.setString(p, h.version());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          wanted.put(rs.getLong(1), rs.getLong(2));
        }
      }
    }
    if (wanted.isEmpty()) {
      return new FileOutcome(0, VisitMerge.Counts.NONE, 0, "", null);
    }
    long lastWanted = wanted.lastKey();
    List<Candidate> candidates = new ArrayList<>();
    List<Again> again = new ArrayList<>();
    VisitMerge.Counts[] counts = {VisitMerge.Counts.NONE};
    long[] seen = {0};
    String version = FieldflowVersion.current();
    ReadLines.LineReceiver receiver = new ReadLines.LineReceiver() {
      @Override
      public void line(SourceLine line) {
        Long rejectId = wanted.get(line.lineNumber());
        if (rejectId != null) {
          seen[0]++;
          ParseResult<Visit> result = VisitParser.parse(line);
          if (result instanceof ParseResult.Parsed<Visit> parsed) {
            candidates.add(new Candidate(rejectId, parsed.value()));
          } else if (result instanceof ParseResult.Rejected<Visit> rejected) {
            again.add(new Again(rejectId, rejected.line().reason().code(), rejected.line().message()));
          }
          if (candidates.size() >= CHUNK) {
            try {
              counts[0] = counts[0].plus(admit(c, h.path(), candidates, again, version));
            } catch (SQLException e) {
              throw new Unchecked(e);
            }
            candidates.clear();
          }
        }
        stopAfter(line.lineNumber());
      }

      @Override
      public void badEncoding(RejectedLine line) {
        Long rejectId = wanted.get(line.lineNumber());
        if (rejectId != null) {
          seen[0]++;
          again.add(new Again(rejectId, line.reason().code(), line.message()));
        }
        stopAfter(line.lineNumber());
      }

      private void stopAfter(long lineNumber) {
        if (lineNumber >= lastWanted) {
          throw new AllLinesRead();
        }
      }
    };
    try (InputStream in = ReadLines.open(h.path(), settings.limits())) {
      ReadLines.read(in, h.path(), receiver, settings.limits());
    } catch (AllLinesRead done) {
      // Every wanted line was read: the rest of the file is not needed.
    } catch (Unchecked e) {
      throw (SQLException) e.getCause();
    } catch (FileRejectedException e) {
      throw new UnreadableException("the reader refuses it now: " + e.getMessage());
    } catch (IOException e) {
      throw new UnreadableException("cannot read it: " + e.getMessage());
    }
    counts[0] = counts[0].plus(admit(c, h.path(), candidates, again, version));
    requarantine(c, again, selection.reason());
    VisitMerge.Counts admitted = counts[0];
    try (PreparedStatement ps = c.prepareStatement("UPDATE fieldflow.ingest_files SET"
        + " rejected = rejected - ?, records_read = records_read + ?, rows_loaded = rows_loaded + ?,"
        + " updates = updates + ?, duplicates = duplicates + ? WHERE file_id = ?")) {
      ps.setLong(1, admitted.records());
      ps.setLong(2, admitted.records());
      ps.setLong(3, admitted.loaded());
      ps.setLong(4, admitted.updates());
      ps.setLong(5, admitted.duplicates());
      ps.setLong(6, fileId);
      ps.executeUpdate();
    }
    String otherReasons = again.stream().filter(a -> !a.code().equals(selection.reason()))
        .collect(Collectors.groupingBy(Again::code, TreeMap::new, Collectors.counting()))
        .entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
        .collect(Collectors.joining(", "));
    return new FileOutcome(seen[0], admitted, again.size(), otherReasons, null);
  }

  /**
   * Merges {@code candidates} under a savepoint and marks them re-admitted; if PostgreSQL refuses
   * a value, splits them in halves down to the line, and a refused line joins {@code again} as
   * {@code db_refused}.
   */
  private static VisitMerge.Counts admit(Connection c, String path, List<Candidate> candidates,
      List<Again> again, String version) throws SQLException {
    if (candidates.isEmpty()) {
      return VisitMerge.Counts.NONE;
    }
    Savepoint savepoint = c.setSavepoint();
    try {
      VisitMerge.Counts counts = VisitMerge.mergeReadmitted(c, path,
          candidates.stream().map(Candidate::visit).toList());
      try (PreparedStatement ps = c.prepareStatement("UPDATE fieldflow.rejected_records SET"
          + " readmitted_at = now(), readmitted_by = ?, readmitted_how = 'requeue'"
          + " WHERE reject_id = ANY (?)")) {
        ps.setString(1, version);
        ps.setArray(2, c.createArrayOf("bigint",
            candidates.stream().map(Candidate::rejectId).toArray(Long[]::new)));
        ps.executeUpdate();
      }
      c.releaseSavepoint(savepoint);
      return counts;
    } catch (SQLException e) {
      if (!DatabaseErrors.isDataError(e)) {
        throw e;
      }
      c.rollback(savepoint);
      if (candidates.size() == 1) {
        again.add(new Again(candidates.get(0).rejectId(), RejectReason.DB_REFUSED.code(),
            "PostgreSQL refused the line (SQLSTATE " + e.getSQLState() + "): "
                + DatabaseErrors.firstLine(e.getMessage())));
        return VisitMerge.Counts.NONE;
      }
      int half = candidates.size() / 2;
      return admit(c, path, new ArrayList<>(candidates.subList(0, half)), again, version)
          .plus(admit(c, path, new ArrayList<>(candidates.subList(half, candidates.size())), again,
              version));
    }
  }

  /** Lines rejected again for another reason than before keep that reason in the quarantine. */
  private static void requarantine(Connection c, List<Again> again, String reason)
      throws SQLException {
    List<Again> changed = again.stream().filter(a -> !a.code().equals(reason)).toList();
    if (changed.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement("UPDATE fieldflow.rejected_records r"
        + " SET reason_code = u.code, message = u.message"
        + " FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(id, code, message)"
        + " WHERE r.reject_id = u.id")) {
      ps.setArray(1, c.createArrayOf("bigint", changed.stream().map(Again::rejectId).toArray(Long[]::new)));
      ps.setArray(2, c.createArrayOf("text", changed.stream().map(Again::code).toArray(String[]::new)));
      ps.setArray(3, c.createArrayOf("text",
          changed.stream().map(a -> a.message().replace('\0', '\uFFFD')).toArray(String[]::new)));
      ps.executeUpdate();
    }
  }
}
