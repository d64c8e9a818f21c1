package dev.fieldflow.testdata;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.Objects;

/**
 * One visit as the pipelines must store it: the parsed content of the line that was ingested
 * last for its {@code (taskId, visitId)}. The note tokens are copied in and out, so a record
 * cannot be changed after it is made.
 *
 * @param noteTokens the note's integer tokens in note order, repeats kept; empty for an empty
 *     note
 * @param outcome {@code "SUCCESS"} or {@code "FAIL"}
 */
public record GeneratedVisit(
    long taskId,
    int visitId,
    int nodeId,
    LocalDate visitDate,
    LocalDate originalReportedDate,
    int nodeAge,
    int nodeType,
    int taskType,
    int skillLevel,
    int[] noteTokens,
    String outcome) {

  public static final String SUCCESS = "SUCCESS";
  public static final String FAIL = "FAIL";

  public GeneratedVisit {
    Objects.requireNonNull(visitDate, "visitDate");
    Objects.requireNonNull(originalReportedDate, "originalReportedDate");
    noteTokens = Objects.requireNonNull(noteTokens, "noteTokens").clone();
    if (!SUCCESS.equals(outcome) && !FAIL.equals(outcome)) {
      throw new IllegalArgumentException("outcome must be SUCCESS or FAIL, got " + outcome);
    }
  }

  @Override
  public int[] noteTokens() {
    return noteTokens.clone();
  }

  /** Whether the note holds {@code token} at least once. */
  public boolean noteContains(int token) {
    for (int t : noteTokens) {
      if (t == token) {
        return true;
      }
    }
    return false;
  }

  public boolean succeeded() {
    return SUCCESS.equals(outcome);
  }

  /** This visit with another outcome; everything else unchanged. */
  GeneratedVisit withOutcome(String newOutcome) {
    return new GeneratedVisit(taskId, visitId, nodeId, visitDate, originalReportedDate, nodeAge,
        nodeType, taskType, skillLevel, noteTokens, newOutcome);
  }

  /** The note as the raw format writes it: tokens separated by one space. */
  String noteText() {
    StringBuilder text = new StringBuilder(noteTokens.length * 4);
    for (int i = 0; i < noteTokens.length; i++) {
      if (i > 0) {
        text.append(' ');
      }
      text.append(noteTokens[i]);
    }
    return text.toString();
  }

  /** The raw tokens, not copied, for the generator's own hot loops. */
  int[] tokensView() {
    return noteTokens;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GeneratedVisit v
        && taskId == v.taskId
        && visitId == v.visitId
        && nodeId == v.nodeId
        && visitDate.equals(v.visitDate)
        && originalReportedDate.equals(v.originalReportedDate)
        && nodeAge == v.nodeAge
        && nodeType == v.nodeType
        && taskType == v.taskType
        && skillLevel == v.skillLevel
        && Arrays.equals(noteTokens, v.noteTokens)
        && outcome.equals(v.outcome);
  }

  @Override
  public int hashCode() {
    return Objects.hash(taskId, visitId, nodeId, visitDate, outcome, Arrays.hashCode(noteTokens));
  }

  @Override
  public String toString() {
    return "GeneratedVisit[task=" + taskId + ", visit=" + visitId + ", node=" + nodeId
        + ", date=" + visitDate + ", reported=" + originalReportedDate + ", age=" + nodeAge
        + ", type=" + nodeType + ", taskType=" + taskType + ", skill=" + skillLevel
        + ", note=" + Arrays.toString(noteTokens) + ", " + outcome + "]";
  }
}
