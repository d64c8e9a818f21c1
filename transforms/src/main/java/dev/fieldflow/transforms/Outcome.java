package dev.fieldflow.transforms;

/**
 * How a visit ended; stored as its name, which the database also checks. {@link VisitCoder}
 * encodes the ordinal: add new constants at the end only.
 */
public enum Outcome {
  SUCCESS,
  FAIL
}
