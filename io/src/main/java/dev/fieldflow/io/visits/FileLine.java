package dev.fieldflow.io.visits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One line's result (a visit or a rejected line) tagged with the attempt at the file it came
 * from, so that each written batch can report its share of every file to the tracker.
 *
 * @param version the file version, which the quarantine stores with each rejected line
 */
public record FileLine<T>(long fileId, int attempt, String version, T value) {

  static <T> FileLine<T> of(VisitFile file, T value) {
    return new FileLine<>(file.fileId(), file.attempt(), file.version(), value);
  }

  /** Encodes the tag compactly around the value's own coder. */
  public static final class LineCoder<T> extends CustomCoder<FileLine<T>> {
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private final Coder<T> valueCoder;

    private LineCoder(Coder<T> valueCoder) {
      this.valueCoder = valueCoder;
    }

    public static <T> LineCoder<T> of(Coder<T> valueCoder) {
      return new LineCoder<>(valueCoder);
    }

    @Override
    public void encode(FileLine<T> line, OutputStream out) throws IOException {
      LONG.encode(line.fileId(), out);
      INT.encode(line.attempt(), out);
      STRING.encode(line.version(), out);
      valueCoder.encode(line.value(), out);
    }

    @Override
    public FileLine<T> decode(InputStream in) throws IOException {
      return new FileLine<>(LONG.decode(in), INT.decode(in), STRING.decode(in), valueCoder.decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(valueCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      valueCoder.verifyDeterministic();
    }
  }
}
