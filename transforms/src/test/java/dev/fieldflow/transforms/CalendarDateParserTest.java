package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plain {@code yyyy-mm-dd} form is read by a short path of its own; it must read every
 * date exactly as the strict ISO formatter does, and leave every date the formatter refuses to
 * the formatter's refusal.
 */
class CalendarDateParserTest {
  private static final DateTimeFormatter STRICT_ISO_DATE =
      DateTimeFormatter.ISO_LOCAL_DATE.withResolverStyle(ResolverStyle.STRICT);

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 4, 100, 1900, 1999, 2000, 2019, 2020, 2100, 2400, 9999})
  void everyMonthAndDayOfAYearReadsAsTheStrictFormatterReadsIt(int year) {
    for (int month = 0; month <= 13; month++) {
      for (int day = 0; day <= 32; day++) {
        String text = String.format(Locale.ROOT, "%04d-%02d-%02d", year, month, day);
        LocalDate expected;
        try {
          expected = LocalDate.parse(text, STRICT_ISO_DATE);
        } catch (DateTimeParseException refused) {
          assertThrows(DateTimeParseException.class, () -> CalendarDateParser.parse(text), text);
          continue;
        }
        assertThat(text, CalendarDateParser.parse(text), is(expected));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"2020-1-02", "2020-01-2", "20200102", "2020/01/02", "2020-01-0x",
      "２０２０-01-02", "2020-01-02 ", " 2020-01-02", "-020-01-02", "+2020-01-02", "2020-01-02T"})
  void aDateNotPlainlyWrittenIsRefusedAsBefore(String text) {
    assertThrows(DateTimeParseException.class, () -> CalendarDateParser.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2020-01-02T08:30:00", "2020-01-02 08:30:00", "2020-01-02T08:30:00Z",
      "2020-01-02T23:59:59+02:00[Europe/Paris]"})
  void aDateTimeStillGivesItsCalendarDate(String text) {
    assertThat(CalendarDateParser.parse(text), is(LocalDate.of(2020, 1, 2)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"+002020-01-02", "+0002020-01-02T08:30:00", "02020-01-02"})
  void aYearOfFourDigitsWrittenSignedOrLongerIsRefusedThoughTheIsoFormatterTakesIt(String text) {
    assertThrows(DateTimeParseException.class, () -> CalendarDateParser.parse(text));
  }
}
