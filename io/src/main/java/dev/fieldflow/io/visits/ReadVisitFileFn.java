package dev.fieldflow.io.visits;

import dev.fieldflow.io.files.ReadLines;
import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.RejectReason;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.EnumMap;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and parses one claimed visit file, streaming: each accepted line goes out as a visit,
 * each rejected line (bad JSON, bad field, bad UTF-8) as a reject, both tagged with the file's
 * attempt; then the file's totals go to the tracker. A file that cannot be read to its end
 * (corrupt gzip, permission denied, vanished) is reported unreadable instead of failing the
 * pipeline.
 *
 * <p>Lines are read by {@link ReadLines#read} (blank lines skipped, BOM and CR stripped, bad
 * UTF-8 rejected) and parsed by {@link VisitParser}, the same rules as every other reader. The
 * parse happens here rather than in a separate {@code ParseVisits} step because each line must
 * keep its file's ledger id and attempt, which {@link SourceLine} does not carry.
 */
final class ReadVisitFileFn extends DoFn<VisitFile, FileLine<Visit>> {
  private static final Logger LOG = LoggerFactory.getLogger(ReadVisitFileFn.class);

  static final TupleTag<FileLine<Visit>> VISITS = new TupleTag<>() {};
  static final TupleTag<FileLine<RejectedLine>> REJECTS = new TupleTag<>() {};
  static final TupleTag<FileProgress> PROGRESS = new TupleTag<>() {};

  private final Counter filesRead = Metrics.counter(IngestVisitFiles.class, "files_read");
  private final Counter filesUnreadable = Metrics.counter(IngestVisitFiles.class, "files_unreadable");
  private final Counter linesRead = Metrics.counter(IngestVisitFiles.class, "lines_read");
  private final Counter visitsParsed = Metrics.counter(IngestVisitFiles.class, "visits_parsed");
  private final EnumMap<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);

  ReadVisitFileFn() {
    for (RejectReason reason : RejectReason.values()) {
      rejected.put(reason, Metrics.counter(IngestVisitFiles.class, "rejected_" + reason.code()));
    }
  }

  @ProcessElement
  public void process(@Element VisitFile file, MultiOutputReceiver out) {
    long[] visits = {0};
    long[] rejects = {0};
    ReadLines.LineReceiver receiver =
        new ReadLines.LineReceiver() {
          @Override
          public void line(SourceLine line) {
            ParseResult<Visit> result = VisitParser.parse(line);
            if (result instanceof ParseResult.Parsed<Visit> parsed) {
              visits[0]++;
              out.get(VISITS).output(FileLine.of(file, parsed.value()));
            } else if (result instanceof ParseResult.Rejected<Visit> reject) {
              badLine(reject.line());
            }
          }

          @Override
          public void badEncoding(RejectedLine line) {
            badLine(line);
          }

          private void badLine(RejectedLine line) {
            rejects[0]++;
            rejected.get(line.reason()).inc();
            out.get(REJECTS).output(FileLine.of(file, line));
          }
        };
    try (InputStream in = open(file.path())) {
      ReadLines.read(in, file.path(), receiver);
    } catch (IOException | RuntimeException e) {
      filesUnreadable.inc();
      String error = "cannot read " + file.path() + ": " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage());
      LOG.warn("{}; it is marked failed and tried again later", error);
      out.get(PROGRESS).output(FileProgress.unreadable(file, error));
      return;
    }
    filesRead.inc();
    linesRead.inc(visits[0] + rejects[0]);
    visitsParsed.inc(visits[0]);
    out.get(PROGRESS).output(FileProgress.read(file, visits[0], rejects[0]));
  }

  /** The file's content, decompressed by its extension ({@code .gz} and the others Beam knows). */
  private static InputStream open(String path) throws IOException {
    Compression compression = Compression.detect(path);
    return Channels.newInputStream(
        compression.readDecompressed(FileSystems.open(FileSystems.matchNewResource(path, false))));
  }
}
