package dev.fieldflow.ingest.write;

import java.io.Serializable;
import org.joda.time.Duration;

/**
 * How rows are grouped before each write: a batch is written when it holds {@code maxRows}
 * rows or when its oldest row has waited {@code maxBuffering}, whichever comes first; a
 * bundle or checkpoint boundary also flushes it. {@code shards} parallel batch keys let
 * several writers run at once.
 */
public record BatchSettings(int maxRows, Duration maxBuffering, int shards) implements Serializable {
  public BatchSettings {
    if (maxRows < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, was " + maxRows);
    }
    if (maxBuffering.getMillis() < 1) {
      throw new IllegalArgumentException("batch buffering must be positive, was " + maxBuffering);
    }
    if (shards < 1) {
      throw new IllegalArgumentException("write shards must be at least 1, was " + shards);
    }
  }

  /** 5,000 rows or 2 seconds, two writers: fits the measured sweet spot of set-based inserts. */
  public static BatchSettings defaults() {
    return new BatchSettings(5_000, Duration.standardSeconds(2), 2);
  }
}
