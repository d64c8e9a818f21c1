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
 * Encodes a {@link Visit} field by field in record order: numbers as varints, dates as epoch
 * days, note tokens as a varint count and varints, the outcome as its ordinal, file as UTF-8.
 * Deterministic; the default coder of {@link Visit}.
 */
public final class VisitCoder extends AtomicCoder<Visit> {
  private static final VisitCoder INSTANCE = new VisitCoder();
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final VarIntCoder INT = VarIntCoder.of();
  private static final EpochDayCoder DATE = EpochDayCoder.of();
  private static final VarIntArrayCoder INTS = VarIntArrayCoder.of();
  private static final Outcome[] OUTCOMES = Outcome.values();

  public static VisitCoder of() {
    return INSTANCE;
  }

  /** Found by {@code @DefaultCoder} on {@link Visit}. */
  public static CoderProvider getCoderProvider() {
    return CoderProviders.forCoder(TypeDescriptor.of(Visit.class), INSTANCE);
  }

  private VisitCoder() {}

  @Override
  public void encode(Visit value, OutputStream out) throws IOException {
    LONG.encode(value.taskId(), out);
    INT.encode(value.visitId(), out);
    INT.encode(value.nodeId(), out);
    DATE.encode(value.visitDate(), out);
    DATE.encode(value.originalReportedDate(), out);
    INT.encode(value.nodeAge(), out);
    INT.encode(value.nodeType(), out);
    INT.encode(value.taskType(), out);
    INT.encode(value.engineerSkillLevel(), out);
    INTS.encode(value.noteTokens(), out);
    INT.encode(value.outcome().ordinal(), out);
    STRING.encode(value.file(), out);
    LONG.encode(value.lineNumber(), out);
  }

  @Override
  public Visit decode(InputStream in) throws IOException {
    return new Visit(
        LONG.decode(in),
        INT.decode(in),
        INT.decode(in),
        DATE.decode(in),
        DATE.decode(in),
        INT.decode(in),
        INT.decode(in),
        INT.decode(in),
        INT.decode(in),
        INTS.decode(in),
        decodeOutcome(in),
        STRING.decode(in),
        LONG.decode(in));
  }

  private static Outcome decodeOutcome(InputStream in) throws IOException {
    int ordinal = INT.decode(in);
    if (ordinal < 0 || ordinal >= OUTCOMES.length) {
      throw new CoderException("unknown Outcome ordinal " + ordinal);
    }
    return OUTCOMES[ordinal];
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
