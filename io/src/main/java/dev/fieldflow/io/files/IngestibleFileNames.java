package dev.fieldflow.io.files;

import java.io.Serializable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which files, by name, are ingested: not the hidden and temporary files producers leave beside
 * their data while they write it ({@code .part.jsonl}, {@code _SUCCESS}, {@code
 * visits.jsonl.tmp}, Hadoop's {@code .crc} checksums). Only the file's own name is looked at,
 * not its directories. Pure: no file system needed.
 */
public final class IngestibleFileNames implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * File names not ingested by default, as a regular expression the whole name must match:
   * hidden ({@code .*}), underscore-prefixed ({@code _*}, which covers {@code _SUCCESS}), and
   * {@code *.tmp} and {@code *.crc}.
   */
  public static final String DEFAULT_IGNORED = "\\..*|_.*|.*\\.tmp|.*\\.crc";

  private final String ignored;
  private transient Pattern pattern;

  private IngestibleFileNames(String ignored) {
    this.ignored = ignored;
    this.pattern = Pattern.compile(ignored);
  }

  /** Ignores {@link #DEFAULT_IGNORED}. */
  public static IngestibleFileNames defaults() {
    return new IngestibleFileNames(DEFAULT_IGNORED);
  }

  /**
   * Ignores the file names that {@code regex} matches whole; an empty {@code regex} ingests every
   * file.
   *
   * @throws IllegalArgumentException naming the value and the syntax error, if it is not a
   *     regular expression
   */
  public static IngestibleFileNames ignoring(String regex) {
    if (regex == null) {
      throw new IllegalArgumentException("ignored file names must be a regular expression, but"
          + " was null; give an empty one to ingest every file");
    }
    try {
      return new IngestibleFileNames(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("ignored file names must be a regular expression, but"
          + " was '" + regex + "': " + e.getDescription() + " at index " + e.getIndex(), e);
    }
  }

  /** The regular expression of the names not ingested. */
  public String ignoredPattern() {
    return ignored;
  }

  /**
   * Whether the file at {@code path} (a local path or a URI such as {@code s3://b/visits/a.jsonl})
   * is ingested: its name, after the last {@code /}, does not match the ignored pattern.
   */
  public boolean isIngested(String path) {
    if (pattern == null) {
      pattern = Pattern.compile(ignored);
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    return !pattern.matcher(name).matches();
  }

  @Override
  public String toString() {
    return "IngestibleFileNames(ignoring " + ignored + ")";
  }
}
