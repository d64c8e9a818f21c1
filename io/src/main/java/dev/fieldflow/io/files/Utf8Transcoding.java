package dev.fieldflow.io.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text in another charset (UTF-16 behind its byte-order mark) re-encoded as UTF-8 bytes, so the
 * line reader has one encoding to split and check. Streamed: a few KiB are held at a time.
 * Malformed input (a lone surrogate) becomes U+FFFD.
 */
final class Utf8Transcoding extends InputStream {
  private final Reader reader;
  private final CharsetEncoder encoder =
      StandardCharsets.UTF_8
          .newEncoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private final CharBuffer chars = CharBuffer.allocate(8192);
  private final ByteBuffer bytes = ByteBuffer.allocate(8192 * 3 + 16);
  private boolean endOfInput;
  private boolean flushed;

  Utf8Transcoding(InputStream in, Charset charset) {
    this.reader = new InputStreamReader(in, charset);
    chars.flip();
    bytes.flip();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (!bytes.hasRemaining()) {
      if (!fill()) {
        return -1;
      }
    }
    int n = Math.min(length, bytes.remaining());
    bytes.get(buffer, offset, n);
    return n;
  }

  /** Encodes the next chars into {@link #bytes}; false at the end of the input. */
  private boolean fill() throws IOException {
    if (flushed) {
      return false;
    }
    bytes.clear();
    if (!endOfInput) {
      chars.compact();
      int n = reader.read(chars);
      endOfInput = n < 0;
      chars.flip();
    }
    encoder.encode(chars, bytes, endOfInput);
    if (endOfInput && !chars.hasRemaining()) {
      encoder.flush(bytes);
      flushed = true;
    }
    bytes.flip();
    return bytes.hasRemaining() || !flushed;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
