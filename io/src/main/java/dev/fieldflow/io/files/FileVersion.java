package dev.fieldflow.io.files;

import java.util.OptionalLong;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The version of a file as the ledger records it: the object's checksum (an S3 etag) when the
 * file system reports one, otherwise its size and modification time. A new version of the same
 * path is a new file to ingest; the same version is the same file.
 */
public final class FileVersion {
  private FileVersion() {}

  /** {@code etag:<checksum>} or {@code size:<bytes>,mtime:<millis>}. */
  public static String of(MatchResult.Metadata metadata) {
    String checksum = metadata.checksum();
    if (checksum != null && !checksum.isEmpty()) {
      return "etag:" + checksum;
    }
    return sizeAndTime(metadata);
  }

  /**
   * {@code size:<bytes>,mtime:<millis>}, whatever else is known: the form a listing gives (Beam's
   * S3 listing reports no etag), so an object looked at alone (HEAD, after an S3 event
   * notification) is recorded as the same version a listing of it records.
   */
  public static String sizeAndTime(MatchResult.Metadata metadata) {
    return "size:" + metadata.sizeBytes() + ",mtime:" + metadata.lastModifiedMillis();
  }

  /**
   * Whether {@code recorded} (a version the ledger has) is the version of the file now. Both
   * forms are accepted: Beam's S3 file system reports an etag when it looks at one object
   * (HEAD) but not in a listing, so the same object can be recorded either way.
   */
  public static boolean matches(String recorded, MatchResult.Metadata now) {
    return recorded.equals(of(now))
        || recorded.equals(sizeAndTime(now));
  }

  /**
   * The size in bytes a version of the {@code size:<bytes>,mtime:<millis>} form records; empty
   * for an etag (an S3 object, which is never appended to in place).
   */
  public static OptionalLong sizeBytes(String version) {
    if (version.startsWith("size:")) {
      int comma = version.indexOf(',');
      try {
        return OptionalLong.of(Long.parseLong(
            version.substring("size:".length(), comma < 0 ? version.length() : comma)));
      } catch (NumberFormatException e) {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.empty();
  }

  /** The path the ledger records: the file's full URI or absolute local path. */
  public static String path(MatchResult.Metadata metadata) {
    return metadata.resourceId().toString();
  }
}
