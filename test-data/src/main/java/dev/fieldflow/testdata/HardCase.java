package dev.fieldflow.testdata;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * One boundary case the generator built for an analysts' question, and what the answer must
 * say about it under the {@link HardCases} parameters it was built for.
 *
 * @param name stable and unique, e.g. {@code q1.success-on-last-day}
 * @param question {@code q1} .. {@code q5}
 * @param id the task id (q1, q2) or node id (q3, q4, q5) the case is about
 * @param visitId for q1 the visit whose row is or is not in the answer; 0 otherwise
 * @param inAnswer whether the answer must have a row for it
 * @param value the row's number when {@code inAnswer}: shared_tokens (q2), hops (q3),
 *     failed_visits (q4)
 * @param description what is special about it, in a sentence
 */
public record HardCase(
    String name,
    String question,
    long id,
    int visitId,
    boolean inAnswer,
    OptionalLong value,
    String description) {

  public HardCase {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(question, "question");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(description, "description");
  }
}
