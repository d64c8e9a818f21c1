package dev.fieldflow.io.visits;

import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;

/**
 * What {@link TrackFileCompletion} learns about one attempt at a file: the reader's totals once
 * the file is read (or that it could not be read), and each written batch's share of it.
 *
 * @param file the file, for {@link Kind#READ} and {@link Kind#UNREADABLE}; null otherwise
 * @param visits accepted lines read, or staged by one batch
 * @param rejects rejected lines read, or quarantined by one batch
 */
@DefaultCoder(SerializableCoder.class)
public record FileProgress(
    Kind kind, long fileId, int attempt, VisitFile file, long visits, long rejects, String error)
    implements Serializable {

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
}
