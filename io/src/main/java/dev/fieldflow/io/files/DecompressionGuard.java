package dev.fieldflow.io.files;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.apache.beam.sdk.io.Compression;

/**
 * The decompressed content of a file, refused as soon as it grows past {@link
 * ReadLimits#maxDecompressedBytes()} or past {@link ReadLimits#maxCompressionRatio()} times the
 * compressed bytes read so far: a gzip bomb fails after a few MiB, never read to its end.
 *
 * <p>A compressed file whose own bytes do not decompress is refused too ({@code corrupt_gzip}
 * for gzip, {@code corrupt_compressed} for the others Beam reads; see {@link #judged}): the same
 * bytes fail the same way at every attempt, so retrying it would only fail again, forever. An
 * error of the source that holds the bytes passes as it is, to be retried.
 */
final class DecompressionGuard extends FilterInputStream {
  private final CountingInputStream compressed;
  private final Compression compression;
  private final String path;
  private final ReadLimits limits;
  private long decompressed;

  DecompressionGuard(InputStream decompressed, CountingInputStream compressed,
      Compression compression, String path, ReadLimits limits) {
    super(decompressed);
    this.compressed = compressed;
    this.compression = compression;
    this.path = path;
    this.limits = limits;
  }

  @Override
  public int read() throws IOException {
    int b;
    try {
      b = super.read();
    } catch (IOException e) {
      throw judged(e, compressed, compression, path);
    } catch (RuntimeException e) {
      throw refusalOr(e, compressed, compression, path);
    }
    if (b >= 0) {
      counted(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n;
    try {
      n = super.read(buffer, offset, length);
    } catch (IOException e) {
      throw judged(e, compressed, compression, path);
    } catch (RuntimeException e) {
      throw refusalOr(e, compressed, compression, path);
    }
    if (n > 0) {
      counted(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped;
    try {
      skipped = super.skip(n);
    } catch (IOException e) {
      throw judged(e, compressed, compression, path);
    } catch (RuntimeException e) {
      throw refusalOr(e, compressed, compression, path);
    }
    counted(skipped);
    return skipped;
  }

  /**
   * What an error out of the decompressor of {@code path} means. The source's own errors (it
   * raised one, or it ended before its size) stay what they are: transient, the file is tried
   * again. Any other error of a decompressor is in the file's bytes: a {@code corrupt_gzip}
   * refusal for gzip, {@code corrupt_compressed} for the other compressions, saying what is
   * wrong and after how many compressed bytes it was found (an upper bound: the decompressor
   * reads ahead by a buffer).
   */
  static IOException judged(IOException e, CountingInputStream compressed,
      Compression compression, String path) {
    FileRejectedException corrupt = corrupt(e, compressed, compression, path);
    return corrupt == null ? e : corrupt;
  }

  /**
   * {@link #judged} for an unchecked error out of a decompressor other than gzip's (zip's throws
   * IllegalArgumentException for an entry name that is not UTF-8): thrown as a refusal if it is
   * in the file's bytes, else returned to be rethrown as it is. Gzip's raises none of its own.
   */
  static RuntimeException refusalOr(RuntimeException e, CountingInputStream compressed,
      Compression compression, String path) throws FileRejectedException {
    FileRejectedException corrupt = compression == Compression.GZIP ? null
        : corrupt(e, compressed, compression, path);
    if (corrupt != null) {
      throw corrupt;
    }
    return e;
  }

  /** The refusal {@code e} means, or null if it is not the file's bytes' fault. */
  private static FileRejectedException corrupt(Exception e, CountingInputStream compressed,
      Compression compression, String path) {
    if (e instanceof FileRejectedException || compressed.sourceFailed()) {
      return null;
    }
    return compression == Compression.GZIP
        ? corruptGzip((IOException) e, compressed, path)
        : corruptOther(e, compressed, compression, path);
  }

  private static String detail(Exception e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  /** The gzip refusal, as it has been since {@code corrupt_gzip} exists; null if not corrupt. */
  private static FileRejectedException corruptGzip(IOException e, CountingInputStream compressed,
      String path) {
    boolean truncated = e instanceof EOFException;
    if (truncated && compressed.endedBeforeItsSize()) {
      return null;
    }
    String message = e.getMessage() == null ? "" : e.getMessage();
    String what;
    if (truncated) {
      what = "it is truncated: its gzip stream ends unfinished after its " + compressed.count()
          + " bytes";
    } else if (message.contains("CRC32")) {
      what = "its gzip checksum (CRC32) does not match its content, found within its first "
          + compressed.count() + " compressed bytes";
    } else if (message.contains("size mismatch")) {
      what = "its gzip trailer's length does not match its content, found within its first "
          + compressed.count() + " compressed bytes";
    } else if (message.startsWith("Garbage after")) {
      what = "it has data after the end of its gzip stream that is not gzip (trailing bytes or"
          + " padding; gzip -t tolerates zero padding there, fieldflow does not), found within"
          + " its first " + compressed.count() + " compressed bytes";
    } else if (message.contains(".gz header") || message.contains("not in the .gz format")) {
      what = "its gzip header is not valid (a file of another kind may start with gzip's magic"
          + " bytes 1f 8b)";
    } else {
      what = "its compressed data is not valid gzip, found within its first " + compressed.count()
          + " compressed bytes";
    }
    FileRejectedException corrupt = new FileRejectedException(path,
        FileRejectedException.Reason.CORRUPT_GZIP, what + " (" + detail(e) + ")",
        "re-upload it as a complete gzip file (gzip -t checks one before it is sent)");
    corrupt.initCause(e);
    return corrupt;
  }

  /**
   * The refusal of a file of another compression whose bytes do not decompress; null if the
   * error is its source's. The decompressors say "truncated" in their own words: an {@link
   * EOFException} (zlib, zip), "Unexpected end of stream" (bzip2), "Premature end of" (snappy),
   * "Truncated source" (zstd-jni).
   */
  private static FileRejectedException corruptOther(Exception e, CountingInputStream compressed,
      Compression compression, String path) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    boolean truncated = e instanceof EOFException || message.startsWith("Unexpected end of")
        || message.startsWith("Premature end of") || message.startsWith("Truncated source");
    if (truncated && compressed.endedBeforeItsSize()) {
      return null;
    }
    String format = formatName(compression);
    long count = compressed.count();
    String what;
    String whatToDo = whatToDo(compression);
    if (compression == Compression.ZIP && e instanceof IllegalArgumentException
        && message.startsWith("malformed input")) {
      what = "the name of an entry is not UTF-8, which Beam's zip reader requires, found within"
          + " its first " + count + " compressed bytes";
      whatToDo = "re-upload it as a zip whose entry names are UTF-8, or gzip-compressed";
    } else if (truncated && compression == Compression.SNAPPY) {
      // Raw snappy has no checksum: a changed length reads as an early end too.
      what = "its snappy stream ends before the data it announces, after its " + count
          + " bytes: it is truncated, or a length in it is not valid";
    } else if (truncated) {
      what = "it is truncated: its " + format + " stream ends unfinished after its " + count
          + " bytes";
    } else if (message.startsWith("Garbage after")) {
      what = "it has data after the end of its " + format + " stream that is not " + format
          + " (trailing bytes or padding), found within its first " + count + " compressed bytes";
    } else if (message.contains("not in the BZip2 format")
        || message.equals("incorrect header check")) {
      what = "its " + format + " header is not valid (it may be a file of another kind under a "
          + path.substring(path.lastIndexOf('.')) + " name)";
    } else if (message.contains("CRC") || message.equals("incorrect data check")) {
      what = "its " + format + " checksum does not match its content, found within its first "
          + count + " compressed bytes";
    } else {
      what = "its compressed data is not valid " + format + ", found within its first " + count
          + " compressed bytes";
    }
    FileRejectedException corrupt = new FileRejectedException(path,
        FileRejectedException.Reason.CORRUPT_COMPRESSED, what + " (" + detail(e) + ")", whatToDo);
    corrupt.initCause(e);
    return corrupt;
  }

  /** The name a producer knows the format by. */
  static String formatName(Compression compression) {
    return switch (compression) {
      case DEFLATE -> "deflate (zlib)";
      default -> compression.name().toLowerCase(Locale.ROOT);
    };
  }

  /** What the producer of a corrupt file of {@code compression} should do, with a checker. */
  private static String whatToDo(Compression compression) {
    String checker = switch (compression) {
      case BZIP2 -> "bzip2 -t";
      case ZSTD -> "zstd -t";
      case ZIP -> "unzip -t";
      case LZOP -> "lzop -t";
      default -> null;
    };
    return "re-upload it as a complete " + formatName(compression) + " file"
        + (checker == null ? "" : " (" + checker + " checks one before it is sent)");
  }

  private void counted(long n) throws FileRejectedException {
    decompressed += n;
    if (decompressed > limits.maxDecompressedBytes()) {
      throw new FileRejectedException(path, FileRejectedException.Reason.DECOMPRESSION_LIMIT,
          "decompresses to more than " + limits.maxDecompressedBytes() + " bytes",
          "split it into smaller files, or raise --maxDecompressedBytes if it is genuine");
    }
    long ratio = decompressed / Math.max(1, compressed.count());
    if (decompressed > ReadLimits.RATIO_CHECKED_AFTER_BYTES
        && ratio > limits.maxCompressionRatio()) {
      throw new FileRejectedException(path, FileRejectedException.Reason.COMPRESSION_RATIO,
          compressed.count() + " compressed bytes decompressed to " + decompressed
              + " (more than " + limits.maxCompressionRatio() + ":1), a decompression bomb's"
              + " ratio",
          "check where the file came from; raise --maxCompressionRatio if it is genuine");
    }
  }
}
