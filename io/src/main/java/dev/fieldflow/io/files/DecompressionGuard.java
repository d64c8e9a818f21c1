package dev.fieldflow.io.files;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.beam.sdk.io.Compression;

/**
 * The decompressed content of a file, refused as soon as it grows past {@link
 * ReadLimits#maxDecompressedBytes()} or past {@link ReadLimits#maxCompressionRatio()} times the
 * compressed bytes read so far: a gzip bomb fails after a few MiB, never read to its end.
 *
 * <p>A gzip whose own bytes do not decompress is refused too ({@code corrupt_gzip}, see {@link
 * #judged}): the same bytes fail the same way at every attempt, so retrying it would only fail
 * again, forever. An error of the source that holds the bytes passes as it is, to be retried.
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
    }
    counted(skipped);
    return skipped;
  }

  /**
   * What an error out of the decompressor of {@code path} means. The source's own errors (it
   * raised one, or it ended before its size) stay what they are: transient, the file is tried
   * again. Any other error of a gzip decompressor is in the file's bytes: a {@code corrupt_gzip}
   * refusal saying what is wrong and after how many compressed bytes it was found (an upper
   * bound: the decompressor reads ahead by a buffer). Other compressions, which the data
   * contract does not name, keep their error as it is.
   */
  static IOException judged(IOException e, CountingInputStream compressed,
      Compression compression, String path) {
    if (e instanceof FileRejectedException || compression != Compression.GZIP
        || compressed.sourceFailed()) {
      return e;
    }
    boolean truncated = e instanceof EOFException;
    if (truncated && compressed.endedBeforeItsSize()) {
      return e;
    }
    String detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
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
        FileRejectedException.Reason.CORRUPT_GZIP, what + " (" + detail + ")",
        "re-upload it as a complete gzip file (gzip -t checks one before it is sent)");
    corrupt.initCause(e);
    return corrupt;
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
              + " (more than " + limits.maxCompressionRatio() + ":1), a gzip bomb's ratio",
          "check where the file came from; raise --maxCompressionRatio if it is genuine");
    }
  }
}
