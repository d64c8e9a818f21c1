package dev.fieldflow.testdata;

import dev.fieldflow.testdata.GeneratedNetwork.Edge;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The network file as planned, line by line, before it is rendered to bytes. Its counts and
 * its meaning are read from this plan, never from the rendered text.
 */
final class AdjacencyFile {

  static final String PATH = "network/network.adjlist";

  sealed interface Line permits Comment, Blank, Adjacency, Bad {}

  /** A whole-line comment; {@code text} starts with {@code #}. */
  record Comment(String text) implements Line {}

  record Blank() implements Line {}

  /**
   * A node and the neighbours written on its line; {@code tokens} are the rendered tokens
   * ({@code NODE5} or a bare {@code 5}), first the node's own.
   */
  record Adjacency(int node, int[] neighbours, String[] tokens, String trailingComment)
      implements Line {}

  /** A line the pipeline must reject for {@code code}. */
  record Bad(String text, RejectCode code) implements Line {}

  private final List<Line> lines;
  private final boolean bom;
  private final boolean crlf;

  AdjacencyFile(List<Line> lines, boolean bom, boolean crlf) {
    this.lines = List.copyOf(lines);
    this.bom = bom;
    this.crlf = crlf;
  }

  List<Line> lines() {
    return lines;
  }

  byte[] render() {
    String eol = crlf ? "\r\n" : "\n";
    StringBuilder text = new StringBuilder(lines.size() * 300);
    if (bom) {
      text.append('\uFEFF');
    }
    for (Line line : lines) {
      if (line instanceof Comment c) {
        text.append(c.text());
      } else if (line instanceof Adjacency a) {
        text.append(String.join(" ", a.tokens()));
        if (a.trailingComment() != null) {
          text.append(' ').append(a.trailingComment());
        }
      } else if (line instanceof Bad b) {
        text.append(b.text());
      }
      text.append(eol);
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** What the pipeline must make of this file: the network and the ledger's counts. */
  Reading read() {
    SortedSet<Integer> nodes = new TreeSet<>();
    Set<Edge> edges = new HashSet<>();
    Map<RejectCode, Long> rejects = new EnumMap<>(RejectCode.class);
    List<Manifest.ExpectedReject> rejectedLines = new ArrayList<>();
    long comments = 0;
    long blanks = 0;
    long data = 0;
    long singleToken = 0;
    long neighbourTokens = 0;
    long selfLoops = 0;
    long repeated = 0;
    for (int i = 0; i < lines.size(); i++) {
      Line line = lines.get(i);
      if (line instanceof Comment) {
        comments++;
      } else if (line instanceof Blank) {
        blanks++;
      } else if (line instanceof Bad b) {
        data++;
        rejects.merge(b.code(), 1L, Long::sum);
        rejectedLines.add(new Manifest.ExpectedReject("network", PATH, i + 1, b.code()));
      } else if (line instanceof Adjacency a) {
        data++;
        nodes.add(a.node());
        if (a.neighbours().length == 0) {
          singleToken++;
        }
        for (int neighbour : a.neighbours()) {
          neighbourTokens++;
          nodes.add(neighbour);
          if (neighbour == a.node()) {
            selfLoops++;
          } else if (!edges.add(Edge.of(a.node(), neighbour))) {
            repeated++;
          }
        }
      }
    }
    GeneratedNetwork network = new GeneratedNetwork(nodes, new TreeSet<>(edges));
    Manifest.NetworkCounts counts = new Manifest.NetworkCounts(PATH, bom, crlf, nodes.size(),
        edges.size(), lines.size(), data, comments, blanks, singleToken, neighbourTokens,
        selfLoops, repeated, rejectedLines.size(), Manifest.allCodes(rejects));
    return new Reading(network, counts, rejectedLines);
  }

  record Reading(
      GeneratedNetwork network,
      Manifest.NetworkCounts counts,
      List<Manifest.ExpectedReject> rejectedLines) {}
}
