package dev.fieldflow.ingest.visits;

import java.util.Arrays;

/**
 * Remembers the visit keys {@code (task_id, visit_id)} staged since the last merge, to tell
 * whether a visit may be staged twice: if not (nearly always), the merge skips the window that
 * orders the repeats of a visit.
 *
 * <p>Keys are kept as 64-bit hashes in an open-addressing table: a collision can only say "maybe
 * repeated", which costs the slower, exact merge, never a wrong count. Memory is 8 bytes a slot,
 * bounded by the merge chunk (the caller clears it after each merge). Not thread-safe.
 */
final class StagedKeys {
  private static final long EMPTY = 0L;
  private long[] slots = new long[1 << 10];
  private int size;
  private boolean repeated;

  /** Records a staged key; true if it (or a key with the same hash) was staged before. */
  boolean add(long taskId, int visitId) {
    long hash = mix(taskId * 0x9E3779B97F4A7C15L + visitId);
    if (hash == EMPTY) {
      hash = 1;
    }
    if (size * 2 >= slots.length) {
      grow();
    }
    int mask = slots.length - 1;
    for (int i = (int) (hash ^ (hash >>> 32)) & mask; ; i = (i + 1) & mask) {
      if (slots[i] == EMPTY) {
        slots[i] = hash;
        size++;
        return false;
      }
      if (slots[i] == hash) {
        repeated = true;
        return true;
      }
    }
  }

  /** Whether some key may have been staged twice since the last {@link #clear}. */
  boolean mayRepeat() {
    return repeated;
  }

  void clear() {
    if (size > 0) {
      Arrays.fill(slots, EMPTY);
    }
    size = 0;
    repeated = false;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    int mask = slots.length - 1;
    for (long hash : old) {
      if (hash != EMPTY) {
        int i = (int) (hash ^ (hash >>> 32)) & mask;
        while (slots[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        slots[i] = hash;
      }
    }
  }

  /** A 64-bit finalizer (from SplitMix64): spreads nearby keys over the table. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
