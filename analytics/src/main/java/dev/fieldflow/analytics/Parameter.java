package dev.fieldflow.analytics;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One parameter of an analysts' question: its name in the SQL function, the letter
 * POSTGRES-MODEL.md gives it ({@code L}, {@code from}, {@code K}, ...), its type and what it
 * means. The SQL function's default is what a question left without the parameter uses; {@link
 * #meaning} repeats it for the usage text (a test keeps the two equal).
 */
public record Parameter(String name, String letter, Type type, String meaning) {
  /** An integer in ASCII digits, a sign allowed first, of any size. */
  private static final Pattern ASCII_INTEGER = Pattern.compile("[+-]?[0-9]+");

  /** The SQL type of a parameter and how its text is read. */
  public enum Type {
    INTEGER("an integer"),
    DATE("a date YYYY-MM-DD from 0001-01-01");

    private final String expected;

    Type(String expected) {
      this.expected = expected;
    }
  }

  static Parameter integer(String name, String letter, String meaning) {
    return new Parameter(name, letter, Type.INTEGER, meaning);
  }

  static Parameter date(String name, String letter, String meaning) {
    return new Parameter(name, letter, Type.DATE, meaning);
  }

  /** Whether {@code given} names this parameter: its SQL name or its letter, any case. */
  boolean isNamed(String given) {
    String normalized = given.strip().replace('-', '_').toLowerCase(Locale.ROOT);
    return normalized.equals(name) || normalized.equals(letter.toLowerCase(Locale.ROOT));
  }

  /**
   * The value of {@code text} as an {@link Integer} or a {@link LocalDate}.
   *
   * @throws IllegalArgumentException naming the parameter and what was expected
   */
  Object parse(String text) {
    String value = text.strip();
    try {
      // In ASCII digits only: Java reads other scripts' digits (a full-width ３) and signed
      // years of more digits (+10000-01-01), which PostgreSQL's DATE '...' does not take back.
      switch (type) {
        case INTEGER -> {
          Integer number = asciiInteger(value);
          if (number != null) {
            return number;
          }
          if (ASCII_INTEGER.matcher(value).matches()) {
            // An integer past what any question takes; each question's own range (q3's 0..6
            // hops) is its SQL function's to say, for a value that reaches it.
            throw new IllegalArgumentException("--" + name + " (" + letter + ") is out of range:"
                + " '" + text + "' is " + (value.startsWith("-") ? "below " + Integer.MIN_VALUE
                    : "above " + Integer.MAX_VALUE) + ", past any value a question takes");
          }
        }
        case DATE -> {
          if (value.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
            LocalDate date = LocalDate.parse(value);
            if (date.getYear() >= 1) {
              return date;
            }
          }
        }
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      throw refused(text, e);
    }
    throw refused(text, null);
  }

  /**
   * {@code text} as an int written in ASCII digits, a sign allowed first, or null (not such a
   * number, or past an int): Java's parsers also read other scripts' digits ({@code ١٠} as 10),
   * which a question's values, page numbers and limits do not take.
   */
  public static Integer asciiInteger(String text) {
    if (!ASCII_INTEGER.matcher(text).matches()) {
      return null;
    }
    try {
      return Integer.valueOf(text);
    } catch (NumberFormatException tooLarge) {
      return null;
    }
  }

  private IllegalArgumentException refused(String text, Exception cause) {
    return new IllegalArgumentException(
        "--" + name + " (" + letter + ") must be " + type.expected + ", got '" + text + "'", cause);
  }

  /** For usage texts: {@code --skill_above (L): skill level the engineer must be above}. */
  String usage() {
    return "--" + name + " (" + letter + "): " + meaning;
  }
}
