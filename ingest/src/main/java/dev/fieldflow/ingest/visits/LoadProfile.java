package dev.fieldflow.ingest.visits;

/**
 * Where the time of one file's load went, in wall-clock nanoseconds of the loading thread:
 * merging into nodes, tasks and visits (each includes the COPY of its rows; visits, when the
 * chunk goes through the stage, counting and emptying it), recording the ledger, committing, and
 * the rest: reading, decompressing, parsing and encoding the rows.
 * Logged with each file and summed by the benchmark's profile (docs/BENCHMARKS.md). Not
 * thread-safe: one per load.
 */
final class LoadProfile {
  long totalNanos;
  long nodesNanos;
  long tasksNanos;
  long visitsNanos;
  long ledgerNanos;
  /**
   * The file's commit: the WAL flush and the deferred refresh of the q2 summary, which commits
   * take one at a time (V13).
   */
  long commitNanos;
  /**
   * Lines merged through the stage and the upsert, because their chunk held a visit stored
   * already or a visit twice; the other lines were copied straight into {@code visits}.
   */
  long stagedLines;

  /** Reading, parsing and staging: what the merge and ledger steps leave of the total. */
  long readParseStageNanos() {
    return totalNanos - nodesNanos - tasksNanos - visitsNanos - ledgerNanos - commitNanos;
  }

  /**
   * {@code 412 ms: read+parse+stage 150, nodes 3, tasks 40, visits 190, ledger 2, commit 20;
   * 0 lines upserted through the stage}.
   */
  String describe() {
    return ms(totalNanos) + " ms: read+parse+stage " + ms(readParseStageNanos()) + ", nodes "
        + ms(nodesNanos) + ", tasks " + ms(tasksNanos) + ", visits " + ms(visitsNanos)
        + ", ledger " + ms(ledgerNanos) + ", commit " + ms(commitNanos) + "; " + stagedLines
        + " lines upserted through the stage";
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
