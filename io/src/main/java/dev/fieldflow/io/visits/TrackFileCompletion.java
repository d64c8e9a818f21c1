package dev.fieldflow.io.visits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/**
 * Decides when a file has nothing left in flight. Keyed by ledger file id; in: the reader's
 * totals for an attempt and each written batch's share of it; out: the attempt once every line
 * it read is staged or quarantined ({@link FileOutcome#complete}), or at once when the file was
 * unreadable ({@link FileOutcome#failed}).
 *
 * <p>State exists only for files in flight and is cleared when the outcome goes out, so it does
 * not grow with the number of files ever ingested. Progress of an older attempt is ignored; a
 * newer attempt (a retry, or a takeover after the claim lease expired while the older attempt
 * may still be running) starts the tally again, so counts of two attempts never mix. (Batches of an unreadable attempt that arrive after its
 * outcome leave a small tally until the file's next attempt replaces it.)
 */
final class TrackFileCompletion extends DoFn<KV<Long, FileProgress>, FileOutcome> {

  /**
   * What is known about the current attempt at one file: its reader's totals once known ({@code
   * file} null and totals -1 before) and the lines written so far.
   */
  record Tally(int attempt, VisitFile file, long expectedVisits, long expectedRejects, long staged,
      long quarantined) {

    static Tally start(int attempt) {
      return new Tally(attempt, null, -1, -1, 0, 0);
    }

    Tally apply(FileProgress p) {
      return switch (p.kind()) {
        case READ -> new Tally(attempt, p.file(), p.visits(), p.rejects(), staged, quarantined);
        case STAGED -> new Tally(attempt, file, expectedVisits, expectedRejects, staged + p.visits(), quarantined);
        case QUARANTINED -> new Tally(attempt, file, expectedVisits, expectedRejects, staged, quarantined + p.rejects());
        case UNREADABLE -> this;
      };
    }

    boolean complete() {
      return file != null && staged == expectedVisits && quarantined == expectedRejects;
    }

    boolean overcounted() {
      return file != null && (staged > expectedVisits || quarantined > expectedRejects);
    }
  }

  /** The attempt, the file (nullable), the four numbers as varints (totals may be -1). */
  static final class TallyCoder extends AtomicCoder<Tally> {
    private static final TallyCoder INSTANCE = new TallyCoder();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final NullableCoder<VisitFile> FILE = NullableCoder.of(VisitFile.FileCoder.of());

    static TallyCoder of() {
      return INSTANCE;
    }

    private TallyCoder() {}

    @Override
    public void encode(Tally t, OutputStream out) throws IOException {
      INT.encode(t.attempt(), out);
      FILE.encode(t.file(), out);
      LONG.encode(t.expectedVisits(), out);
      LONG.encode(t.expectedRejects(), out);
      LONG.encode(t.staged(), out);
      LONG.encode(t.quarantined(), out);
    }

    @Override
    public Tally decode(InputStream in) throws IOException {
      return new Tally(INT.decode(in), FILE.decode(in), LONG.decode(in), LONG.decode(in),
          LONG.decode(in), LONG.decode(in));
    }
  }

  @StateId("tally")
  private final StateSpec<ValueState<Tally>> tallySpec =
      StateSpecs.value(TallyCoder.of());

  @ProcessElement
  public void process(
      @Element KV<Long, FileProgress> element,
      @StateId("tally") ValueState<Tally> state,
      OutputReceiver<FileOutcome> out) {
    FileProgress progress = element.getValue();
    Tally tally = state.read();
    if (tally != null && progress.attempt() < tally.attempt()) {
      return;
    }
    if (tally == null || progress.attempt() > tally.attempt()) {
      tally = Tally.start(progress.attempt());
    }
    if (progress.kind() == FileProgress.Kind.UNREADABLE) {
      state.clear();
      out.output(FileOutcome.failed(progress.file(), progress.error()));
      return;
    }
    tally = tally.apply(progress);
    if (tally.complete()) {
      state.clear();
      out.output(FileOutcome.complete(tally.file(), tally.expectedVisits(), tally.expectedRejects()));
    } else if (tally.overcounted()) {
      state.clear();
      out.output(FileOutcome.failed(tally.file(), "wrote more lines than were read ("
          + tally.staged() + " of " + tally.expectedVisits() + " visits, " + tally.quarantined()
          + " of " + tally.expectedRejects() + " rejects); the file will be read again"));
    } else {
      state.write(tally);
    }
  }
}
