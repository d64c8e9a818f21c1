package dev.fieldflow.ingest.visits;

import dev.fieldflow.io.files.ReadLimits;
import java.io.Serializable;
import java.time.Duration;

/**
 * How visit files are loaded, as one value: the pipeline builds it once from its options, and
 * a bad value is refused here, at start, with its name.
 *
 * @param chunkRows lines merged at once (the size flush rule, with {@link VisitChunk#MAX_BYTES});
 *     their encoded rows are held in the pipeline's memory until then
 * @param limits what a file and a line may be before they are refused ({@link ReadLimits})
 * @param outageTolerance how long a file's load keeps retrying while PostgreSQL is unreachable
 *     before the pipeline fails
 * @param retryDelay how long a failed file waits before its first retry (doubling after)
 * @param maxRejectRatio share of a file's lines (0..1) past which the file is flagged in the
 *     ledger ({@code warning}) and the log; its good lines load all the same
 * @param synchronousCommit whether a load waits for its commit to reach the disk; if not
 *     ({@link RetryingDatabase#withAsynchronousCommit}), a PostgreSQL crash may undo the loads
 *     of its last moments, which are then loaded again
 */
public record LoadSettings(int chunkRows, ReadLimits limits, Duration outageTolerance,
    Duration retryDelay, double maxRejectRatio, boolean synchronousCommit) implements Serializable {
  /** Files with fewer lines are never flagged: a ratio of 3 bad lines in 5 says little. */
  static final long MIN_LINES_FOR_RATIO = 10;

  /** Staged lines merged at once when no other size is given. */
  public static final int DEFAULT_CHUNK_ROWS = 50_000;

  public LoadSettings {
    if (chunkRows < 1) {
      throw new IllegalArgumentException("--mergeChunkRows must be >= 1, but was " + chunkRows);
    }
    if (outageTolerance.isNegative()) {
      throw new IllegalArgumentException(
          "--dbOutageToleranceSeconds must be >= 0, but was " + outageTolerance.toSeconds());
    }
    if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) {
      throw new IllegalArgumentException("--maxRejectRatio must be in 0..1, but was " + maxRejectRatio);
    }
    if (retryDelay.isNegative() || retryDelay.isZero()) {
      throw new IllegalArgumentException(
          "--retryFailedAfterSeconds must be >= 1, but was " + retryDelay.toSeconds());
    }
  }

  /**
   * The warning for a file of {@code lines} data lines of which {@code rejected} were rejected,
   * or null when its reject ratio is within {@link #maxRejectRatio}.
   */
  public String rejectRatioWarning(long lines, long rejected) {
    if (lines < MIN_LINES_FOR_RATIO || rejected <= maxRejectRatio * lines) {
      return null;
    }
    return String.format(java.util.Locale.ROOT, "high reject ratio: %d of %d lines (%.0f%%) rejected,"
        + " above --maxRejectRatio %.0f%%; the file may not be visit JSON lines, or its producer"
        + " changed the format: see its lines in rejected_records", rejected, lines,
        100.0 * rejected / lines, 100 * maxRejectRatio);
  }
}
