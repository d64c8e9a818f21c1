package dev.fieldflow.io.files;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * UTF-16 text (behind its byte-order mark) re-encoded as UTF-8 bytes, so the line reader has one
 * encoding to split and check. Streamed: a few KiB are held at a time.
 *
 * <p>What is not valid UTF-16 stays invalid, so that its line is refused as {@code bad_encoding}
 * as a line of invalid UTF-8 is, rather than loaded with a replacement character: a lone
 * surrogate is written as its own three bytes ({@code ed a0 80} for U+D800; no valid UTF-8 has
 * them), and an odd last byte of the file, which is half a character, as {@link #ODD_BYTE}.
 * {@link #explain} tells them apart in the reader's message. Written by hand because the JDK's
 * coders either replace malformed input (and lose where it was) or stop the whole stream at it.
 */
final class Utf8Transcoding extends InputStream {
  /** Stands for an odd last byte: never a byte of valid UTF-8. */
  static final int ODD_BYTE = 0xFF;

  private final InputStream in;
  private final boolean bigEndian;
  private final byte[] raw = new byte[8192];
  private final byte[] out = new byte[8192 / 2 * 3 + 8];
  private int rawLength;
  private int outPosition;
  private int outLength;
  /** A high surrogate read last, waiting for its low half; -1 if none. */
  private int pendingHigh = -1;
  private boolean endOfInput;

  /** {@code in} past its byte-order mark; {@code bigEndian} as that mark said. */
  Utf8Transcoding(InputStream in, boolean bigEndian) {
    this.in = in;
    this.bigEndian = bigEndian;
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
    while (outPosition == outLength) {
      if (!fill()) {
        return -1;
      }
    }
    int n = Math.min(length, outLength - outPosition);
    System.arraycopy(out, outPosition, buffer, offset, n);
    outPosition += n;
    return n;
  }

  /** Encodes the next chars into {@link #out}; false once everything is out. */
  private boolean fill() throws IOException {
    outPosition = 0;
    outLength = 0;
    if (endOfInput) {
      return false;
    }
    int n = in.read(raw, rawLength, raw.length - rawLength);
    if (n < 0) {
      endOfInput = true;
      flushPending();
      if (rawLength == 1) {
        out[outLength++] = (byte) ODD_BYTE;
      }
      return outLength > 0;
    }
    rawLength += n;
    int i = 0;
    for (; i + 1 < rawLength; i += 2) {
      int hi = raw[i] & 0xFF;
      int lo = raw[i + 1] & 0xFF;
      put(bigEndian ? (hi << 8 | lo) : (lo << 8 | hi));
    }
    rawLength -= i;
    if (rawLength == 1) {
      raw[0] = raw[i];
    }
    return true;
  }

  private void put(int c) {
    if (pendingHigh >= 0) {
      if (Character.isLowSurrogate((char) c)) {
        int codePoint = Character.toCodePoint((char) pendingHigh, (char) c);
        pendingHigh = -1;
        out[outLength++] = (byte) (0xF0 | codePoint >> 18);
        out[outLength++] = (byte) (0x80 | (codePoint >> 12 & 0x3F));
        out[outLength++] = (byte) (0x80 | (codePoint >> 6 & 0x3F));
        out[outLength++] = (byte) (0x80 | (codePoint & 0x3F));
        return;
      }
      flushPending();
    }
    if (Character.isHighSurrogate((char) c)) {
      pendingHigh = c;
    } else if (c < 0x80) {
      out[outLength++] = (byte) c;
    } else if (c < 0x800) {
      out[outLength++] = (byte) (0xC0 | c >> 6);
      out[outLength++] = (byte) (0x80 | (c & 0x3F));
    } else {
      // A lone low surrogate lands here too, as its three bytes: invalid UTF-8 on purpose.
      putThreeBytes(c);
    }
  }

  /** A high surrogate no low one followed: written alone, as its three (invalid) bytes. */
  private void flushPending() {
    if (pendingHigh >= 0) {
      putThreeBytes(pendingHigh);
      pendingHigh = -1;
    }
  }

  private void putThreeBytes(int c) {
    out[outLength++] = (byte) (0xE0 | c >> 12);
    out[outLength++] = (byte) (0x80 | (c >> 6 & 0x3F));
    out[outLength++] = (byte) (0x80 | (c & 0x3F));
  }

  /**
   * What the invalid UTF-8 at {@code offset} of a transcoded line stood for in the UTF-16 file,
   * e.g. {@code a lone surrogate d800}; null if it is not one of the marks this class writes.
   */
  static String explain(byte[] bytes, int offset, int end) {
    int b = bytes[offset] & 0xFF;
    if (b == ODD_BYTE) {
      return "an odd last byte: UTF-16 takes two bytes a character";
    }
    if (b == 0xED && offset + 2 < end && (bytes[offset + 1] & 0xE0) == 0xA0) {
      int c = 0xD000 | (bytes[offset + 1] & 0x3F) << 6 | (bytes[offset + 2] & 0x3F);
      return String.format(Locale.ROOT, "a lone surrogate %04x", c);
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
