package dev.fieldflow.transforms;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.LocalDate;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A calendar date as its epoch day, a varlong: 2 or 3 bytes for dates of this century. */
final class EpochDayCoder extends AtomicCoder<LocalDate> {
  private static final EpochDayCoder INSTANCE = new EpochDayCoder();
  private static final VarLongCoder EPOCH_DAY = VarLongCoder.of();

  static EpochDayCoder of() {
    return INSTANCE;
  }

  private EpochDayCoder() {}

  @Override
  public void encode(LocalDate value, OutputStream out) throws IOException {
    EPOCH_DAY.encode(value.toEpochDay(), out);
  }

  @Override
  public LocalDate decode(InputStream in) throws IOException {
    return LocalDate.ofEpochDay(EPOCH_DAY.decode(in));
  }

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
