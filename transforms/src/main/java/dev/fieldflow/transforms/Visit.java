package dev.fieldflow.transforms;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One visit of an engineer to a node, as parsed from a visit log line. {@code (taskId,
 * visitId)} identifies it; {@code file} and {@code lineNumber} say where it was read.
 *
 * @param noteTokens the words of the engineer's note, each an integer token, in note order
 *     (may be empty; repeated tokens are kept)
 */
@DefaultCoder(VisitCoder.class)
public record Visit(
    long taskId,
    int visitId,
    int nodeId,
    LocalDate visitDate,
    LocalDate originalReportedDate,
    int nodeAge,
    int nodeType,
    int taskType,
    int engineerSkillLevel,
    int[] noteTokens,
    Outcome outcome,
    String file,
    long lineNumber) {

  public Visit {
    Objects.requireNonNull(visitDate, "visitDate");
    Objects.requireNonNull(originalReportedDate, "originalReportedDate");
    Objects.requireNonNull(noteTokens, "noteTokens");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(file, "file");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Visit v
        && taskId == v.taskId
        && visitId == v.visitId
        && nodeId == v.nodeId
        && visitDate.equals(v.visitDate)
        && originalReportedDate.equals(v.originalReportedDate)
        && nodeAge == v.nodeAge
        && nodeType == v.nodeType
        && taskType == v.taskType
        && engineerSkillLevel == v.engineerSkillLevel
        && Arrays.equals(noteTokens, v.noteTokens)
        && outcome == v.outcome
        && file.equals(v.file)
        && lineNumber == v.lineNumber;
  }

  @Override
  public int hashCode() {
    return Objects.hash(taskId, visitId, nodeId, visitDate, outcome, file, lineNumber,
        Arrays.hashCode(noteTokens));
  }

  @Override
  public String toString() {
    return "Visit[task=" + taskId + ", visit=" + visitId + ", node=" + nodeId + ", date="
        + visitDate + ", reported=" + originalReportedDate + ", age=" + nodeAge + ", type="
        + nodeType + ", taskType=" + taskType + ", skill=" + engineerSkillLevel + ", note="
        + Arrays.toString(noteTokens) + ", " + outcome + ", " + file + ":" + lineNumber + "]";
  }
}
