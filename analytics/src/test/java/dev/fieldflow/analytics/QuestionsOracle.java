package dev.fieldflow.analytics;

import dev.fieldflow.testdata.GeneratedNetwork;
import dev.fieldflow.testdata.GeneratedVisit;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The five answers of POSTGRES-MODEL.md computed in plain Java from the generated records, with
 * no SQL: the independent opinion the SQL answers must agree with exactly. Rows have the SQL
 * answers' column types ({@code task_id} Long, counts of q4 Long, other integers Integer,
 * dates LocalDate) and order (by every column, first column first).
 */
final class QuestionsOracle {
  private final List<GeneratedVisit> visits;
  private final Map<Long, Map<Integer, GeneratedVisit>> visitsByTask = new HashMap<>();
  private final Map<Integer, Set<Integer>> neighbours = new HashMap<>();

  QuestionsOracle(GeneratedNetwork network, Collection<GeneratedVisit> visits) {
    this.visits = List.copyOf(visits);
    for (GeneratedVisit v : visits) {
      visitsByTask.computeIfAbsent(v.taskId(), t -> new HashMap<>()).put(v.visitId(), v);
    }
    // Build the undirected adjacency from the edge list, not from the network's own helpers.
    for (GeneratedNetwork.Edge e : network.edges()) {
      neighbours.computeIfAbsent(e.low(), n -> new HashSet<>()).add(e.high());
      neighbours.computeIfAbsent(e.high(), n -> new HashSet<>()).add(e.low());
    }
  }

  /** q1: successful visits, skill above L, date in [from, to], at least K earlier failures. */
  List<List<Object>> q1(int skillAbove, LocalDate from, LocalDate to, int minFailed) {
    List<List<Object>> rows = new ArrayList<>();
    for (GeneratedVisit v : visits) {
      if (!v.succeeded()
          || v.skillLevel() <= skillAbove
          || v.visitDate().isBefore(from)
          || v.visitDate().isAfter(to)) {
        continue;
      }
      int failedBefore = 0;
      for (GeneratedVisit other : visitsByTask.get(v.taskId()).values()) {
        if (other.visitId() < v.visitId() && !other.succeeded()) {
          failedBefore++;
        }
      }
      if (failedBefore >= minFailed) {
        rows.add(List.of(v.taskId(), v.visitId(), v.nodeId(), v.visitDate(), v.skillLevel()));
      }
    }
    return sorted(rows);
  }

  /** q2: visit 1 failed, visit 2 succeeded, at least W distinct tokens in both notes. */
  List<List<Object>> q2(int minShared) {
    List<List<Object>> rows = new ArrayList<>();
    for (Map.Entry<Long, Map<Integer, GeneratedVisit>> task : visitsByTask.entrySet()) {
      GeneratedVisit first = task.getValue().get(1);
      GeneratedVisit second = task.getValue().get(2);
      if (first == null || second == null || first.succeeded() || !second.succeeded()) {
        continue;
      }
      Set<Integer> shared = tokens(first);
      shared.retainAll(tokens(second));
      if (shared.size() >= minShared) {
        rows.add(List.of(task.getKey(), shared.size()));
      }
    }
    return sorted(rows);
  }

  /** q3: breadth-first search over undirected edges, origin excluded, with distance. */
  List<List<Object>> q3(int origin, int maxHops) {
    List<List<Object>> rows = new ArrayList<>();
    hops(origin, maxHops).forEach((node, hops) -> rows.add(List.of(node, hops)));
    return sorted(rows);
  }

  /** q4: nodes of q3 with at least F failed visits dated in year Y. */
  List<List<Object>> q4(int origin, int maxHops, int minFailed, int year) {
    Map<Integer, Long> failed = new HashMap<>();
    for (GeneratedVisit v : visits) {
      if (!v.succeeded() && v.visitDate().getYear() == year) {
        failed.merge(v.nodeId(), 1L, Long::sum);
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    for (int node : hops(origin, maxHops).keySet()) {
      long count = failed.getOrDefault(node, 0L);
      if (count >= minFailed) {
        rows.add(List.of(node, count));
      }
    }
    return sorted(rows);
  }

  /** q5: nodes of q3 with a visit in [from, to] whose note holds the whole token T. */
  List<List<Object>> q5(int origin, int maxHops, LocalDate from, LocalDate to, int token) {
    Set<Integer> matching = new HashSet<>();
    for (GeneratedVisit v : visits) {
      if (!v.visitDate().isBefore(from) && !v.visitDate().isAfter(to) && holds(v, token)) {
        matching.add(v.nodeId());
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    for (int node : hops(origin, maxHops).keySet()) {
      if (matching.contains(node)) {
        rows.add(List.of(node));
      }
    }
    return sorted(rows);
  }

  private Map<Integer, Integer> hops(int origin, int maxHops) {
    Map<Integer, Integer> distance = new TreeMap<>();
    distance.put(origin, 0);
    Deque<Integer> queue = new ArrayDeque<>(List.of(origin));
    while (!queue.isEmpty()) {
      int node = queue.removeFirst();
      int d = distance.get(node);
      if (d >= maxHops) {
        continue;
      }
      for (int next : neighbours.getOrDefault(node, Set.of())) {
        if (!distance.containsKey(next)) {
          distance.put(next, d + 1);
          queue.addLast(next);
        }
      }
    }
    distance.remove(origin);
    return distance;
  }

  private static Set<Integer> tokens(GeneratedVisit v) {
    Set<Integer> set = new HashSet<>();
    for (int t : v.noteTokens()) {
      set.add(t);
    }
    return set;
  }

  private static boolean holds(GeneratedVisit v, int token) {
    for (int t : v.noteTokens()) {
      if (t == token) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final Comparator<List<Object>> BY_EVERY_COLUMN =
      (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
          int c = ((Comparable) a.get(i)).compareTo(b.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

  private static List<List<Object>> sorted(List<List<Object>> rows) {
    rows.sort(BY_EVERY_COLUMN);
    return rows;
  }
}
