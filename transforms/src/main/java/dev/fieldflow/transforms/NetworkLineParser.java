package dev.fieldflow.transforms;

/**
 * Parses one line of the network's adjacency list (networkx format, see docs/DATA-CONTRACT.md) into
 * an {@link AdjacencyLine}: the first token is the node, the others its neighbours, in file
 * order. Pure: no pipeline needed.
 *
 * <p>{@code #} starts a comment anywhere on the line; tokens are separated by any whitespace
 * (a trailing {@code \r} is whitespace); a leading byte-order mark is ignored. A token is
 * {@code NODE<n>} or a bare {@code <n>}, n in 0..2147483647 written with ASCII digits, leading
 * zeros allowed ({@code NODE007} is 7); anything else ({@code node7}, {@code NODE}, {@code
 * NODE-1}, {@code +5}) rejects the whole line as {@code bad_node}. Self-loops and repeated
 * neighbours are kept: the snapshot assembly counts and drops them. A blank or comment-only
 * line yields nothing.
 */
public final class NetworkLineParser {
  private static final String PREFIX = "NODE";

  private NetworkLineParser() {}

  /** An adjacency line, a rejected line, or {@link ParseResult.Ignored} for no tokens. */
  public static ParseResult<AdjacencyLine> parse(SourceLine line) {
    String text = line.textWithoutByteOrderMark();
    int comment = text.indexOf('#');
    String[] tokens = Tokens.words(comment < 0 ? text : text.substring(0, comment));
    if (tokens.length == 0) {
      return ParseResult.ignored();
    }
    int node = nodeNumber(tokens[0]);
    if (node < 0) {
      return badNode(line, "node '" + tokens[0] + "'");
    }
    int[] neighbours = new int[tokens.length - 1];
    for (int i = 0; i < neighbours.length; i++) {
      neighbours[i] = nodeNumber(tokens[i + 1]);
      if (neighbours[i] < 0) {
        return badNode(line, "neighbour " + (i + 1) + " '" + tokens[i + 1] + "'");
      }
    }
    return ParseResult.parsed(new AdjacencyLine(line.file(), line.lineNumber(), node, neighbours));
  }

  /** The token's node number, or -1 if it is not one. */
  private static int nodeNumber(String token) {
    int digitsStart = token.startsWith(PREFIX) ? PREFIX.length() : 0;
    long number = Tokens.unsignedDecimal(token, digitsStart, Integer.MAX_VALUE);
    return number < 0 ? -1 : (int) number;
  }

  private static ParseResult<AdjacencyLine> badNode(SourceLine line, String token) {
    return ParseResult.rejected(RejectedLine.of(line, RejectReason.BAD_NODE,
        token + " is not NODE<n> or a bare <n> with n in 0.." + Integer.MAX_VALUE));
  }
}
