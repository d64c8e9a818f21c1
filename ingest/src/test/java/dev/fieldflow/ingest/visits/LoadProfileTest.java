package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;

class LoadProfileTest {
  private static final long MS = 1_000_000L;

  @Test
  void theCommitIsAPhaseOfItsOwnAndNotPartOfReadParseStage() {
    LoadProfile profile = new LoadProfile();
    profile.totalNanos = 412 * MS;
    profile.nodesNanos = 3 * MS;
    profile.tasksNanos = 40 * MS;
    profile.visitsNanos = 190 * MS;
    profile.ledgerNanos = 2 * MS;
    profile.commitNanos = 20 * MS;
    profile.stagedLines = 7;

    assertThat(profile.readParseStageNanos(), is(157 * MS));
    assertThat(profile.describe(),
        is("412 ms: read+parse+stage 157, nodes 3, tasks 40, visits 190, ledger 2, commit 20;"
            + " 7 lines upserted through the stage"));
  }
}
