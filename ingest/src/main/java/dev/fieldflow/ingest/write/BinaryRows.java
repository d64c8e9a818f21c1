package dev.fieldflow.ingest.write;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * Rows encoded in PostgreSQL's "binary copy file format", in memory: per row a 16-bit field
 * count and per field a 32-bit length and the value in network byte order; {@code date} as days
 * since 2000-01-01, {@code int4[]} as dimensions, null flag, element OID, length, lower bound,
 * then each element with its length. The file's header and trailer are {@link BinaryCopyRows}'s
 * business, which sends rows like these, in any order, to any table with the same columns.
 *
 * <p>Fields are appended with the typed {@code put*} methods after {@link #startRow}; a row must
 * get exactly one value per column. Where each row starts is recorded, so that the rows can be
 * sent in another order. Not thread-safe.
 */
public final class BinaryRows {
  private static final long POSTGRES_EPOCH_DAY = LocalDate.of(2000, 1, 1).toEpochDay();
  private static final int INT4_OID = 23;

  private final int columns;
  private byte[] buffer;
  private int size;
  private int[] rowStarts = new int[256];
  private int rows;
  private int fieldsInRow = -1;

  /** Rows of {@code columns} fields; memory grows as rows are added, from {@code initialBytes}. */
  public BinaryRows(int columns, int initialBytes) {
    if (columns <= 0) {
      throw new IllegalArgumentException("columns must be > 0, but was " + columns);
    }
    this.columns = columns;
    this.buffer = new byte[Math.max(initialBytes, 64)];
  }

  /** Starts a row; the previous one must have had exactly one value per column. */
  public BinaryRows startRow() {
    checkRowComplete();
    if (rows == rowStarts.length) {
      rowStarts = Arrays.copyOf(rowStarts, rows * 2);
    }
    rowStarts[rows++] = size;
    ensure(2);
    buffer[size++] = (byte) (columns >>> 8);
    buffer[size++] = (byte) columns;
    fieldsInRow = 0;
    return this;
  }

  public BinaryRows putLong(long value) {
    field(8);
    int64(value);
    return this;
  }

  public BinaryRows putInt(int value) {
    field(4);
    int32(value);
    return this;
  }

  public BinaryRows putDate(LocalDate date) {
    field(4);
    int32(Math.toIntExact(date.toEpochDay() - POSTGRES_EPOCH_DAY));
    return this;
  }

  public BinaryRows putText(String text) {
    return putUtf8(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A {@code text} value already encoded as UTF-8 (a value repeated on every row, say). */
  public BinaryRows putUtf8(byte[] utf8) {
    field(utf8.length);
    ensure(utf8.length);
    System.arraycopy(utf8, 0, buffer, size, utf8.length);
    size += utf8.length;
    return this;
  }

  /** A one-dimensional {@code int4[]}; an empty array has no dimension, as PostgreSQL writes it. */
  public BinaryRows putIntArray(int[] values) {
    if (values.length == 0) {
      field(12);
      int32(0);
      int32(0);
      int32(INT4_OID);
      return this;
    }
    field(20 + 8 * values.length);
    int32(1); // dimensions
    int32(0); // no nulls
    int32(INT4_OID);
    int32(values.length);
    int32(1); // lower bound
    ensure(8 * values.length);
    for (int v : values) {
      int32(4);
      int32(v);
    }
    return this;
  }

  public int columns() {
    return columns;
  }

  /** Rows started so far. */
  public int rows() {
    return rows;
  }

  /** Bytes the rows take so far. */
  public int bytes() {
    return size;
  }

  /** Forgets every row; the memory is kept for the next ones. */
  public void clear() {
    size = 0;
    rows = 0;
    fieldsInRow = -1;
  }

  /** Fails unless the last row started has exactly one value per column. */
  void checkRowComplete() {
    if (fieldsInRow >= 0 && fieldsInRow != columns) {
      throw new IllegalStateException("a row got " + fieldsInRow + " values for " + columns
          + " columns");
    }
  }

  /** Where row {@code row} starts. */
  int start(int row) {
    return rowStarts[row];
  }

  /** Where row {@code row} ends (the next row's start). */
  int end(int row) {
    return row + 1 < rows ? rowStarts[row + 1] : size;
  }

  byte[] buffer() {
    return buffer;
  }

  private void field(int length) {
    if (fieldsInRow < 0) {
      throw new IllegalStateException("startRow() first");
    }
    fieldsInRow++;
    int32(length);
  }

  private void ensure(int more) {
    if (size + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
    }
  }

  private void int32(int v) {
    ensure(4);
    buffer[size++] = (byte) (v >>> 24);
    buffer[size++] = (byte) (v >>> 16);
    buffer[size++] = (byte) (v >>> 8);
    buffer[size++] = (byte) v;
  }

  private void int64(long v) {
    int32((int) (v >>> 32));
    int32((int) v);
  }
}
