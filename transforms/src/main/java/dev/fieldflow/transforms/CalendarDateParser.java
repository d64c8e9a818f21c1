package dev.fieldflow.transforms;

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
 * shifted to another zone. Strict: {@code 2020-02-30} and {@code 24:00} are not accepted.
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
    boolean spaceSeparated = text.length() > TIME_SEPARATOR && text.charAt(TIME_SEPARATOR) == ' ';
    String iso = spaceSeparated ? text.substring(0, TIME_SEPARATOR) + 'T'
        + text.substring(TIME_SEPARATOR + 1) : text;
    return DATE_WITH_OPTIONAL_TIME.parse(iso, LocalDate::from);
  }
}
