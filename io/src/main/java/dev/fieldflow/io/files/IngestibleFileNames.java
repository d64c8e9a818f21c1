package dev.fieldflow.io.files;

import java.io.Serializable;
import java.util.Locale;
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

  /** The characters that end a line for {@link Pattern}'s {@code .}. */
  private static final Pattern LINE_BREAK = Pattern.compile("[\\n\\r\\u0085\\u2028\\u2029]");

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
   * is ingested: it has a name (a path ending in {@code /} is a directory, or an S3 "folder"
   * marker object), and that name, after the last {@code /}, does not match the ignored pattern.
   */
  public boolean isIngested(String path) {
    if (pattern == null) {
      pattern = Pattern.compile(ignored);
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    return !name.isEmpty() && !pattern.matcher(name).matches();
  }

  /**
   * Whether Beam can find the file at {@code path} again from that text. Beam reads a path's
   * scheme with a regular expression whose {@code .} stops at a line break ({@code \n}, {@code
   * \r}, U+0085, U+2028, U+2029), so {@code s3://b/a\nb.jsonl} is taken, or decoded after
   * a shuffle, for a local path, and every look at it fails (or, in a batch with other paths,
   * fails them all). A file whose path has a line break is therefore never claimed, on any file
   * system: it is warned about, counted, and left to {@code audit}, which lists it as not loaded.
   */
  public static boolean isAddressable(String path) {
    return !LINE_BREAK.matcher(path).find();
  }

  /** Why the file at {@code path} is not ingested, for the log of each step that skips it. */
  public static String unaddressable(String path) {
    return printable(path) + " is not ingested: its name has a line break, which Beam's file"
        + " systems cannot address (./manage.sh audit lists it as not loaded); copy it to a name"
        + " without one";
  }

  /** {@code path} with its line breaks and other control characters escaped, for one log line. */
  public static String printable(String path) {
    StringBuilder out = new StringBuilder(path.length());
    path.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
        out.append(String.format(Locale.ROOT, "\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  @Override
  public String toString() {
    return "IngestibleFileNames(ignoring " + ignored + ")";
  }
}
