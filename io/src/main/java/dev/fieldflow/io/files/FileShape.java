package dev.fieldflow.io.files;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the first bytes of a (decompressed, UTF-8) file say about the rest: whether it is
 * line-oriented text at all. A file that is clearly something else fails as
 * one with one reason, instead of quarantining every one of its lines.
 *
 * <p>Conservative: only the first two non-blank lines that are not comments ({@code #} first)
 * are looked at, and a file is refused only when no line of JSON lines or of an adjacency list
 * could start that way.
 *
 * <table>
 *   <caption>Whole-file rules, on the first non-blank line that is not a comment</caption>
 *   <tr><th>first line</th><th>outcome</th></tr>
 *   <tr><td>holds a NUL byte</td><td>{@code not_text} (UTF-16 without BOM, binary)</td></tr>
 *   <tr><td>only an opening brace</td><td>{@code pretty_json}</td></tr>
 *   <tr><td>starts with {@code [}, ends within the {@link #SNIFF_BYTES}, and not with {@code ]}
 *       </td><td>{@code json_array} (a one-line array is one {@code not_object} reject, and so
 *       is a first line longer than the bytes looked at, whose end is not known)</td></tr>
 *   <tr><td>has a comma before any {@code #} (an adjacency list's comment), no brace, does not
 *       start with {@code [}, and the next line does not start with a brace</td>
 *       <td>{@code csv}</td></tr>
 * </table>
 */
final class FileShape {
  /** Bytes looked at: the first lines of any real file fit. */
  static final int SNIFF_BYTES = 64 * 1024;

  private FileShape() {}

  /**
   * Checks the shape of a file whose first {@code length} bytes are {@code head}.
   *
   * @throws FileRejectedException if the file is not lines of text by the rules above
   */
  static void check(String path, byte[] head, int length) throws FileRejectedException {
    List<Line> lines = firstNonBlankLines(head, length, 2);
    if (!lines.isEmpty()) {
      checkLines(path, lines);
    }
  }

  /** A line of the head: its text (stripped), whether its end is in the head, and NUL bytes. */
  private record Line(String text, boolean complete, boolean hasNul) {}

  /** Lines as {@link ReadLines} splits them: at {@code \n}, {@code \r\n} or a bare {@code \r}. */
  private static List<Line> firstNonBlankLines(byte[] head, int length, int most) {
    List<Line> lines = new ArrayList<>();
    int start = startsWithUtf8Bom(head, length) ? 3 : 0;
    while (start < length && lines.size() < most) {
      int end = start;
      while (end < length && head[end] != '\n' && head[end] != '\r') {
        end++;
      }
      boolean hasNul = false;
      for (int i = start; i < end; i++) {
        hasNul |= head[i] == 0;
      }
      String text = new String(head, start, end - start, StandardCharsets.UTF_8).strip();
      // A comment line (an adjacency list's header) says nothing of the data's shape.
      if ((!text.isEmpty() && !text.startsWith("#")) || hasNul) {
        lines.add(new Line(text, end < length, hasNul));
      }
      start = end + 1;
    }
    return lines;
  }

  private static void checkLines(String path, List<Line> lines) throws FileRejectedException {
    Line first = lines.get(0);
    String text = first.text();
    if (first.hasNul()) {
      throw new FileRejectedException(path, FileRejectedException.Reason.NOT_TEXT,
          "its first line holds NUL bytes: UTF-16 without a byte-order mark, or not text at all",
          "re-export it as UTF-8 text");
    }
    if (text.equals("{")) {
      throw new FileRejectedException(path, FileRejectedException.Reason.PRETTY_JSON,
          "its first line is only an opening brace: pretty-printed JSON, not one object per line",
          "re-export it as JSON lines (one compact object per line, e.g. jq -c)");
    }
    // A first line that does not end within the head may still end with ']': not certain, so
    // the file is read line by line and that line gets its own reject.
    if (text.startsWith("[") && first.complete() && !text.endsWith("]")) {
      throw new FileRejectedException(path, FileRejectedException.Reason.JSON_ARRAY,
          "it starts with '[': one JSON array over many lines, not one object per line",
          "re-export it as JSON lines (one compact object per line, e.g. jq -c '.[]')");
    }
    boolean nextIsObject = lines.size() > 1 && lines.get(1).text().startsWith("{");
    // An adjacency list's comment may hold commas: only what comes before a '#' is looked at.
    int comment = text.indexOf('#');
    String data = comment < 0 ? text : text.substring(0, comment);
    if (first.complete() && data.indexOf(',') >= 0 && text.indexOf('{') < 0 && !nextIsObject) {
      throw new FileRejectedException(path, FileRejectedException.Reason.CSV,
          "its first line '" + shorten(text) + "' looks like CSV (values between commas), not"
              + " a JSON object nor a line of an adjacency list",
          "re-export visits as JSON lines (one object per line), a network as an adjacency list"
              + " (nodes separated by spaces)");
    }
  }

  private static String shorten(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  static boolean startsWithUtf8Bom(byte[] bytes, int length) {
    return length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
        && (bytes[2] & 0xFF) == 0xBF;
  }
}
