package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;

/** StagedKeys says "maybe repeated" for every repeat and, without collisions, only then. */
class StagedKeysTest {
  @Test
  void distinctKeysAreNotRepeatsEvenPastManyGrowths() {
    StagedKeys keys = new StagedKeys();
    for (long task = 0; task < 100_000; task++) {
      assertThat(keys.add(task, (int) (task % 3) + 1), is(false));
    }
    assertThat(keys.mayRepeat(), is(false));
  }

  @Test
  void aKeyAddedTwiceIsARepeatUntilCleared() {
    StagedKeys keys = new StagedKeys();
    keys.add(42, 1);
    keys.add(42, 2);
    assertThat(keys.mayRepeat(), is(false));
    assertThat(keys.add(42, 1), is(true));
    assertThat(keys.mayRepeat(), is(true));

    keys.clear();

    assertThat(keys.mayRepeat(), is(false));
    assertThat(keys.add(42, 1), is(false));
  }
}
