package dev.fieldflow.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderProvider;
import org.apache.beam.sdk.coders.CoderProviders;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Encodes an {@link AdjacencyLine} as file (UTF-8), line number (varlong), node (varint),
 * neighbours (varint count, then varints). Deterministic; the default coder of {@link
 * AdjacencyLine}.
 */
public final class AdjacencyLineCoder extends AtomicCoder<AdjacencyLine> {
  private static final AdjacencyLineCoder INSTANCE = new AdjacencyLineCoder();
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final VarIntCoder INT = VarIntCoder.of();
  private static final VarIntArrayCoder INTS = VarIntArrayCoder.of();

  public static AdjacencyLineCoder of() {
    return INSTANCE;
  }

  /** Found by {@code @DefaultCoder} on {@link AdjacencyLine}. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(AdjacencyLine.class), INSTANCE);
  }

  private AdjacencyLineCoder() {}

  @Override
  public void encode(AdjacencyLine value, OutputStream out) throws IOException {
    STRING.encode(value.file(), out);
    LONG.encode(value.lineNumber(), out);
    INT.encode(value.nodeId(), out);
    INTS.encode(value.neighbours(), out);
  }

  @Override
  public AdjacencyLine decode(InputStream in) throws IOException {
    return new AdjacencyLine(STRING.decode(in), LONG.decode(in), INT.decode(in), INTS.decode(in));
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
