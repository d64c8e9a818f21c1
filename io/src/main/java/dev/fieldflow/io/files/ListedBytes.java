package dev.fieldflow.io.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.Compression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of the version of a file that was listed, when the file has grown since (a producer
 * appending to it in place): the version is its listed size, and it ends at its last complete
 * line within that size. The lines after, and the line the writer was still writing when the
 * file was listed, are the next version's, which the next listing finds and reads whole (the
 * lines read before count there as duplicates). Without this, the version recorded its listed
 * size but counted every line present when it was read, and a line cut at the moment of the
 * listing was quarantined as {@code not_json} though the next version loaded it.
 *
 * <p>Only plain text is cut, at its last {@code \n} or {@code \r} within the listed size: a
 * compressed file or UTF-16 has no line ends in its raw bytes, and is read as it is now.
 */
final class ListedBytes {
  private static final Logger LOG = LoggerFactory.getLogger(ListedBytes.class);

  /** How much is read at a time, back from the listed size, to find the last line end. */
  static final int WINDOW = 64 * 1024;

  private ListedBytes() {}

  /**
   * {@code source}, the bytes of {@code path} now, limited to those of its version of {@code
   * listedSize} bytes when it has grown since; {@code source} as it is otherwise.
   */
  static ReadableByteChannel asListed(String path, ReadableByteChannel source, long listedSize)
      throws IOException {
    if (!(source instanceof SeekableByteChannel file)
        || Compression.detect(path) != Compression.UNCOMPRESSED) {
      return source;
    }
    long size = file.size();
    if (size <= listedSize) {
      return source;
    }
    byte[] head = read(file, 0, (int) Math.min(4, listedSize));
    boolean notPlainBytes = ReadLines.compressionByMagic(head) != null
        || (head.length >= 2
            && (((head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE)
                || ((head[0] & 0xFF) == 0xFE && (head[1] & 0xFF) == 0xFF)));
    if (notPlainBytes) {
      file.position(0);
      return source;
    }
    // Back from the listed size, a window at a time, to the last line end: a line being
    // written may be longer than a window. None at all: the listed bytes are one line still
    // being written, and the version has no complete line.
    long end = 0;
    for (long to = listedSize; to > 0 && end == 0; ) {
      long from = Math.max(0, to - WINDOW);
      byte[] window = read(file, from, (int) (to - from));
      for (int i = window.length - 1; i >= 0; i--) {
        if (window[i] == '\n' || window[i] == '\r') {
          end = from + i + 1;
          break;
        }
      }
      to = from;
    }
    file.position(0);
    LOG.info("{} has grown from {} bytes, as listed, to {}: its listed version is read up to its"
        + " last complete line ({} bytes); the rest is the next version's", path, listedSize, size,
        end);
    return new Bounded(file, end);
  }

  private static byte[] read(SeekableByteChannel file, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    file.position(position);
    while (buffer.hasRemaining() && file.read(buffer) >= 0) {
      // until full, or the file ends (it cannot have shrunk below its listed size, but may)
    }
    byte[] bytes = new byte[buffer.position()];
    buffer.flip();
    buffer.get(bytes);
    return bytes;
  }

  /** The first {@code end} bytes of a channel. */
  private static final class Bounded implements ReadableByteChannel {
    private final SeekableByteChannel file;
    private long left;

    Bounded(SeekableByteChannel file, long end) {
      this.file = file;
      this.left = end;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int limit = dst.limit();
      if (dst.remaining() > left) {
        dst.limit(dst.position() + (int) left);
      }
      try {
        int n = file.read(dst);
        if (n > 0) {
          left -= n;
        }
        return n;
      } finally {
        dst.limit(limit);
      }
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}
