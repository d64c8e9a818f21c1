package dev.fieldflow.testdata;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The analysts' five questions (POSTGRES-MODEL.md) answered in plain Java over a stored state,
 * to check the SQL against. Dates are calendar dates and ranges include both ends; each answer
 * is sorted by its first columns, as the SQL's must be.
 */
public final class ExpectedAnswers {

  public record Q1Row(long taskId, int visitId, int nodeId, LocalDate visitDate,
      int engineerSkillLevel) {}

  public record Q2Row(long taskId, int sharedTokens) {}

  public record Q3Row(int nodeId, int hops) {}

  public record Q4Row(int nodeId, long failedVisits) {}

  private final GeneratedNetwork network;
  private final Map<Long, List<GeneratedVisit>> visitsByTask = new TreeMap<>();

  public ExpectedAnswers(GeneratedNetwork network, Collection<GeneratedVisit> visits) {
    this.network = network;
    for (GeneratedVisit v : visits) {
      visitsByTask.computeIfAbsent(v.taskId(), t -> new ArrayList<>()).add(v);
    }
  }

  /**
   * q1: successful visits by engineers with skill above {@code minSkillExclusive}, dated in
   * [from, to], after at least {@code minFailedBefore} failed visits of the same task with a
   * smaller visit id. By task id, visit id.
   */
  public List<Q1Row> q1(int minSkillExclusive, LocalDate from, LocalDate to,
      int minFailedBefore) {
    List<Q1Row> rows = new ArrayList<>();
    for (List<GeneratedVisit> task : visitsByTask.values()) {
      for (GeneratedVisit v : task) {
        if (v.succeeded() && v.skillLevel() > minSkillExclusive && within(v.visitDate(), from, to)
            && failedBefore(task, v.visitId()) >= minFailedBefore) {
          rows.add(new Q1Row(v.taskId(), v.visitId(), v.nodeId(), v.visitDate(),
              v.skillLevel()));
        }
      }
    }
    rows.sort((a, b) -> a.taskId() != b.taskId() ? Long.compare(a.taskId(), b.taskId())
        : Integer.compare(a.visitId(), b.visitId()));
    return rows;
  }

  /**
   * q2: tasks whose visit 1 failed and visit 2 succeeded, and whose two notes share at least
   * {@code minSharedTokens} distinct tokens. By task id.
   */
  public List<Q2Row> q2(int minSharedTokens) {
    List<Q2Row> rows = new ArrayList<>();
    for (Map.Entry<Long, List<GeneratedVisit>> task : visitsByTask.entrySet()) {
      GeneratedVisit first = visit(task.getValue(), 1);
      GeneratedVisit second = visit(task.getValue(), 2);
      if (first == null || second == null || first.succeeded() || !second.succeeded()) {
        continue;
      }
      Set<Integer> shared = distinct(first.tokensView());
      shared.retainAll(distinct(second.tokensView()));
      if (shared.size() >= minSharedTokens) {
        rows.add(new Q2Row(task.getKey(), shared.size()));
      }
    }
    return rows;
  }

  /** q3: nodes within {@code maxHops} of {@code node}, edges both ways, itself excluded. */
  public List<Q3Row> q3(int node, int maxHops) {
    List<Q3Row> rows = new ArrayList<>();
    network.hopsFrom(node, maxHops).forEach((n, hops) -> rows.add(new Q3Row(n, hops)));
    return rows;
  }

  /** q4: nodes of q3 with at least {@code minFailedVisits} failed visits dated in {@code year}. */
  public List<Q4Row> q4(int node, int maxHops, int minFailedVisits, int year) {
    SortedMap<Integer, Long> failed = new TreeMap<>();
    Set<Integer> near = network.hopsFrom(node, maxHops).keySet();
    for (List<GeneratedVisit> task : visitsByTask.values()) {
      for (GeneratedVisit v : task) {
        if (!v.succeeded() && v.visitDate().getYear() == year && near.contains(v.nodeId())) {
          failed.merge(v.nodeId(), 1L, Long::sum);
        }
      }
    }
    List<Q4Row> rows = new ArrayList<>();
    failed.forEach((n, count) -> {
      if (count >= minFailedVisits) {
        rows.add(new Q4Row(n, count));
      }
    });
    return rows;
  }

  /**
   * q5: nodes of q3 with at least one visit dated in [from, to] whose note contains
   * {@code token} (as a token, not as digits of another token). Ascending.
   */
  public List<Integer> q5(int node, int maxHops, LocalDate from, LocalDate to, int token) {
    Set<Integer> near = network.hopsFrom(node, maxHops).keySet();
    Set<Integer> nodes = new TreeSet<>();
    for (List<GeneratedVisit> task : visitsByTask.values()) {
      for (GeneratedVisit v : task) {
        if (near.contains(v.nodeId()) && within(v.visitDate(), from, to)
            && v.noteContains(token)) {
          nodes.add(v.nodeId());
        }
      }
    }
    return List.copyOf(nodes);
  }

  private static boolean within(LocalDate date, LocalDate from, LocalDate to) {
    return !date.isBefore(from) && !date.isAfter(to);
  }

  private static long failedBefore(List<GeneratedVisit> task, int visitId) {
    return task.stream().filter(v -> v.visitId() < visitId && !v.succeeded()).count();
  }

  private static GeneratedVisit visit(List<GeneratedVisit> task, int visitId) {
    for (GeneratedVisit v : task) {
      if (v.visitId() == visitId) {
        return v;
      }
    }
    return null;
  }

  private static Set<Integer> distinct(int[] tokens) {
    Set<Integer> set = new HashSet<>();
    for (int t : tokens) {
      set.add(t);
    }
    return set;
  }
}
