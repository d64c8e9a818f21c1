package dev.fieldflow.analytics;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * One parameter of an analysts' question: its name in the SQL function, the letter
 * POSTGRES-MODEL.md gives it ({@code L}, {@code from}, {@code K}, ...), its type and what it
 * means. The SQL function's default is what a question left without the parameter uses; {@link
 * #meaning} repeats it for the usage text (a test keeps the two equal).
 */
public record Parameter(String name, String letter, Type type, String meaning) {

  /** The SQL type of a parameter and how its text is read. */
  public enum Type {
    INTEGER("an integer"),
    DATE("a date YYYY-MM-DD");

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
      return switch (type) {
        case INTEGER -> Integer.valueOf(value);
        case DATE -> LocalDate.parse(value);
      };
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          "--" + name + " (" + letter + ") must be " + type.expected + ", got '" + text + "'", e);
    }
  }

  /** For usage texts: {@code --skill_above (L): skill level the engineer must be above}. */
  String usage() {
    return "--" + name + " (" + letter + "): " + meaning;
  }
}
