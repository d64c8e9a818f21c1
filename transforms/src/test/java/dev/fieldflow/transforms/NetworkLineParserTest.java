package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkLineParserTest {

  private static final String FILE = "network/adjacency.txt";
  private static final long LINE_NUMBER = 4;

  private static ParseResult<AdjacencyLine> parse(String text) {
    return NetworkLineParser.parse(new SourceLine(FILE, LINE_NUMBER, text));
  }

  private static ParseResult<AdjacencyLine> adjacency(int node, int... neighbours) {
    return ParseResult.parsed(new AdjacencyLine(FILE, LINE_NUMBER, node, neighbours));
  }

  private static ParseResult<AdjacencyLine> badNode(String text, String message) {
    return ParseResult.rejected(
        new RejectedLine(FILE, LINE_NUMBER, text, text.length(), RejectReason.BAD_NODE, message));
  }

  @Test
  void firstTokenIsTheNodeAndTheRestItsNeighboursInOrder() {
    assertThat(parse("NODE1 NODE3 NODE5 NODE8"), is(adjacency(1, 3, 5, 8)));
  }

  @Test
  void singleTokenLineDeclaresANodeWithoutNeighbours() {
    assertThat(parse("NODE7"), is(adjacency(7)));
  }

  @Test
  void edgeWrittenOnceAppearsOnlyOnTheLineThatWritesIt() {
    assertThat(parse("NODE1 NODE3"), is(adjacency(1, 3)));
    assertThat(parse("NODE3"), is(adjacency(3)));
  }

  @Test
  void selfLoopIsKept() {
    assertThat(parse("NODE4 NODE4 NODE5"), is(adjacency(4, 4, 5)));
  }

  @Test
  void repeatedNeighbourIsKept() {
    assertThat(parse("NODE4 NODE5 NODE5"), is(adjacency(4, 5, 5)));
  }

  @Test
  void bareIntegersAreNodes() {
    assertThat(parse("1 3 NODE5"), is(adjacency(1, 3, 5)));
  }

  @Test
  void leadingZerosAreAccepted() {
    assertThat(parse("NODE007 0"), is(adjacency(7, 0)));
  }

  @Test
  void largestIntIsAValidNode() {
    assertThat(parse("NODE2147483647"), is(adjacency(Integer.MAX_VALUE)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"#", "# networkx adjacency list", "  # indented comment",
      "#NODE1 NODE3"})
  void commentOnlyLineYieldsNothing(String comment) {
    assertThat(parse(comment), is(ParseResult.ignored()));
  }

  @Test
  void commentAfterTokensIsIgnored() {
    assertThat(parse("NODE1 NODE3 # surveyed 2019"), is(adjacency(1, 3)));
  }

  @Test
  void commentStartsEvenInsideAToken() {
    assertThat(parse("NODE1 NODE3#5"), is(adjacency(1, 3)));
  }

  @Test
  void tokensAreSeparatedByAnyWhitespace() {
    assertThat(parse("  NODE1\tNODE3   NODE5\u000BNODE8 "), is(adjacency(1, 3, 5, 8)));
  }

  @Test
  void trailingCarriageReturnIsIgnored() {
    assertThat(parse("NODE1 NODE3\r"), is(adjacency(1, 3)));
  }

  @Test
  void leadingByteOrderMarkIsIgnored() {
    assertThat(parse("\uFEFFNODE1 NODE3"), is(adjacency(1, 3)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\t", "\r", "\uFEFF"})
  void blankLineYieldsNothing(String blank) {
    assertThat(parse(blank), is(ParseResult.ignored()));
  }

  @Test
  void badFirstTokenRejectsTheLineAsBadNode() {
    assertThat(parse("NODEx NODE3"),
        is(badNode("NODEx NODE3", "node 'NODEx' is not NODE<n> or a bare <n> with n in "
            + "0..2147483647")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"node3", "NODE", "NODE-1", "-1", "+5", "NODE+5", "N3", "NODE3x",
      "NODE2147483648", "2147483648", "3.0", "NODE1,NODE3"})
  void neighbourThatIsNotANodeRejectsTheWholeLineAsBadNode(String token) {
    String text = "NODE1 NODE2 " + token + " NODE4";
    assertThat(parse(text), is(badNode(text, "neighbour 2 '" + token
        + "' is not NODE<n> or a bare <n> with n in 0..2147483647")));
  }
}
