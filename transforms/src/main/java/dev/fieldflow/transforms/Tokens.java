package dev.fieldflow.transforms;

import java.util.ArrayList;
import java.util.List;

/**
 * The lexical rules both line formats share: words separated by whitespace, and unsigned
 * decimal numbers written with ASCII digits only (no sign; leading zeros allowed, {@code 007}
 * is 7).
 */
final class Tokens {
  /** {@link #unsignedDecimal} result: empty, or a character that is not an ASCII digit. */
  static final long NOT_DIGITS = -1;

  /** {@link #unsignedDecimal} result: the digits are a number above the maximum. */
  static final long TOO_LARGE = -2;

  private static final String[] NO_WORDS = new String[0];

  private Tokens() {}

  /**
   * Whitespace as Python's {@code str.split()} sees it (which networkx and most producers' tools
   * split with): {@link Character#isWhitespace} and the no-break spaces it leaves out ({@link
   * Character#isSpaceChar}: U+00A0, U+2007, U+202F), and NEL (U+0085).
   */
  static boolean isSpace(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)
        || codePoint == 0x85;
  }

  /** Whether {@code text} is empty or only {@link #isSpace} whitespace. */
  static boolean isBlank(String text) {
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      if (!isSpace(codePoint)) {
        return false;
      }
      i += Character.charCount(codePoint);
    }
    return true;
  }

  /**
   * The words of {@code text} separated by whitespace ({@link #isSpace}); none if it is empty or
   * all whitespace. A loop rather than a regular expression's split: same words, a fraction of
   * the cost on every note.
   */
  static String[] words(String text) {
    List<String> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      if (isSpace(codePoint)) {
        if (start >= 0) {
          words.add(text.substring(start, i));
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
      i += Character.charCount(codePoint);
    }
    if (start >= 0) {
      words.add(text.substring(start));
    }
    return words.isEmpty() ? NO_WORDS : words.toArray(NO_WORDS);
  }

  /**
   * The number written from {@code start} to the end of {@code text}, or {@link #NOT_DIGITS} or
   * {@link #TOO_LARGE}. Unlike {@link Long#parseLong} it takes no sign and no non-ASCII digits.
   */
  static long unsignedDecimal(String text, int start, long max) {
    return unsignedDecimal(text, start, text.length(), max);
  }

  /** As {@link #unsignedDecimal(String, int, long)}, for the digits from {@code start} to {@code end}. */
  static long unsignedDecimal(String text, int start, int end, long max) {
    if (start >= end) {
      return NOT_DIGITS;
    }
    long value = 0;
    boolean tooLarge = false;
    for (int i = start; i < end; i++) {
      int digit = text.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        return NOT_DIGITS;
      }
      tooLarge = tooLarge || value > (max - digit) / 10;
      if (!tooLarge) {
        value = value * 10 + digit;
      }
    }
    return tooLarge ? TOO_LARGE : value;
  }
}
