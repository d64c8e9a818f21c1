package dev.fieldflow.ingest.visits;

import dev.fieldflow.ingest.write.BinaryRows;
import dev.fieldflow.transforms.Visit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The visit rows of one merge chunk, encoded for a binary COPY with the columns {@link
 * VisitMerge#ROW_COLUMNS} (those of {@code visits} and of the stage alike) and held in memory
 * with their keys, so that the merge can copy them straight into {@code visits} in key order or,
 * when some are stored already or a visit comes twice, into the stage; beside them, the tasks
 * and nodes the rows name ({@link ReferenceRows}).
 *
 * <p>Memory: the encoded rows (about 200 bytes a visit of the bench's data, its path included)
 * and 16 bytes a row for its key and start; a load merges a chunk once it holds {@link
 * #MAX_BYTES} bytes, whatever its number of lines, and the memory is reused by the next chunk.
 * Not thread-safe.
 */
final class VisitChunk {
  /**
   * A chunk is merged once its rows take this many bytes, even below {@code --mergeChunkRows}
   * lines: bounds the memory of a load whose lines are long (a note of thousands of tokens).
   */
  static final int MAX_BYTES = 16 << 20;

  private static final int COLUMNS = VisitMerge.ROW_COLUMNS.split(",").length;

  private final BinaryRows rows = new BinaryRows(COLUMNS, 1 << 16);
  private final ReferenceRows references = new ReferenceRows();
  private long[] taskIds = new long[1024];
  private int[] visitIds = new int[1024];
  private String sourceFile;
  private byte[] sourceFileUtf8;

  /** Adds {@code v}, read from {@code sourceFile}, as a row of {@code visits}, and its task and node. */
  void add(Visit v, String sourceFile) {
    references.add(v);
    if (!sourceFile.equals(this.sourceFile)) {
      this.sourceFile = sourceFile;
      this.sourceFileUtf8 = sourceFile.getBytes(StandardCharsets.UTF_8);
    }
    int row = rows.rows();
    if (row == taskIds.length) {
      taskIds = Arrays.copyOf(taskIds, row * 2);
      visitIds = Arrays.copyOf(visitIds, row * 2);
    }
    taskIds[row] = v.taskId();
    visitIds[row] = v.visitId();
    rows.startRow()
        .putLong(v.taskId())
        .putInt(v.visitId())
        .putInt(v.nodeId())
        .putDate(v.visitDate())
        .putInt(v.nodeAge())
        .putInt(v.engineerSkillLevel())
        .putText(v.outcome().name())
        .putIntArray(v.noteTokens())
        .putInt(v.taskType())
        .putDate(v.originalReportedDate())
        .putInt(v.nodeType())
        .putUtf8(sourceFileUtf8)
        .putLong(v.lineNumber());
  }

  int size() {
    return rows.rows();
  }

  /** Whether the chunk has reached {@link #MAX_BYTES}. */
  boolean full() {
    return rows.bytes() >= MAX_BYTES;
  }

  BinaryRows rows() {
    return rows;
  }

  /** The tasks and nodes the chunk's rows name, once each. */
  ReferenceRows references() {
    return references;
  }

  /**
   * The rows' indexes in key order ({@code task_id, visit_id}), so that two loads that write the
   * same visits take their locks in the same order; or null when a visit is in the chunk more
   * than once (rare: re-sent lines), which only the stage can merge, in line order. Lines usually
   * come nearly in order, which the sort (a merge sort that finds runs) takes in one pass.
   */
  int[] uniqueKeyOrder() {
    int n = rows.rows();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> taskIds[a] != taskIds[b]
        ? Long.compare(taskIds[a], taskIds[b])
        : Integer.compare(visitIds[a], visitIds[b]));
    int[] sorted = new int[n];
    for (int i = 0; i < n; i++) {
      sorted[i] = order[i];
      if (i > 0 && taskIds[sorted[i]] == taskIds[sorted[i - 1]]
          && visitIds[sorted[i]] == visitIds[sorted[i - 1]]) {
        return null;
      }
    }
    return sorted;
  }

  /** Forgets the rows and their tasks and nodes; the memory is kept for the next chunk. */
  void clear() {
    rows.clear();
    references.clear();
  }
}
