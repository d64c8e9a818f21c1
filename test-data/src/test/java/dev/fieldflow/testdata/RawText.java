package dev.fieldflow.testdata;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads a raw file the way the contract describes, written here independently of the
 * generator: gunzip a {@code .gz} file, drop a leading byte-order mark, split on {@code \n},
 * drop a {@code \r} before it, and do not count an empty remainder after the final newline.
 */
final class RawText {

  private RawText() {}

  static List<String> lines(Path file) throws IOException {
    return lines(file.getFileName().toString().endsWith(".gz"), Files.readAllBytes(file));
  }

  static List<String> lines(boolean gzip, byte[] bytes) throws IOException {
    String text = new String(gzip ? gunzip(bytes) : bytes, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<String> lines = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      String line = text.substring(start, end);
      lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
      start = end + 1;
    }
    return lines;
  }

  static byte[] gunzip(byte[] bytes) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    }
  }
}
