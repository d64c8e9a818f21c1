package dev.fieldflow.io.files;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The decompressed content of a file, refused as soon as it grows past {@link
 * ReadLimits#maxDecompressedBytes()} or past {@link ReadLimits#maxCompressionRatio()} times the
 * compressed bytes read so far: a gzip bomb fails after a few MiB, never read to its end.
 */
final class DecompressionGuard extends FilterInputStream {
  private final CountingInputStream compressed;
  private final String path;
  private final ReadLimits limits;
  private long decompressed;

  DecompressionGuard(
      InputStream decompressed, CountingInputStream compressed, String path, ReadLimits limits) {
    super(decompressed);
    this.compressed = compressed;
    this.path = path;
    this.limits = limits;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      counted(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      counted(n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long skipped = super.skip(n);
    counted(skipped);
    return skipped;
  }

  private void counted(long n) throws FileRejectedException {
    decompressed += n;
    if (decompressed > limits.maxDecompressedBytes()) {
      throw new FileRejectedException(path, FileRejectedException.Reason.DECOMPRESSION_LIMIT,
          "decompresses to more than " + limits.maxDecompressedBytes() + " bytes",
          "split it into smaller files, or raise the decompressed size limit if it is genuine");
    }
    long ratio = decompressed / Math.max(1, compressed.count());
    if (decompressed > ReadLimits.RATIO_CHECKED_AFTER_BYTES
        && ratio > limits.maxCompressionRatio()) {
      throw new FileRejectedException(path, FileRejectedException.Reason.COMPRESSION_RATIO,
          compressed.count() + " compressed bytes decompressed to " + decompressed
              + " (more than " + limits.maxCompressionRatio() + ":1), a gzip bomb's ratio",
          "check where the file came from; raise the compression ratio limit if it is genuine");
    }
  }
}
