package dev.fieldflow.pipelines.repair;

import dev.fieldflow.io.files.FileVersion;
import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.io.files.LocalPatterns;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * One file of the input as it is now (local or {@code s3://}): what replay and requeue read.
 * The repair commands work on exactly one file at a time, so a path with a wildcard is refused,
 * unless it is the name of a local file (Beam looks for a file of exactly that name first).
 */
final class CurrentFile {
  private CurrentFile() {}

  /**
   * The file {@code path} now, or empty when it is not there (deleted, moved).
   *
   * @throws IllegalArgumentException if {@code path} is a pattern or a directory
   * @throws IOException if it cannot be looked at (permission, endpoint)
   */
  static Optional<MatchResult.Metadata> look(String path) throws IOException {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("no file given");
    }
    if (!IngestibleFileNames.isAddressable(path)) {
      throw new IllegalArgumentException("'" + IngestibleFileNames.printable(path) + "' has a line"
          + " break in its name, which Beam's file systems cannot address; copy the file to a name"
          + " without one and load that");
    }
    if (LocalPatterns.hasWildcard(path) && !LocalPatterns.isLocalFile(path)) {
      throw new IllegalArgumentException("'" + path + "' is a pattern; give one file's path, as"
          + " ./manage.sh audit prints it");
    }
    MatchResult result = LocalPatterns.matchEach(List.of(path)).get(0);
    if (result.status() == MatchResult.Status.NOT_FOUND) {
      return Optional.empty();
    }
    List<MatchResult.Metadata> found;
    try {
      found = result.metadata();
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
    if (found.isEmpty()) {
      return Optional.empty();
    }
    MatchResult.Metadata file = found.get(0);
    if (file.resourceId().isDirectory()) {
      throw new IllegalArgumentException("'" + path + "' is a directory; give one file's path");
    }
    return Optional.of(file);
  }

  /**
   * The version a listing records for {@code file} (size and mtime: Beam's listings report no
   * etag), which is the form the visit pipeline writes into the ledger.
   */
  static String listedVersion(MatchResult.Metadata file) {
    return "size:" + file.sizeBytes() + ",mtime:" + file.lastModifiedMillis();
  }

  /** Whether the ledger's {@code recorded} version is {@code file}'s version now. */
  static boolean isVersion(String recorded, MatchResult.Metadata file) {
    return FileVersion.matches(recorded, file);
  }

  /** The path the ledger records for {@code file}. */
  static String path(MatchResult.Metadata file) {
    return FileVersion.path(file);
  }
}
