package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ReadLimitsTest {

  @Test
  void defaultsAreOneMebibyteLinesFourGibibytesAndTwoHundredToOne() {
    assertThat(ReadLimits.defaults(), is(new ReadLimits(1024 * 1024, 4L << 30, 200)));
  }

  @Test
  void aLineLimitOfZeroIsRefusedWithItsNameAndValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ReadLimits(0, 1, 1));
    assertThat(e.getMessage(), is("--maxLineBytes must be in 1..268435456, but was 0"));
  }

  @Test
  void aLineLimitAboveWhatOneLineMayHoldIsRefusedNotClamped() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ReadLimits(ReadLimits.MAX_LINE_BYTES_ALLOWED + 1, 1, 1));
    assertThat(e.getMessage(), is("--maxLineBytes must be in 1..268435456, but was 268435457"));
  }

  @Test
  void aNegativeDecompressedLimitIsRefusedWithItsNameAndValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ReadLimits(10, -1, 1));
    assertThat(e.getMessage(), is("--maxDecompressedBytes must be > 0, but was -1"));
  }

  @Test
  void aCompressionRatioBelowOneIsRefusedWithItsNameAndValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ReadLimits(10, 10, 0));
    assertThat(e.getMessage(), is("--maxCompressionRatio must be >= 1, but was 0"));
  }
}
