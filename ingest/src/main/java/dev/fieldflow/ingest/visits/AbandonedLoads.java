package dev.fieldflow.ingest.visits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells a load abandoned by a worker that is gone from a live load between two of its
 * transactions, by looking twice: a load nobody holds ({@link VisitLedger.UnheldLoad}) that is
 * still unheld and unchanged (same attempt, same start) at a look at least {@code grace} after
 * the first is abandoned. A live load is never unheld for that long: it holds its ledger row
 * from its start to its commit, and each retry (after a lost connection, at most {@link
 * RetryingDatabase}'s longest wait apart) or careful second pass marks its start again.
 *
 * <p>What this is for: a Flink TaskManager lost mid-load, or a load undone by a crash of
 * PostgreSQL, leaves its file {@code running} for a run that is still alive (the restored job,
 * the same process); without this, only the claim lease ({@code --claimLeaseSeconds}, 10
 * minutes by default) gives the file back. One instance per ledger checker; not thread-safe.
 */
final class AbandonedLoads {
  private final long graceNanos;
  /** Loads seen unheld, with when they were first seen so (System.nanoTime). */
  private final Map<VisitLedger.UnheldLoad, Long> firstSeen = new HashMap<>();

  /** {@code grace}: the claims' {@code abandonedAfter}, which {@link LedgerClaims} checks. */
  AbandonedLoads(Duration grace) {
    this.graceNanos = grace.toNanos();
  }

  /**
   * Takes in one look ({@code unheld}, at {@code nowNanos}) and returns the loads abandoned by
   * then: seen unheld, as they are now, at least the grace ago. A load not in this look (held
   * again, finished, taken over) is forgotten.
   */
  List<VisitLedger.UnheldLoad> look(List<VisitLedger.UnheldLoad> unheld, long nowNanos) {
    firstSeen.keySet().retainAll(unheld);
    List<VisitLedger.UnheldLoad> abandoned = new ArrayList<>();
    for (VisitLedger.UnheldLoad load : unheld) {
      long since = firstSeen.computeIfAbsent(load, l -> nowNanos);
      if (nowNanos - since >= graceNanos) {
        abandoned.add(load);
      }
    }
    return abandoned;
  }

  /** Forgets {@code loads} (taken over: a later look sees them as a new attempt, if at all). */
  void forget(List<VisitLedger.UnheldLoad> loads) {
    loads.forEach(firstSeen::remove);
  }
}
