package dev.fieldflow.ingest.notifications;

import dev.fieldflow.io.files.IngestibleFileNames;
import java.io.Serializable;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystemUtils;

/**
 * The visit input as a filter of object paths: the glob the watch and the backfill list (Beam's
 * wildcards: {@code *} within a directory, {@code **} across), and the file names that are
 * ingested. A notified object must pass both, as a listed one would.
 */
public final class InputPattern implements Serializable {
  private final String glob;
  private final IngestibleFileNames names;
  private transient Pattern regex;

  public InputPattern(String glob, IngestibleFileNames names) {
    if (glob == null || !glob.startsWith("s3://")) {
      throw new IllegalArgumentException("S3 event notifications need an s3://bucket/prefix/ input, but it was " + glob);
    }
    this.glob = glob;
    this.names = names;
  }

  public String glob() {
    return glob;
  }

  /** The fixed part of the glob, before its first wildcard: {@code s3://bucket/visits/}. */
  public String prefix() {
    int wildcard = glob.length();
    for (char c : new char[] {'*', '?', '[', '{'}) {
      int at = glob.indexOf(c);
      if (at >= 0) {
        wildcard = Math.min(wildcard, at);
      }
    }
    return glob.substring(0, wildcard);
  }

  /** Whether {@code path} ({@code s3://bucket/key}) is under the input's glob. */
  public boolean covers(String path) {
    if (regex == null) {
      regex = Pattern.compile(FileSystemUtils.wildcardToRegexp(glob));
    }
    return regex.matcher(path).matches();
  }

  /** Whether the file's name is one that is ingested (not hidden, not temporary). */
  public boolean ingests(String path) {
    return names.isIngested(path);
  }
}
