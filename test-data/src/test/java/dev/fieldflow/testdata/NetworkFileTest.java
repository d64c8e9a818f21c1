package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import dev.fieldflow.testdata.GeneratedNetwork.Edge;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkFileTest {

  private static final Pattern NODE_TOKEN = Pattern.compile("NODE\\d+|\\d+");

  @TempDir Path dir;

  /** One accepted line: its node and neighbours, as read from the file by hand. */
  private record Read(int node, List<Integer> neighbours) {}

  private List<String> write(Params params) throws IOException {
    Dataset.generate(params).writeTo(dir);
    return RawText.lines(dir.resolve("network/network.adjlist"));
  }

  /** Accepted adjacency lines: comments cut, blank lines skipped, bad tokens' lines left out. */
  private static List<Read> accepted(List<String> lines) {
    List<Read> read = new ArrayList<>();
    for (String line : lines) {
      int hash = line.indexOf('#');
      String data = (hash >= 0 ? line.substring(0, hash) : line).trim();
      if (data.isEmpty()) {
        continue;
      }
      String[] tokens = data.split(" ");
      boolean ok = true;
      for (String token : tokens) {
        ok &= NODE_TOKEN.matcher(token).matches();
      }
      if (!ok) {
        continue;
      }
      List<Integer> neighbours = new ArrayList<>();
      for (int i = 1; i < tokens.length; i++) {
        neighbours.add(number(tokens[i]));
      }
      read.add(new Read(number(tokens[0]), neighbours));
    }
    return read;
  }

  private static int number(String token) {
    return Integer.parseInt(token.replace("NODE", ""));
  }

  @Test
  void defaultNetworkHasTheOriginsSizeAndEachUndirectedEdgeWrittenOnce() throws IOException {
    Dataset dataset = Dataset.generate(Params.defaults().withVisits(0));
    dataset.writeTo(dir);
    List<Read> lines = accepted(RawText.lines(dir.resolve("network/network.adjlist")));

    Map<Edge, Integer> written = new HashMap<>();
    Set<Integer> nodes = new TreeSet<>();
    for (Read line : lines) {
      nodes.add(line.node());
      for (int neighbour : line.neighbours()) {
        assertThat("self-loop on NODE" + neighbour, neighbour == line.node(), is(false));
        written.merge(Edge.of(line.node(), neighbour), 1, Integer::sum);
      }
    }
    assertThat(written.values(), everyItem(is(1)));
    assertThat(written.size(), is(13_589));
    assertThat(nodes.size(), is(499));
    assertThat(new TreeSet<>(written.keySet()), equalTo(new TreeSet<>(dataset.network().edges())));
    assertThat(nodes, equalTo(dataset.network().nodes()));
    assertThat(dataset.manifest().network().edges(), is(13_589L));
    assertThat(dataset.manifest().network().nodes(), is(499));
  }

  @Test
  void edgesLandOnTheLowerIdsLineAsWellAsOnTheHighers() throws IOException {
    List<Read> lines = accepted(write(Params.defaults().withVisits(0)));

    int onLower = 0;
    int onHigher = 0;
    for (Read line : lines) {
      for (int neighbour : line.neighbours()) {
        if (line.node() < neighbour) {
          onLower++;
        } else {
          onHigher++;
        }
      }
    }
    assertThat(onLower, greaterThan(13_589 / 3));
    assertThat(onHigher, greaterThan(13_589 / 3));
  }

  @Test
  void someLinesNameOnlyTheirNode() throws IOException {
    List<Read> lines = accepted(write(Params.defaults().withVisits(0)));

    long single = lines.stream().filter(l -> l.neighbours().isEmpty()).count();
    assertThat(single, greaterThan(0L));
    assertThat(single, lessThan(50L));
  }

  @Test
  void startsWithANetworkxStyleCommentHeader() throws IOException {
    List<String> lines = write(Params.defaults().withVisits(0));

    assertThat(lines.get(0), startsWith("#"));
    assertThat(lines.get(1), startsWith("# GMT "));
    assertThat(lines.get(2), startsWith("# "));
  }

  @Test
  void nearlyEveryNodeIsWithinTwoHopsOfEveryOther() {
    GeneratedNetwork network = Dataset.generate(Params.defaults().withVisits(0)).network();

    long pairsWithinTwo = 0;
    for (int node : network.nodes()) {
      pairsWithinTwo += network.hopsFrom(node, 2).size();
    }
    long pairs = 499L * 498;
    assertThat((double) pairsWithinTwo / pairs, greaterThan(0.99));
  }

  @Test
  void quirkyNetworkCountsAgreeWithAReadingByHand() throws IOException {
    Dataset dataset = Dataset.generate(Params.defaults().withSeed(5).withVisits(0)
        .withQuirks(true).withBadNetworkLines(9).withHardCases(HardCases.analystDefaults()));
    dataset.writeTo(dir);
    Path file = dir.resolve("network/network.adjlist");
    byte[] bytes = Files.readAllBytes(file);
    List<String> raw = RawText.lines(file);
    List<Read> lines = accepted(raw);

    Set<Edge> edges = new HashSet<>();
    Set<Integer> nodes = new HashSet<>();
    long selfLoops = 0;
    long repeated = 0;
    long tokens = 0;
    for (Read line : lines) {
      nodes.add(line.node());
      for (int neighbour : line.neighbours()) {
        tokens++;
        nodes.add(neighbour);
        if (neighbour == line.node()) {
          selfLoops++;
        } else if (!edges.add(Edge.of(line.node(), neighbour))) {
          repeated++;
        }
      }
    }
    long blank = raw.stream().filter(String::isEmpty).count();
    long comments = raw.stream().filter(l -> l.startsWith("#")).count();
    Manifest.NetworkCounts counts = dataset.manifest().network();
    assertThat(new String(bytes, 0, 3, StandardCharsets.UTF_8), is("\uFEFF"));
    assertThat(new String(bytes, StandardCharsets.UTF_8).contains("\r\n"), is(true));
    assertThat(counts.lines(), is((long) raw.size()));
    assertThat(counts.blankLines(), is(blank));
    assertThat(counts.commentLines(), is(comments));
    assertThat(counts.dataLines(), is(raw.size() - blank - comments));
    assertThat(counts.rejected(), is(counts.dataLines() - lines.size()));
    assertThat(counts.rejected(), is(9L));
    assertThat(counts.rejects().get(RejectCode.BAD_NODE), is(9L));
    assertThat(counts.selfLoops(), is(selfLoops));
    assertThat(selfLoops, greaterThanOrEqualTo(1L));
    assertThat(counts.repeatedEdges(), is(repeated));
    assertThat(repeated, greaterThanOrEqualTo(1L));
    assertThat(counts.neighbourTokens(), is(tokens));
    assertThat(counts.edges(), is((long) edges.size()));
    assertThat(counts.nodes(), is(nodes.size()));
    assertThat(new TreeSet<>(edges), equalTo(new TreeSet<>(dataset.network().edges())));
    assertThat(raw.stream().anyMatch(l -> l.matches("NODE\\d+ .*#.*")), is(true));
    assertThat("a bare integer token on an accepted line", raw.stream().anyMatch(
        l -> !accepted(List.of(l)).isEmpty() && List.of(l.split(" ")).stream()
            .anyMatch(t -> t.matches("\\d+"))), is(true));
  }

  @Test
  void everyRejectedNetworkLineIsListedWithItsLineNumber() throws IOException {
    Dataset dataset = Dataset.generate(Params.defaults().withSeed(5).withVisits(0)
        .withQuirks(true).withBadNetworkLines(9));
    dataset.writeTo(dir);
    List<String> raw = RawText.lines(dir.resolve("network/network.adjlist"));

    List<Long> bad = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String line = raw.get(i);
      if (!line.isEmpty() && !line.startsWith("#") && accepted(List.of(line)).isEmpty()) {
        bad.add(i + 1L);
      }
    }
    List<Long> listed = dataset.manifest().rejectedLines().stream()
        .filter(r -> r.pipeline().equals("network")).map(Manifest.ExpectedReject::line).toList();
    assertThat(listed, equalTo(bad));
  }

  @Test
  void theNetworkHasNode94() {
    assertThat(Dataset.generate(Params.defaults().withVisits(0)).network().nodes(), hasItem(94));
  }
}
