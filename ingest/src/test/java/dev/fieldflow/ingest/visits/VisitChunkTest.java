package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import dev.fieldflow.transforms.Outcome;
import dev.fieldflow.transforms.Visit;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class VisitChunkTest {
  private static Visit visit(long task, int visit, int noteTokens) {
    return new Visit(task, visit, 3, LocalDate.of(2020, 1, 2), LocalDate.of(2019, 12, 30), 4, 2, 6,
        1, new int[noteTokens], Outcome.FAIL, "a.jsonl", visit);
  }

  @Test
  void rowsAreOrderedByTaskThenVisitWhateverTheLineOrder() {
    VisitChunk chunk = new VisitChunk();
    chunk.add(visit(3, 1, 0), "a.jsonl");
    chunk.add(visit(1, 2, 0), "a.jsonl");
    chunk.add(visit(1, 1, 0), "a.jsonl");
    chunk.add(visit(2, 1, 0), "a.jsonl");
    chunk.add(visit(Long.MAX_VALUE, 1, 0), "a.jsonl");
    chunk.add(visit(-5, 9, 0), "a.jsonl");

    assertThat(chunk.uniqueKeyOrder(), is(new int[] {5, 2, 1, 3, 0, 4}));
  }

  @Test
  void aVisitTwiceInTheChunkHasNoUniqueKeyOrder() {
    VisitChunk chunk = new VisitChunk();
    chunk.add(visit(3, 1, 0), "a.jsonl");
    chunk.add(visit(1, 1, 0), "a.jsonl");
    chunk.add(visit(3, 2, 0), "a.jsonl");
    chunk.add(visit(3, 1, 0), "a.jsonl");

    assertThat(chunk.uniqueKeyOrder(), is(nullValue()));
  }

  @Test
  void aChunkIsFullOnceItsRowsTakeTheByteBoundWhateverTheirNumber() {
    VisitChunk chunk = new VisitChunk();
    chunk.add(visit(1, 1, 10_000), "a.jsonl"); // a long note: about 80 KB a row
    long rowBytes = chunk.rows().bytes();
    int added = 1;
    while (!chunk.full()) {
      chunk.add(visit(1 + added, 1, 10_000), "a.jsonl");
      added++;
    }

    assertThat((long) added, is((VisitChunk.MAX_BYTES + rowBytes - 1) / rowBytes));
    chunk.clear();
    assertThat(chunk.size(), is(0));
    assertThat(chunk.full(), is(false));
  }
}
