package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.files.ReadLimits;
import java.io.Serializable;
import java.time.Duration;

/**
 * How visit files are loaded, as one value: the pipeline builds it once from its options, and
 * a bad value is refused here, at start, with its name.
 *
 * @param chunkRows staged lines merged at once (the size flush rule); memory on the database
 *     side, not in the pipeline
 * @param limits what a file and a line may be before they are refused ({@link ReadLimits})
 * @param outageTolerance how long a file's load keeps retrying while PostgreSQL is unreachable
 *     before the pipeline fails
 * @param retryDelay how long a failed file waits before its first retry (doubling after)
 */
public record LoadSettings(int chunkRows, ReadLimits limits, Duration outageTolerance,
    Duration retryDelay) implements Serializable {
  /** Staged lines merged at once when no other size is given. */
  public static final int DEFAULT_CHUNK_ROWS = 50_000;

  public LoadSettings {
    if (chunkRows < 1) {
      throw new IllegalArgumentException("mergeChunkRows must be >= 1, but was " + chunkRows);
    }
    if (outageTolerance.isNegative()) {
      throw new IllegalArgumentException(
          "dbOutageToleranceSeconds must be >= 0, but was " + outageTolerance.toSeconds());
    }
    if (retryDelay.isNegative() || retryDelay.isZero()) {
      throw new IllegalArgumentException(
          "retryFailedAfterSeconds must be >= 1, but was " + retryDelay.toSeconds());
    }
  }
}
