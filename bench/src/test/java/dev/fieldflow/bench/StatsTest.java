package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void medianOfAnOddCountIsTheMiddleValue() {
    assertThat(Stats.of(List.of(3.0, 1.0, 2.0)), is(new Stats(2.0, 1.0, 3.0, 3)));
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertThat(Stats.of(List.of(4.0, 1.0, 2.0, 3.0)).median(), is(2.5));
  }

  @Test
  void p95OfThirtySamplesIsTheTwentyNinthByNearestRank() {
    List<Double> values = IntStream.rangeClosed(1, 30).mapToObj(i -> (double) i).toList();
    assertThat(Stats.percentile(values, 95), is(29.0));
  }

  @Test
  void formatShowsTheMedianWithItsSpread() {
    assertThat(Stats.of(List.of(1000.0, 3000.0, 2000.0)).format("%,.0f"), is("2,000 (1,000–3,000)"));
  }

  @Test
  void noValuesFormatAsADash() {
    assertThat(Stats.of(List.of()).format("%.1f"), is("–"));
  }
}
