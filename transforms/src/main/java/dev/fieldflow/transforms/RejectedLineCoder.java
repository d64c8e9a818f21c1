package dev.fieldflow.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Encodes a {@link RejectedLine} in record order: strings as UTF-8, numbers as varints, the
 * reason as its ordinal. Deterministic; the default coder of {@link RejectedLine}.
 */
public final class RejectedLineCoder extends AtomicCoder<RejectedLine> {
  private static final RejectedLineCoder INSTANCE = new RejectedLineCoder();
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final VarIntCoder INT = VarIntCoder.of();
  private static final RejectReason[] REASONS = RejectReason.values();

  public static RejectedLineCoder of() {
    return INSTANCE;
  }

  /** Found by {@code @DefaultCoder} on {@link RejectedLine}. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(RejectedLine.class), INSTANCE);
  }

  private RejectedLineCoder() {}

  @Override
  public void encode(RejectedLine value, OutputStream out) throws IOException {
    STRING.encode(value.file(), out);
    LONG.encode(value.lineNumber(), out);
    STRING.encode(value.rawText(), out);
    INT.encode(value.originalLength(), out);
    INT.encode(value.reason().ordinal(), out);
    STRING.encode(value.message(), out);
  }

  @Override
  public RejectedLine decode(InputStream in) throws IOException {
    return new RejectedLine(
        STRING.decode(in),
        LONG.decode(in),
        STRING.decode(in),
        INT.decode(in),
        decodeReason(in),
        STRING.decode(in));
  }

  private static RejectReason decodeReason(InputStream in) throws IOException {
    int ordinal = INT.decode(in);
    if (ordinal < 0 || ordinal >= REASONS.length) {
      throw new CoderException("unknown RejectReason ordinal " + ordinal);
    }
    return REASONS[ordinal];
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
