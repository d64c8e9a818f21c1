package dev.fieldflow.io.files;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;

/**
 * The raw bytes of a file as its file system gives them: the compressed side of a {@link
 * DecompressionGuard}. It counts the bytes read, and remembers whether the source itself
 * failed, so that a decompressor's error can be told apart: the file's own bytes (corrupt,
 * refused for good) or the way to them (a connection reset, a disk error: tried again).
 */
final class CountingInputStream extends FilterInputStream {
  private final ReadableByteChannel source;
  private long count;
  private Exception failure;

  CountingInputStream(ReadableByteChannel source) {
    super(Channels.newInputStream(source));
    this.source = source;
  }

  long count() {
    return count;
  }

  /**
   * Whether the source raised an error of its own (not one of the decompressor's reading it),
   * checked or not: a file system's client may throw an unchecked one.
   */
  boolean sourceFailed() {
    return failure != null;
  }

  /**
   * Whether the source ended before the size it reports: a connection closed early, or a local
   * file that grew while it was read; either may read whole later. Meaningful once it has been
   * read to its end; a source that reports no size is taken at its word.
   */
  boolean endedBeforeItsSize() {
    if (source instanceof SeekableByteChannel seekable) {
      try {
        return count < seekable.size();
      } catch (IOException e) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int read() throws IOException {
    try {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    try {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count += n;
      }
      return n;
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public long skip(long n) throws IOException {
    try {
      long skipped = super.skip(n);
      count += skipped;
      return skipped;
    } catch (IOException | RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
