package dev.fieldflow.ingest.visits;

import dev.fieldflow.ingest.write.BinaryRows;
import dev.fieldflow.transforms.Visit;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

/**
 * The tasks and nodes that the lines of one merge chunk name, each once, with the attributes
 * of the last line that names it ("last ingested wins" within a file), encoded for the binary
 * COPY into the stages that {@link VisitMerge} inserts them from ({@link VisitMerge#TASK_STAGE},
 * {@link VisitMerge#NODE_STAGE}).
 *
 * <p>Kept here rather than sent line by line: a file of the bench's data names a task on about
 * 1.4 of its lines and every one of the 499 nodes, so PostgreSQL gets about 7,000 task rows and
 * 499 node rows for a file of 10,000 lines instead of 10,000 of each, and no longer sorts them
 * to find each key's last line. Measured on one such file in psql: 75 ms → 64 ms of the
 * reference session's work (median of six); on 1,000,000 bench visits, DirectRunner, against
 * lines streamed to one stage: PostgreSQL's CPU median 29.7 → 28.5 core-seconds (nine and six
 * runs), the wall time within the noise. Memory: one entry per distinct task and node of the
 * chunk. Not thread-safe.
 */
final class ReferenceRows {
  private static final int TASK_FIELDS = VisitMerge.TASK_COLUMNS.split(",").length;
  private static final int NODE_FIELDS = VisitMerge.NODE_COLUMNS.split(",").length;

  private record Task(int taskType, int nodeId, LocalDate originalReportedDate) {}

  private final Map<Long, Task> tasks = new HashMap<>();
  private final Map<Integer, Integer> nodeTypes = new HashMap<>();
  private Visit last;

  /** Records the task and node of {@code v}, replacing what an earlier line said of them. */
  void add(Visit v) {
    // A task's lines usually follow each other and agree: then there is nothing to replace.
    if (last != null && last.taskId() == v.taskId() && last.taskType() == v.taskType()
        && last.nodeId() == v.nodeId() && last.nodeType() == v.nodeType()
        && last.originalReportedDate().equals(v.originalReportedDate())) {
      return;
    }
    tasks.put(v.taskId(), new Task(v.taskType(), v.nodeId(), v.originalReportedDate()));
    nodeTypes.put(v.nodeId(), v.nodeType());
    last = v;
  }

  /** One row per task: {@link VisitMerge#TASK_COLUMNS}. */
  BinaryRows taskRows() {
    BinaryRows rows = new BinaryRows(TASK_FIELDS, 40 * tasks.size());
    tasks.forEach((taskId, t) -> rows.startRow()
        .putLong(taskId)
        .putInt(t.taskType())
        .putInt(t.nodeId())
        .putDate(t.originalReportedDate()));
    return rows;
  }

  /** One row per node: {@link VisitMerge#NODE_COLUMNS}. */
  BinaryRows nodeRows() {
    BinaryRows rows = new BinaryRows(NODE_FIELDS, 20 * nodeTypes.size());
    nodeTypes.forEach((nodeId, nodeType) -> rows.startRow().putInt(nodeId).putInt(nodeType));
    return rows;
  }

  void clear() {
    tasks.clear();
    nodeTypes.clear();
    last = null;
  }
}
