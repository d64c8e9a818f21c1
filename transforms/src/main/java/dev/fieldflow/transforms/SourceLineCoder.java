package dev.fieldflow.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Encodes a {@link SourceLine} as file (UTF-8), line number (varlong), text (UTF-8).
 * Deterministic; the default coder of {@link SourceLine}.
 */
public final class SourceLineCoder extends AtomicCoder<SourceLine> {
  private static final SourceLineCoder INSTANCE = new SourceLineCoder();
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final VarLongCoder LONG = VarLongCoder.of();

  public static SourceLineCoder of() {
    return INSTANCE;
  }

  /** Found by {@code @DefaultCoder} on {@link SourceLine}. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(SourceLine.class), INSTANCE);
  }

  private SourceLineCoder() {}

  @Override
  public void encode(SourceLine value, OutputStream out) throws IOException {
    STRING.encode(value.file(), out);
    LONG.encode(value.lineNumber(), out);
    STRING.encode(value.text(), out);
  }

  @Override
  public SourceLine decode(InputStream in) throws IOException {
    return new SourceLine(STRING.decode(in), LONG.decode(in), STRING.decode(in));
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
