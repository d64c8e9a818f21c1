package dev.fieldflow.testdata;

import dev.fieldflow.testdata.AdjacencyFile.Adjacency;
import dev.fieldflow.testdata.AdjacencyFile.Bad;
import dev.fieldflow.testdata.AdjacencyFile.Blank;
import dev.fieldflow.testdata.AdjacencyFile.Comment;
import dev.fieldflow.testdata.AdjacencyFile.Line;
import dev.fieldflow.testdata.GeneratedNetwork.Edge;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Draws a random network like the origin's (dense, mildly uneven degrees, nearly every node
 * within two hops of every other) and plans its adjacency file the way networkx writes one:
 * nodes in an arbitrary order, each edge on the line of whichever end comes first, so it lands
 * sometimes on the lower id's line and sometimes on the higher's, and the last nodes often have
 * single-token lines.
 */
final class NetworkGenerator {

  /** A line that must be written as given: the hard cases' far-end edges. */
  record FixedLine(int node, int[] neighbours) {}

  private static final String[] BAD_NODE_FORMS = {
    "NODE%d NODE%d NODE", "NODE%d NODEx%d", "NODE%d %d.5", "NODE%d -%d", "NOD%d NODE%d",
    "NODE%d node%d", "NODE%d,NODE%d",
  };

  private final Params params;
  private final Random random;

  NetworkGenerator(Params params, Random random) {
    this.params = params;
    this.random = random;
  }

  /** Undirected edges among {@code NODE1..NODE<nodes>}, exactly {@code edges} of them. */
  SortedSet<Edge> randomEdges() {
    int n = params.nodes();
    int m = params.edges();
    SortedSet<Edge> edges = new TreeSet<>();
    if (m > Params.maxEdgesLong(n) / 2) {
      // Dense: shuffle all pairs and keep a prefix, rather than reject most draws.
      List<Edge> all = new ArrayList<>();
      for (int a = 1; a <= n; a++) {
        for (int b = a + 1; b <= n; b++) {
          all.add(new Edge(a, b));
        }
      }
      shuffle(all);
      edges.addAll(all.subList(0, m));
      return edges;
    }
    // Chung-Lu style: a node's chance to be an end is its weight, so degrees vary a little.
    double[] cumulative = new double[n];
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += 1.0 / (1.0 - 0.6 * random.nextDouble());
      cumulative[i] = total;
    }
    Set<Edge> drawn = new HashSet<>();
    while (drawn.size() < m) {
      int a = pick(cumulative, total);
      int b = pick(cumulative, total);
      if (a != b) {
        drawn.add(Edge.of(a + 1, b + 1));
      }
    }
    edges.addAll(drawn);
    return edges;
  }

  /**
   * The adjacency file for {@code edges} among nodes 1..n, followed by {@code fixedLines}, with
   * quirks and bad lines mixed in as the parameters ask.
   */
  AdjacencyFile plan(SortedSet<Edge> edges, List<FixedLine> fixedLines) {
    int n = params.nodes();
    List<Integer> order = new ArrayList<>();
    for (int node = 1; node <= n; node++) {
      order.add(node);
    }
    shuffle(order);
    int[] position = new int[n + 1];
    for (int i = 0; i < n; i++) {
      position[order.get(i)] = i;
    }
    List<List<Integer>> written = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      written.add(new ArrayList<>());
    }
    for (Edge e : edges) {
      int owner = position[e.low()] < position[e.high()] ? e.low() : e.high();
      int other = owner == e.low() ? e.high() : e.low();
      written.get(position[owner]).add(other);
    }
    for (List<Integer> neighbours : written) {
      neighbours.sort((a, b) -> Integer.compare(position[a], position[b]));
    }

    List<Line> body = new ArrayList<>();
    List<Line> extras = new ArrayList<>();
    if (params.quirks()) {
      writeSomeEdgesTwice(edges, position, written);
      addSelfLoops(written, order);
      Adjacency continuation = splitOneLine(written, order);
      if (continuation != null) {
        extras.add(continuation);
      }
      extras.add(new Comment("# the rest of the export follows"));
      extras.add(new Blank());
      extras.add(new Blank());
    }
    for (int i = 0; i < n; i++) {
      body.add(adjacency(order.get(i), toArray(written.get(i)), params.quirks()));
    }
    if (params.quirks()) {
      addTrailingComment(body);
    }
    for (int i = 0; i < params.badNetworkLines(); i++) {
      extras.add(badLine(i, n));
    }
    for (Line extra : extras) {
      body.add(random.nextInt(body.size() + 1), extra);
    }

    List<Line> lines = new ArrayList<>();
    lines.add(new Comment("#dev.fieldflow.testdata.Generate --seed " + params.seed() + " --nodes "
        + params.nodes() + " --edges " + params.edges()));
    lines.add(new Comment("# GMT Thu Jan  2 00:00:00 2020"));
    lines.add(new Comment("# fieldflow network"));
    lines.addAll(body);
    for (FixedLine fixed : fixedLines) {
      lines.add(adjacency(fixed.node(), fixed.neighbours(), false));
    }
    return new AdjacencyFile(lines, params.quirks(), params.quirks());
  }

  /** A few edges also on the other end's line: the pipeline drops the repeat with a count. */
  private void writeSomeEdgesTwice(SortedSet<Edge> edges, int[] position,
      List<List<Integer>> written) {
    if (edges.isEmpty()) {
      return;
    }
    List<Edge> all = new ArrayList<>(edges);
    int repeats = Math.min(all.size(), Math.max(3, all.size() / 2000));
    Set<Edge> chosen = new TreeSet<>();
    while (chosen.size() < repeats) {
      chosen.add(all.get(random.nextInt(all.size())));
    }
    for (Edge e : chosen) {
      int owner = position[e.low()] < position[e.high()] ? e.low() : e.high();
      int other = owner == e.low() ? e.high() : e.low();
      written.get(position[other]).add(owner);
    }
  }

  private void addSelfLoops(List<List<Integer>> written, List<Integer> order) {
    Set<Integer> chosen = new TreeSet<>();
    while (chosen.size() < Math.min(3, order.size())) {
      chosen.add(random.nextInt(order.size()));
    }
    for (int at : chosen) {
      written.get(at).add(random.nextInt(written.get(at).size() + 1), order.get(at));
    }
  }

  /** Moves the second half of one long line to a line of its own further down. */
  private Adjacency splitOneLine(List<List<Integer>> written, List<Integer> order) {
    for (int i = 0; i < written.size(); i++) {
      List<Integer> neighbours = written.get(i);
      if (neighbours.size() >= 6) {
        List<Integer> rest = new ArrayList<>(neighbours.subList(neighbours.size() / 2,
            neighbours.size()));
        neighbours.subList(neighbours.size() / 2, neighbours.size()).clear();
        return adjacency(order.get(i), toArray(rest), false);
      }
    }
    return null;
  }

  private void addTrailingComment(List<Line> body) {
    for (int tries = 0; tries < body.size(); tries++) {
      int at = random.nextInt(body.size());
      if (body.get(at) instanceof Adjacency a && a.neighbours().length > 0) {
        body.set(at, new Adjacency(a.node(), a.neighbours(), a.tokens(), "# checked on site"));
        return;
      }
    }
  }

  private Bad badLine(int index, int n) {
    String form = BAD_NODE_FORMS[index % BAD_NODE_FORMS.length];
    int a = 1 + random.nextInt(n);
    int b = 1 + random.nextInt(n);
    return new Bad(String.format(Locale.ROOT, form, a, b), RejectCode.BAD_NODE);
  }

  private Adjacency adjacency(int node, int[] neighbours, boolean someBare) {
    String[] tokens = new String[neighbours.length + 1];
    tokens[0] = nodeToken(node, someBare && random.nextInt(200) == 0);
    for (int i = 0; i < neighbours.length; i++) {
      tokens[i + 1] = nodeToken(neighbours[i], someBare && random.nextInt(100) == 0);
    }
    return new Adjacency(node, neighbours, tokens, null);
  }

  private static String nodeToken(int node, boolean bare) {
    return bare ? Integer.toString(node) : "NODE" + node;
  }

  private static int[] toArray(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private int pick(double[] cumulative, double total) {
    double target = random.nextDouble() * total;
    int at = Arrays.binarySearch(cumulative, target);
    int index = at >= 0 ? at : -at - 1;
    return Math.min(index, cumulative.length - 1);
  }

  private <T> void shuffle(List<T> list) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T swap = list.get(i);
      list.set(i, list.get(j));
      list.set(j, swap);
    }
  }
}
