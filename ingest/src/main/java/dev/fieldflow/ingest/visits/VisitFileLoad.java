package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.files.FileRejectedException;
import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.io.files.ReadLines;
import dev.fieldflow.ingest.write.DatabaseErrors;
import dev.fieldflow.ingest.write.RejectedLineStatement;
import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.beam.sdk.values.KV;

/**
 * One attempt at one visit file, inside one transaction: the exactly-once protocol of the visit
 * pipeline.
 *
 * <ol>
 *   <li>Lock the file's ledger row. A file {@code done} is not read again; a file whose attempt
 *       is no longer ours (taken over) is left alone. The lock is held to the end, so while this
 *       attempt is alive no other claim can take the file (a claim waits, then finds it done).
 *   <li>Stream the file: each line is read ({@link ReadLines}), parsed ({@link VisitParser}) and
 *       either added to the chunk ({@link VisitChunk}, rows encoded for binary COPY, held in
 *       memory, with its task and node) or kept as a rejected line.
 *   <li>Every {@code chunkRows} lines (or {@link VisitChunk#MAX_BYTES} bytes), and at the end,
 *       insert and commit the chunk's new nodes and tasks on the reference session ({@link
 *       VisitMerge#insertReference}), then merge the chunk into {@code visits} ({@link
 *       VisitMerge#merge}); rejected lines are stored in batches ({@link
 *       RejectedLineStatement}).
 *   <li>Record the file {@code done} with its counts. The caller commits.
 * </ol>
 *
 * <p>Whatever fails before the commit rolls everything back: the ledger, the visits and the
 * quarantine move together, so a file is in effect loaded once or not at all. Nodes and tasks
 * are the exception, by design: they are reference data upserted from the visits ("last
 * ingested wins"), committed per chunk in short transactions of their own so that files sharing
 * tasks load in parallel instead of waiting for each other's commit; a failed attempt may leave
 * its tasks and node types stored, and its retry writes the same values again. A process killed
 * mid-file loses its connection and with it the transaction; the file stays {@code running} for
 * a dead run and the next claim reads it again.
 *
 * <p>A line the parser accepted but PostgreSQL refuses (a statement-level data error, SQLSTATE
 * class 22 or 23) fails the fast attempt; the caller then runs the file again {@linkplain
 * Mode#CAREFUL carefully}: merged in small chunks under savepoints, a failing chunk split in
 * halves down to the line, and each refused line quarantined as {@code db_refused} with the
 * server's message. The rest of the file loads.
 */
public final class VisitFileLoad {
  /** How lines reach the model. */
  public enum Mode {
    /** Large chunks, new visits copied straight into the table; a data error fails the attempt. */
    FAST,
    /** Small chunks under savepoints; a line PostgreSQL refuses is quarantined. */
    CAREFUL
  }

  /** Lines per chunk of a careful attempt: small, since a failing chunk is split down to the line. */
  static final int CAREFUL_CHUNK = 256;
  /** Rejected lines kept before they are stored: bounds memory for files that are all bad. */
  static final int REJECT_BATCH = 1_000;

  private static final RejectedLineStatement REJECTS = new RejectedLineStatement(VisitLedger.PIPELINE);

  private final Connection c;
  private final Connection reference;
  private final VisitFile file;
  private final LoadSettings settings;
  private final Mode mode;
  private final VisitChunk chunk = new VisitChunk();
  private final List<KV<String, RejectedLine>> rejects = new ArrayList<>();
  private final List<SourceLine> carefulLines = new ArrayList<>();
  private final List<Visit> carefulVisits = new ArrayList<>();
  private VisitMerge.Counts counts = VisitMerge.Counts.NONE;
  private long rejected;
  /** The last line number read (accepted or rejected): what {@link #supersedeCutLines} covers. */
  private long lastLine;
  private final LoadProfile profile;

  private VisitFileLoad(Connection c, Connection reference, VisitFile file, LoadSettings settings,
      Mode mode, LoadProfile profile) {
    this.c = c;
    this.reference = reference;
    this.file = file;
    this.settings = settings;
    this.mode = mode;
    this.profile = profile;
  }

  /**
   * The file cannot be read to its end (gone, permission denied, a connection reset), or the
   * reader refused it as a whole (its cause is then a {@link FileRejectedException}: a corrupt
   * compressed file, a gzip bomb, a file that is not JSON lines).
   */
  static final class UnreadableFileException extends RuntimeException {
    UnreadableFileException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Runs one attempt at {@code file} on {@code c} (auto-commit off); the caller commits.
   *
   * @return what the file contributed, {@code alreadyDone} if an earlier attempt committed it,
   *     or {@code null} if another attempt has taken the file over
   * @throws UnreadableFileException if the file cannot be read; roll back and record it failed
   * @throws SQLException a database failure; in {@link Mode#FAST}, a data error (see {@link
   *     DatabaseErrors#isDataError}) means: roll back and try again in {@link Mode#CAREFUL}
   */
  public static VisitMerge.Summary run(Connection c, Connection reference, VisitFile file,
      LoadSettings settings, Mode mode) throws SQLException {
    return run(c, reference, file, settings, mode, new LoadProfile());
  }

  /**
   * As {@link #run(Connection, Connection, VisitFile, LoadSettings, Mode)}, adding where the
   * time went to {@code profile}.
   */
  static VisitMerge.Summary run(Connection c, Connection reference, VisitFile file,
      LoadSettings settings, Mode mode, LoadProfile profile) throws SQLException {
    long start = System.nanoTime();
    // Committed on its own before the lock: a reader that dies from here on is counted (V10).
    // The reference session's stages are made (if this session has none yet) in the same
    // transaction: a commit of its own cost each file about 0.45 ms of PostgreSQL's time, most of
    // it emptying the session's ON COMMIT DELETE ROWS stages, which any commit that touched a
    // temporary table does.
    VisitLedger.markLoadStarted(reference, file);
    VisitMerge.createReferenceStages(reference);
    reference.commit();
    LedgerRow row = lockLedgerRow(c, file);
    if (!row.ours()) {
      return row.done(); // null: taken over by another attempt
    }
    VisitMerge.createStage(c);
    VisitMerge.Summary summary = new VisitFileLoad(c, reference, file, settings, mode, profile)
        .readAndMerge();
    profile.totalNanos += System.nanoTime() - start;
    return summary;
  }

  /**
   * What the locked ledger row says: the attempt is {@code ours} to go on with, or the file is
   * {@code done} (with what it contributed), or neither (another attempt has it).
   */
  private record LedgerRow(boolean ours, VisitMerge.Summary done) {}

  private static LedgerRow lockLedgerRow(Connection c, VisitFile file) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT status, attempts, lines_read, rows_loaded, updates, duplicates, rejected"
            + " FROM fieldflow.ingest_files WHERE file_id = ? FOR UPDATE")) {
      ps.setLong(1, file.fileId());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException(file.describe() + ": not in the ledger");
        }
        if (rs.getString(1).equals("done")) {
          return new LedgerRow(false, new VisitMerge.Summary(file, rs.getLong(3), rs.getLong(4),
              rs.getLong(5), rs.getLong(6), rs.getLong(7), true));
        }
        boolean ours = rs.getInt(2) == file.attempt() && rs.getString(1).equals("running");
        return new LedgerRow(ours, null);
      }
    }
  }

  private VisitMerge.Summary readAndMerge() throws SQLException {
    ReadLines.LineReceiver receiver = new ReadLines.LineReceiver() {
      @Override
      public void line(SourceLine line) {
        lastLine = Math.max(lastLine, line.lineNumber());
        ParseResult<Visit> result = VisitParser.parse(line);
        try {
          if (result instanceof ParseResult.Parsed<Visit> parsed) {
            accept(line, parsed.value());
          } else if (result instanceof ParseResult.Rejected<Visit> reject) {
            reject(reject.line());
          }
        } catch (SQLException e) {
          throw new UncheckedSqlException(e);
        }
      }

      @Override
      public void badEncoding(RejectedLine line) {
        try {
          reject(line);
        } catch (SQLException e) {
          throw new UncheckedSqlException(e);
        }
      }
    };
    OptionalLong listedSize = FileVersion.sizeBytes(file.version());
    try (InputStream in = listedSize.isPresent()
        ? ReadLines.open(file.path(), listedSize.getAsLong(), settings.limits())
        : ReadLines.open(file.path(), settings.limits())) {
      ReadLines.read(in, file.path(), receiver, settings.limits());
    } catch (UncheckedSqlException e) {
      throw e.getCause();
    } catch (FileRejectedException e) {
      throw new UnreadableFileException(e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new UnreadableFileException("cannot read " + file.path() + ": "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }
    if (mode == Mode.CAREFUL) {
      mergeCarefully(carefulLines, carefulVisits);
    } else {
      mergeChunk();
    }
    flushRejects();
    supersedeCutLines();
    long t0 = System.nanoTime();
    VisitMerge.Summary done = markDone();
    profile.ledgerNanos += System.nanoTime() - t0;
    return done;
  }

  private void accept(SourceLine line, Visit visit) throws SQLException {
    if (mode == Mode.CAREFUL) {
      carefulLines.add(line);
      carefulVisits.add(visit);
      if (carefulVisits.size() >= CAREFUL_CHUNK) {
        mergeCarefully(carefulLines, carefulVisits);
        carefulLines.clear();
        carefulVisits.clear();
      }
      return;
    }
    chunk.add(visit, file.path());
    if (chunk.size() >= settings.chunkRows() || chunk.full()) {
      mergeChunk();
    }
  }

  private void reject(RejectedLine line) throws SQLException {
    lastLine = Math.max(lastLine, line.lineNumber());
    rejected++;
    rejects.add(KV.of(file.version(), line));
    if (rejects.size() >= REJECT_BATCH) {
      flushRejects();
    }
  }

  private void mergeChunk() throws SQLException {
    if (chunk.size() == 0) {
      return;
    }
    VisitMerge.AttributeChanges changes =
        VisitMerge.insertReference(reference, chunk.references(), profile);
    counts = counts.plus(VisitMerge.merge(c, chunk, changes, profile));
    chunk.clear();
  }

  /**
   * Merges {@code visits} under a savepoint; if PostgreSQL refuses the data, splits
   * them in halves (in file order, so counts and "last line wins" are as in one merge) down to
   * single lines, and quarantines each refused line.
   */
  private void mergeCarefully(List<SourceLine> lines, List<Visit> visits) throws SQLException {
    if (visits.isEmpty()) {
      return;
    }
    Savepoint savepoint = c.setSavepoint();
    try {
      VisitMerge.Counts merged = VisitMerge.mergeInOneTransaction(c, file.path(), visits, profile);
      c.releaseSavepoint(savepoint);
      counts = counts.plus(merged);
    } catch (SQLException e) {
      if (!DatabaseErrors.isDataError(e)) {
        throw e;
      }
      c.rollback(savepoint);
      if (visits.size() == 1) {
        reject(RejectedLine.of(lines.get(0), RejectReason.DB_REFUSED,
            "PostgreSQL refused the line (SQLSTATE " + e.getSQLState() + "): "
                + DatabaseErrors.firstLine(e.getMessage())));
        return;
      }
      int half = visits.size() / 2;
      mergeCarefully(lines.subList(0, half), visits.subList(0, half));
      mergeCarefully(lines.subList(half, lines.size()), visits.subList(half, visits.size()));
    }
  }

  /** Stores the rejected lines kept so far. */
  private void flushRejects() throws SQLException {
    if (rejects.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(REJECTS.sql())) {
      REJECTS.bind(rejects, ps);
      ps.executeUpdate();
    }
    rejects.clear();
  }

  /**
   * Marks as no longer quarantined ({@code readmitted_how = 'superseded'}) the lines an earlier
   * version of this path rejected as {@code not_json} or {@code bad_encoding} where this version
   * accepted a line of the same number: the line a producer was still writing when the earlier
   * version was read (its end missing, or cut inside a character), which this version has whole.
   * A probe's continuous run over files written in two writes per line left such rejects in the
   * quarantine, counted by {@code status}, though every one of those lines had loaded since.
   */
  private void supersedeCutLines() throws SQLException {
    if (lastLine == 0) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE fieldflow.rejected_records r SET readmitted_at = now(),"
            + " readmitted_by = 'file version ' || ?, readmitted_how = 'superseded'"
            + " WHERE r.pipeline = 'visit' AND r.file = ? AND r.file_version <> ?"
            + " AND r.readmitted_at IS NULL AND r.reason_code IN ('not_json', 'bad_encoding')"
            + " AND r.line_number <= ? AND NOT EXISTS (SELECT 1 FROM fieldflow.rejected_records n"
            + "  WHERE n.pipeline = 'visit' AND n.file = r.file AND n.file_version = ?"
            + "  AND n.line_number = r.line_number)")) {
      ps.setString(1, file.version());
      ps.setString(2, file.path());
      ps.setString(3, file.version());
      ps.setLong(4, lastLine);
      ps.setString(5, file.version());
      ps.executeUpdate();
    }
  }

  private VisitMerge.Summary markDone() throws SQLException {
    long lines = counts.records() + rejected;
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE fieldflow.ingest_files SET status = 'done', lines_read = ?, records_read = ?,"
            + " rows_loaded = ?, updates = ?, duplicates = ?, rejected = ?, error = NULL,"
            + " retry_after = NULL, warning = ?, finished_at = now() WHERE file_id = ?")) {
      ps.setLong(1, lines);
      ps.setLong(2, counts.records());
      ps.setLong(3, counts.loaded());
      ps.setLong(4, counts.updates());
      ps.setLong(5, counts.duplicates());
      ps.setLong(6, rejected);
      ps.setString(7, settings.rejectRatioWarning(lines, rejected));
      ps.setLong(8, file.fileId());
      ps.executeUpdate();
    }
    return new VisitMerge.Summary(file, lines, counts.loaded(), counts.updates(),
        counts.duplicates(), rejected, false);
  }

  /** Carries a database failure out of the line callbacks, which cannot throw it. */
  private static final class UncheckedSqlException extends RuntimeException {
    UncheckedSqlException(SQLException cause) {
      super(cause);
    }

    @Override
    public synchronized SQLException getCause() {
      return (SQLException) super.getCause();
    }
  }
}
