package dev.fieldflow.testdata;

/**
 * Where a stored visit was read from: what {@code visits.source_file} and
 * {@code visits.source_line} must hold (the first line with the final content; an identical
 * re-send does not move it).
 *
 * @param file path relative to the data set's directory
 * @param line 1-based physical line number
 */
public record SourceRef(String file, long line) {}
