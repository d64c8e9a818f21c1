package dev.fieldflow.io.files;

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
    return "size:" + metadata.sizeBytes() + ",mtime:" + metadata.lastModifiedMillis();
  }

  /** The path the ledger records: the file's full URI or absolute local path. */
  public static String path(MatchResult.Metadata metadata) {
    return metadata.resourceId().toString();
  }
}
