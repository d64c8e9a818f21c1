package dev.fieldflow.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * An {@code int[]} as its length and then each element, all varints: note tokens and node
 * numbers are small non-negative numbers, mostly one or two bytes each.
 */
final class VarIntArrayCoder extends AtomicCoder<int[]> {
  private static final VarIntArrayCoder INSTANCE = new VarIntArrayCoder();
  private static final VarIntCoder INT = VarIntCoder.of();

  static VarIntArrayCoder of() {
    return INSTANCE;
  }

  private VarIntArrayCoder() {}

  @Override
  public void encode(int[] value, OutputStream out) throws IOException {
    INT.encode(value.length, out);
    for (int element : value) {
      INT.encode(element, out);
    }
  }

  @Override
  public int[] decode(InputStream in) throws IOException {
    int length = INT.decode(in);
    if (length < 0) {
      throw new CoderException("negative int[] length " + length);
    }
    int[] value = new int[length];
    for (int i = 0; i < length; i++) {
      value[i] = INT.decode(in);
    }
    return value;
  }
}
