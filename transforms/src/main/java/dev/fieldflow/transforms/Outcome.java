package dev.fieldflow.transforms;

/** How a visit ended; stored as its name, which the database also checks. */
public enum Outcome {
  SUCCESS,
  FAIL
}
