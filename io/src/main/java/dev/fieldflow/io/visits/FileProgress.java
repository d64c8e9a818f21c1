package dev.fieldflow.io.visits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * What {@link TrackFileCompletion} learns about one attempt at a file: the reader's totals once
 * the file is read (or that it could not be read), and each written batch's share of it.
 *
 * @param file the file, for {@link Kind#READ} and {@link Kind#UNREADABLE}; null otherwise
 * @param visits accepted lines read, or staged by one batch
 * @param rejects rejected lines read, or quarantined by one batch
 */
@DefaultCoder(FileProgress.ProgressCoder.class)
public record FileProgress(
    Kind kind, long fileId, int attempt, VisitFile file, long visits, long rejects, String error) {

  /** What happened. */
  public enum Kind {
    /** The reader finished the file: {@code visits} and {@code rejects} are its totals. */
    READ,
    /** The file could not be read to its end; {@code error} says why. */
    UNREADABLE,
    /** A batch staging {@code visits} of the file's visits committed. */
    STAGED,
    /** A batch storing {@code rejects} of the file's rejected lines committed. */
    QUARANTINED
  }

  public static FileProgress read(VisitFile file, long visits, long rejects) {
    return new FileProgress(Kind.READ, file.fileId(), file.attempt(), file, visits, rejects, null);
  }

  public static FileProgress unreadable(VisitFile file, String error) {
    return new FileProgress(Kind.UNREADABLE, file.fileId(), file.attempt(), file, 0, 0, error);
  }

  public static FileProgress staged(long fileId, int attempt, long visits) {
    return new FileProgress(Kind.STAGED, fileId, attempt, null, visits, 0, null);
  }

  public static FileProgress quarantined(long fileId, int attempt, long rejects) {
    return new FileProgress(Kind.QUARANTINED, fileId, attempt, null, 0, rejects, null);
  }

  /**
   * Kind as its ordinal, numbers as varints, the file and the error nullable. Deterministic:
   * a batch report is a few bytes, which matters as there is one per file per batch.
   */
  public static final class ProgressCoder extends AtomicCoder<FileProgress> {
    private static final ProgressCoder INSTANCE = new ProgressCoder();
    private static final Kind[] KINDS = Kind.values();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final NullableCoder<VisitFile> FILE = NullableCoder.of(VisitFile.FileCoder.of());
    private static final NullableCoder<String> ERROR = NullableCoder.of(StringUtf8Coder.of());

    public static ProgressCoder of() {
      return INSTANCE;
    }

    /** Found by {@code @DefaultCoder} on {@link FileProgress}. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(FileProgress.class), INSTANCE);
    }

    private ProgressCoder() {}

    @Override
    public void encode(FileProgress p, OutputStream out) throws IOException {
      INT.encode(p.kind().ordinal(), out);
      LONG.encode(p.fileId(), out);
      INT.encode(p.attempt(), out);
      FILE.encode(p.file(), out);
      LONG.encode(p.visits(), out);
      LONG.encode(p.rejects(), out);
      ERROR.encode(p.error(), out);
    }

    @Override
    public FileProgress decode(InputStream in) throws IOException {
      int kind = INT.decode(in);
      if (kind < 0 || kind >= KINDS.length) {
        throw new CoderException("unknown FileProgress.Kind ordinal " + kind);
      }
      return new FileProgress(KINDS[kind], LONG.decode(in), INT.decode(in), FILE.decode(in),
          LONG.decode(in), LONG.decode(in), ERROR.decode(in));
    }

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }
}
