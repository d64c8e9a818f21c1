package dev.fieldflow.testdata;

import java.util.Objects;
import java.util.Optional;

/**
 * What to generate. Equal parameters give byte-identical files. Start from {@link #defaults()}
 * and change what matters with the {@code with...} methods.
 *
 * @param seed the seed of every random choice
 * @param nodes network nodes {@code NODE1..NODE<nodes>} before hard cases
 * @param edges undirected edges among those nodes
 * @param visits distinct visits of the random tasks (hard cases add their own)
 * @param maxVisitsPerTask each random task has 1..this many visits
 * @param linesPerFile data lines (visits and bad lines, not blank lines) per visit file; the
 *     last regular file may be shorter, and a final re-send file may follow
 * @param quirks mix in the accepted quirks of the contract (see README.md)
 * @param badLines rejectable visit lines, cycling through the visit reject codes
 * @param badNetworkLines rejectable network lines ({@code bad_node})
 * @param hardCases append the analysts' boundary cases built around these parameters
 */
public record Params(
    long seed,
    int nodes,
    int edges,
    int visits,
    int maxVisitsPerTask,
    int linesPerFile,
    boolean quirks,
    int badLines,
    int badNetworkLines,
    Optional<HardCases> hardCases) {

  /** The origin's network: 499 nodes and 13,589 undirected edges. */
  public static final int ORIGIN_NODES = 499;

  public static final int ORIGIN_EDGES = 13_589;

  /** Visit ids are at most this, which keeps (task, visit) keys simple. */
  public static final int MAX_VISITS_PER_TASK = 1000;

  public Params {
    Objects.requireNonNull(hardCases, "hardCases");
    require(nodes >= 2, "nodes must be >= 2, got " + nodes);
    require(edges >= 0 && edges <= maxEdges(nodes),
        "edges must be in 0.." + maxEdges(nodes) + " for " + nodes + " nodes, got " + edges);
    require(visits >= 0, "visits must be >= 0, got " + visits);
    require(maxVisitsPerTask >= 1 && maxVisitsPerTask <= MAX_VISITS_PER_TASK,
        "max visits per task must be in 1.." + MAX_VISITS_PER_TASK + ", got " + maxVisitsPerTask);
    require(linesPerFile >= 1, "lines per file must be >= 1, got " + linesPerFile);
    require(badLines >= 0, "bad lines must be >= 0, got " + badLines);
    require(badNetworkLines >= 0, "bad network lines must be >= 0, got " + badNetworkLines);
    hardCases.ifPresent(h -> require(h.centerNode() >= 1 && h.centerNode() <= nodes,
        "hard cases need their center node NODE" + h.centerNode()
            + " in the network, but the network has NODE1..NODE" + nodes));
  }

  /** Seed 1, the origin's 499-node network, 15,000 visits, 1,000 lines a file, no quirks. */
  public static Params defaults() {
    return new Params(1, ORIGIN_NODES, ORIGIN_EDGES, 15_000, 5, 1000, false, 0, 0,
        Optional.empty());
  }

  /** Edges that give {@code nodes} nodes the origin network's density. */
  public static int originDensityEdges(int nodes) {
    double density = (double) ORIGIN_EDGES / maxEdges(ORIGIN_NODES);
    return (int) Math.min(maxEdges(nodes), Math.round(density * maxEdges(nodes)));
  }

  static long maxEdgesLong(int nodes) {
    return (long) nodes * (nodes - 1) / 2;
  }

  private static int maxEdges(int nodes) {
    return (int) Math.min(Integer.MAX_VALUE, maxEdgesLong(nodes));
  }

  public Params withSeed(long newSeed) {
    return new Params(newSeed, nodes, edges, visits, maxVisitsPerTask, linesPerFile, quirks,
        badLines, badNetworkLines, hardCases);
  }

  /** Also sets {@link #edges} to the origin's density; call {@link #withEdges} after it. */
  public Params withNodes(int newNodes) {
    return new Params(seed, newNodes, originDensityEdges(Math.max(newNodes, 2)), visits,
        maxVisitsPerTask, linesPerFile, quirks, badLines, badNetworkLines, hardCases);
  }

  public Params withEdges(int newEdges) {
    return new Params(seed, nodes, newEdges, visits, maxVisitsPerTask, linesPerFile, quirks,
        badLines, badNetworkLines, hardCases);
  }

  public Params withVisits(int newVisits) {
    return new Params(seed, nodes, edges, newVisits, maxVisitsPerTask, linesPerFile, quirks,
        badLines, badNetworkLines, hardCases);
  }

  public Params withMaxVisitsPerTask(int newMax) {
    return new Params(seed, nodes, edges, visits, newMax, linesPerFile, quirks, badLines,
        badNetworkLines, hardCases);
  }

  public Params withLinesPerFile(int newLinesPerFile) {
    return new Params(seed, nodes, edges, visits, maxVisitsPerTask, newLinesPerFile, quirks,
        badLines, badNetworkLines, hardCases);
  }

  public Params withQuirks(boolean newQuirks) {
    return new Params(seed, nodes, edges, visits, maxVisitsPerTask, linesPerFile, newQuirks,
        badLines, badNetworkLines, hardCases);
  }

  public Params withBadLines(int newBadLines) {
    return new Params(seed, nodes, edges, visits, maxVisitsPerTask, linesPerFile, quirks,
        newBadLines, badNetworkLines, hardCases);
  }

  public Params withBadNetworkLines(int newBadNetworkLines) {
    return new Params(seed, nodes, edges, visits, maxVisitsPerTask, linesPerFile, quirks,
        badLines, newBadNetworkLines, hardCases);
  }

  public Params withHardCases(HardCases newHardCases) {
    return new Params(seed, nodes, edges, visits, maxVisitsPerTask, linesPerFile, quirks,
        badLines, badNetworkLines, Optional.of(newHardCases));
  }

  public Params withoutHardCases() {
    return new Params(seed, nodes, edges, visits, maxVisitsPerTask, linesPerFile, quirks,
        badLines, badNetworkLines, Optional.empty());
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
