package dev.fieldflow.io.files;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;

/** A real file's bytes whose source fails, as an S3 connection reset does, after {@code n}. */
final class FailingAfter extends FilterInputStream {
  private long left;

  FailingAfter(InputStream in, long n) {
    super(in);
    this.left = n;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (left <= 0) {
      throw new SocketException("Connection reset");
    }
    int n = super.read(buffer, offset, (int) Math.min(length, left));
    if (n > 0) {
      left -= n;
    }
    return n;
  }
}
