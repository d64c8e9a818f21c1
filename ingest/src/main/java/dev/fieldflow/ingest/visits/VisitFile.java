package dev.fieldflow.ingest.visits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * A visit file version taken from the ledger for one attempt at ingesting it.
 *
 * @param fileId the ledger row ({@code ingest_files.file_id}); also the staging key
 * @param attempt the ledger's attempt number: progress of an older attempt is ignored
 * @param path the file's full URI or absolute path, as stored with its rows
 * @param version etag, or size and mtime ({@link dev.fieldflow.io.files.FileVersion})
 */
@DefaultCoder(VisitFile.FileCoder.class)
public record VisitFile(long fileId, int attempt, String path, String version) {

  /** {@code path (file 12, attempt 2)} for logs. */
  public String describe() {
    return path + " (file " + fileId + ", attempt " + attempt + ")";
  }

  /** File id and attempt as varints, path and version as UTF-8. Deterministic. */
  public static final class FileCoder extends AtomicCoder<VisitFile> {
    private static final FileCoder INSTANCE = new FileCoder();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();

    public static FileCoder of() {
      return INSTANCE;
    }

    /** Found by {@code @DefaultCoder} on {@link VisitFile}. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(VisitFile.class), INSTANCE);
    }

    private FileCoder() {}

    @Override
    public void encode(VisitFile file, OutputStream out) throws IOException {
      LONG.encode(file.fileId(), out);
      INT.encode(file.attempt(), out);
      STRING.encode(file.path(), out);
      STRING.encode(file.version(), out);
    }

    @Override
    public VisitFile decode(InputStream in) throws IOException {
      return new VisitFile(LONG.decode(in), INT.decode(in), STRING.decode(in), STRING.decode(in));
    }

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }
}
