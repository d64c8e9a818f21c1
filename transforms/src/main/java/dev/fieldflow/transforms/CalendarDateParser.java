package dev.fieldflow.transforms;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/**
 * Reads the calendar date of a visit log date field: {@code 2020-01-02}, or a date-time
 * {@code 2020-01-02 08:30:00} / {@code 2020-01-02T08:30:00} with an optional offset or zone
 * ({@code Z}, {@code +02:00}, {@code +02:00[Europe/Paris]}). The date is kept as written, never
 * shifted to another zone. Strict: {@code 2020-02-30}, {@code 24:00} and a year 1..9999 written
 * signed with more digits ({@code +002020-01-02}, which {@link DateTimeFormatter#ISO_LOCAL_DATE}
 * takes) are not accepted; {@code +10000-01-01} is read, for the caller to refuse its year.
 */
final class CalendarDateParser {
  private static final DateTimeFormatter DATE_WITH_OPTIONAL_TIME =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .optionalStart()
          .appendLiteral('T')
          .append(DateTimeFormatter.ISO_TIME)
          .optionalStart()
          .appendLiteral('[')
          .parseCaseSensitive()
          .appendZoneRegionId()
          .appendLiteral(']')
          .optionalEnd()
          .optionalEnd()
          .toFormatter()
          .withResolverStyle(ResolverStyle.STRICT)
          .withChronology(IsoChronology.INSTANCE);

  /** Where a date-time has its {@code T} or space between date and time. */
  private static final int TIME_SEPARATOR = "2020-01-02".length();

  private CalendarDateParser() {}

  /** The calendar date written at the start of {@code text}; throws if it is not one. */
  static LocalDate parse(String text) throws DateTimeParseException {
    LocalDate plain = plainDate(text);
    if (plain != null) {
      return plain;
    }
    boolean spaceSeparated = text.length() > TIME_SEPARATOR && text.charAt(TIME_SEPARATOR) == ' ';
    String iso = spaceSeparated ? text.substring(0, TIME_SEPARATOR) + 'T'
        + text.substring(TIME_SEPARATOR + 1) : text;
    LocalDate date = DATE_WITH_OPTIONAL_TIME.parse(iso, LocalDate::from);
    if (date.getYear() >= 1 && date.getYear() <= 9999 && !startsWithFourDigitYear(text)) {
      // The formatter takes a signed year of more digits (+002019-01-02); the contract writes a
      // year 1..9999 as YYYY. A year outside those is the caller's to name as such.
      throw new DateTimeParseException("not YYYY-MM-DD", text, 0);
    }
    return date;
  }

  /** True when {@code text} starts with {@code dddd-dd-dd} in ASCII digits. */
  private static boolean startsWithFourDigitYear(String text) {
    if (text.length() < TIME_SEPARATOR) {
      return false;
    }
    for (int i = 0; i < TIME_SEPARATOR; i++) {
      char c = text.charAt(i);
      boolean ok = i == 4 || i == 7 ? c == '-' : c >= '0' && c <= '9';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code text} read as a plain {@code yyyy-mm-dd} date of ASCII digits, the form nearly every
   * line has, or {@code null} for anything else (including an impossible date such as {@code
   * 2020-02-30}), which the formatter then reads or refuses with its own message. The same
   * result as the formatter's, at a small part of its cost: the formatter was a fifth of the
   * whole parse of a line.
   */
  private static LocalDate plainDate(String text) {
    if (text.length() != TIME_SEPARATOR || text.charAt(4) != '-' || text.charAt(7) != '-') {
      return null;
    }
    long year = Tokens.unsignedDecimal(text, 0, 4, 9999);
    long month = Tokens.unsignedDecimal(text, 5, 7, 99);
    long day = Tokens.unsignedDecimal(text, 8, 10, 99);
    if (year < 0 || month < 0 || day < 0) {
      return null;
    }
    try {
      return LocalDate.of((int) year, (int) month, (int) day);
    } catch (DateTimeException impossible) {
      return null;
    }
  }
}
