package dev.fieldflow.io.visits;

import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;

/**
 * A visit file version taken from the ledger for one attempt at ingesting it.
 *
 * @param fileId the ledger row ({@code ingest_files.file_id}); also the staging key
 * @param attempt the ledger's attempt number: progress of an older attempt is ignored
 * @param path the file's full URI or absolute path, as stored with its rows
 * @param version etag, or size and mtime ({@link dev.fieldflow.io.files.FileVersion})
 */
@DefaultCoder(SerializableCoder.class)
public record VisitFile(long fileId, int attempt, String path, String version)
    implements Serializable {

  /** {@code path (file 12, attempt 2)} for logs. */
  public String describe() {
    return path + " (file " + fileId + ", attempt " + attempt + ")";
  }
}
