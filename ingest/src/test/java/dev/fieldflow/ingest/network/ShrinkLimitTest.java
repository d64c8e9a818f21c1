package dev.fieldflow.ingest.network;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shrink rule and the numbers its refusal shows the operator. */
class ShrinkLimitTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "509 | 40 | 13598 | 52 | from 509 to 40 nodes (-92%) and from 13598 to 52 edges (-99.61%)",
      "509 | 40 | 13598 | 3 | and from 13598 to 3 edges (-99.97%)",
      "100011 | 2 | 10 | 10 | from 100011 to 2 nodes (-99.99%)",
      "2000000000 | 1999999999 | 10 | 2 | from 2000000000 to 1999999999 nodes (-0.00000005%)",
      "509 | 40 | 13598 | 0 | and from 13598 to 0 edges (-100%)",
      "5000 | 4999 | 13598 | 10 | from 5000 to 4999 nodes (-0.02%)",
      "4 | 4 | 6 | 2 | from 4 to 4 nodes (0%) and from 6 to 2 edges (-67%)",
      "4 | 5 | 6 | 2 | from 4 to 5 nodes (+25%)",
  })
  void aRefusalShowsEachChangeWithoutRoundingItToNothingOrToAll(
      int currentNodes, int nodes, int currentEdges, int edges, String shown) {
    String refusal = ShrinkLimit.atMost(0.5).refusal(currentNodes, currentEdges, nodes, edges);

    assertThat(refusal, containsString(shown));
  }

  @Test
  void exactlyTheRatioIsAcceptedAndForcedAcceptsAnything() {
    assertThat(ShrinkLimit.atMost(0.5).refusal(10, 10, 5, 5), nullValue());
    assertThat(ShrinkLimit.forced().refusal(10, 10, 0, 0), nullValue());
  }
}
