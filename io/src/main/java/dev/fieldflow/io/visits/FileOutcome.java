package dev.fieldflow.io.visits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * An attempt at a file that has nothing left in flight: either every line it read is staged or
 * quarantined ({@code error} null) and the file can be committed, or it failed with {@code
 * error}.
 */
@DefaultCoder(FileOutcome.OutcomeCoder.class)
public record FileOutcome(VisitFile file, long visits, long rejects, String error) {

  public static FileOutcome complete(VisitFile file, long visits, long rejects) {
    return new FileOutcome(file, visits, rejects, null);
  }

  public static FileOutcome failed(VisitFile file, String error) {
    return new FileOutcome(file, 0, 0, error);
  }

  public boolean isComplete() {
    return error == null;
  }

  /** The file, the two totals as varints, the error (nullable UTF-8). Deterministic. */
  public static final class OutcomeCoder extends AtomicCoder<FileOutcome> {
    private static final OutcomeCoder INSTANCE = new OutcomeCoder();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final NullableCoder<String> ERROR = NullableCoder.of(StringUtf8Coder.of());

    public static OutcomeCoder of() {
      return INSTANCE;
    }

    /** Found by {@code @DefaultCoder} on {@link FileOutcome}. */
    public static CoderProvider getCoderProvider() {
      return CoderProviders.forCoder(TypeDescriptor.of(FileOutcome.class), INSTANCE);
    }

    private OutcomeCoder() {}

    @Override
    public void encode(FileOutcome outcome, OutputStream out) throws IOException {
      VisitFile.FileCoder.of().encode(outcome.file(), out);
      LONG.encode(outcome.visits(), out);
      LONG.encode(outcome.rejects(), out);
      ERROR.encode(outcome.error(), out);
    }

    @Override
    public FileOutcome decode(InputStream in) throws IOException {
      return new FileOutcome(
          VisitFile.FileCoder.of().decode(in), LONG.decode(in), LONG.decode(in), ERROR.decode(in));
    }

    @Override
    public boolean consistentWithEquals() {
      return true;
    }
  }
}
