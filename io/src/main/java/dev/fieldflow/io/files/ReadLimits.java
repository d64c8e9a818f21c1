package dev.fieldflow.io.files;

import java.io.Serializable;

/**
 * How much of a file {@link ReadLines} reads before it gives up on a line or on the whole file,
 * so that no input, however large or hostile, can exhaust the reader's memory.
 *
 * @param maxLineBytes the longest line, in bytes without its terminator; a longer line is
 *     rejected as {@code line_too_long} (its first 64 KiB kept) without ever being held whole
 * @param maxDecompressedBytes the most bytes a compressed file may decompress to; past it the
 *     file fails as {@code decompression_limit}
 * @param maxCompressionRatio the most decompressed bytes per compressed byte, checked once
 *     {@link #RATIO_CHECKED_AFTER_BYTES} have been decompressed; past it the file fails as
 *     {@code compression_ratio} (a gzip bomb reaches 1000:1, JSON lines about 10:1)
 */
public record ReadLimits(int maxLineBytes, long maxDecompressedBytes, int maxCompressionRatio)
    implements Serializable {

  public static final int DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
  public static final long DEFAULT_MAX_DECOMPRESSED_BYTES = 4L * 1024 * 1024 * 1024;
  public static final int DEFAULT_MAX_COMPRESSION_RATIO = 200;

  /**
   * The largest line limit accepted: a line is held in memory once as bytes and once as text,
   * so a larger limit would let one line take most of a worker's heap.
   */
  public static final int MAX_LINE_BYTES_ALLOWED = 256 * 1024 * 1024;

  /**
   * Decompressed bytes read before the ratio is checked: the first few MiB of a file (a header,
   * a run of similar lines) may compress far better than the file as a whole.
   */
  public static final long RATIO_CHECKED_AFTER_BYTES = 8L * 1024 * 1024;

  /**
   * Heap bytes one line of a byte may take while it is read and loaded: its bytes, its text, the
   * parser's copy of its longest value and the quarantine's, two loads at once, with room left.
   * A line is read whole only up to the worker's heap over this ({@link #lineLimitInThisJvm}):
   * 32 MiB at {@code -Xmx512m}. A 200 MB line under a 256 MiB {@code --maxLineBytes} stopped a
   * {@code -Xmx512m} pipeline with OutOfMemoryError, which no input may do.
   */
  public static final int HEAP_BYTES_PER_LINE_BYTE = 16;

  public ReadLimits {
    checkArgument(maxLineBytes > 0 && maxLineBytes <= MAX_LINE_BYTES_ALLOWED,
        "--maxLineBytes must be in 1..%s, but was %s", MAX_LINE_BYTES_ALLOWED, maxLineBytes);
    checkArgument(maxDecompressedBytes > 0,
        "--maxDecompressedBytes must be > 0, but was %s", maxDecompressedBytes);
    checkArgument(maxCompressionRatio >= 1,
        "--maxCompressionRatio must be >= 1, but was %s", maxCompressionRatio);
  }

  /**
   * The longest line this JVM reads whole: {@link #maxLineBytes}, or less when this JVM's heap
   * cannot hold a line that long ({@link #HEAP_BYTES_PER_LINE_BYTE}). Worked out where the file
   * is read (a worker's heap, not the launcher's).
   */
  public int lineLimitInThisJvm() {
    return lineLimit(Runtime.getRuntime().maxMemory());
  }

  /** The longest line a heap of {@code maxHeapBytes} reads whole, at most {@link #maxLineBytes}. */
  int lineLimit(long maxHeapBytes) {
    return (int) Math.min(maxLineBytes, Math.max(1, maxHeapBytes / HEAP_BYTES_PER_LINE_BYTE));
  }

  /** 1 MiB lines, 4 GiB decompressed, 200:1. */
  public static ReadLimits defaults() {
    return new ReadLimits(
        DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_COMPRESSION_RATIO);
  }

  private static void checkArgument(boolean condition, String message, Object... values) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(message, values));
    }
  }
}
