package dev.fieldflow.testdata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The network as the pipelines must store it: every node declared in the adjacency file and
 * every undirected edge, each once, without self-loops. What is written where (and the quirks)
 * is the adjacency file's business; this is the meaning.
 */
public final class GeneratedNetwork {

  /** An undirected edge, {@code low < high}. */
  public record Edge(int low, int high) implements Comparable<Edge> {
    public Edge {
      if (low >= high) {
        throw new IllegalArgumentException("an edge needs low < high, got " + low + "-" + high);
      }
    }

    /** The edge between {@code a} and {@code b}, in either order. */
    public static Edge of(int a, int b) {
      return a < b ? new Edge(a, b) : new Edge(b, a);
    }

    @Override
    public int compareTo(Edge o) {
      return low != o.low ? Integer.compare(low, o.low) : Integer.compare(high, o.high);
    }
  }

  private final SortedSet<Integer> nodes;
  private final List<Edge> edges;
  private final Map<Integer, SortedSet<Integer>> neighbours;

  GeneratedNetwork(SortedSet<Integer> nodes, SortedSet<Edge> edges) {
    Map<Integer, SortedSet<Integer>> adjacency = new TreeMap<>();
    for (int node : nodes) {
      adjacency.put(node, new TreeSet<>());
    }
    for (Edge e : edges) {
      if (!nodes.contains(e.low()) || !nodes.contains(e.high())) {
        throw new IllegalStateException("edge " + e + " names a node outside the network");
      }
      adjacency.get(e.low()).add(e.high());
      adjacency.get(e.high()).add(e.low());
    }
    adjacency.replaceAll((node, set) -> Collections.unmodifiableSortedSet(set));
    this.nodes = Collections.unmodifiableSortedSet(new TreeSet<>(nodes));
    this.edges = List.copyOf(new ArrayList<>(edges));
    this.neighbours = Collections.unmodifiableMap(adjacency);
  }

  /** Every node id, ascending. */
  public SortedSet<Integer> nodes() {
    return nodes;
  }

  /** Every undirected edge once, ascending. */
  public List<Edge> edges() {
    return edges;
  }

  /** The neighbours of {@code node} in both directions; empty for an unknown node. */
  public SortedSet<Integer> neighbours(int node) {
    return neighbours.getOrDefault(node, Collections.emptySortedSet());
  }

  public boolean hasEdge(int a, int b) {
    return neighbours(a).contains(b);
  }

  /**
   * Nodes within {@code maxHops} of {@code start} and their distance in hops, following edges
   * in both directions; {@code start} itself is left out. Ascending by node id.
   */
  public SortedMap<Integer, Integer> hopsFrom(int start, int maxHops) {
    SortedMap<Integer, Integer> hops = new TreeMap<>();
    List<Integer> frontier = List.of(start);
    Set<Integer> seen = new HashSet<>(frontier);
    for (int distance = 1; distance <= maxHops && !frontier.isEmpty(); distance++) {
      List<Integer> next = new ArrayList<>();
      for (int node : frontier) {
        for (int neighbour : neighbours(node)) {
          if (seen.add(neighbour)) {
            hops.put(neighbour, distance);
            next.add(neighbour);
          }
        }
      }
      frontier = next;
    }
    return Collections.unmodifiableSortedMap(hops);
  }
}
