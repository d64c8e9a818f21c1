package dev.fieldflow.io.files;

import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads one file with {@link ReadLines} in a JVM of its own, so a test can give it a small heap;
 * prints each line as {@code line <n> <length>}, each reject as {@code reject <n> <code>
 * <originalLength>}, or {@code refused <code>}.
 */
final class ReadOneFile {
  private ReadOneFile() {}

  /** Arguments: path, maxLineBytes, maxDecompressedBytes, maxCompressionRatio. */
  public static void main(String[] args) throws IOException {
    String path = args[0];
    ReadLimits limits = new ReadLimits(
        Integer.parseInt(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]));
    StringBuilder out = new StringBuilder();
    try (InputStream in = ReadLines.open(path, limits)) {
      ReadLines.read(in, path, new ReadLines.LineReceiver() {
        @Override
        public void line(SourceLine line) {
          out.append("line ").append(line.lineNumber()).append(' ')
              .append(line.text().length()).append('\n');
        }

        @Override
        public void badEncoding(RejectedLine rejected) {
          out.append("reject ").append(rejected.lineNumber()).append(' ')
              .append(rejected.reason().code()).append(' ').append(rejected.originalLength())
              .append('\n');
        }
      }, limits);
    } catch (FileRejectedException e) {
      out.append("refused ").append(e.reasonCode()).append('\n');
    }
    System.out.print(out);
  }
}
