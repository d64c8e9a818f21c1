package dev.fieldflow.transforms;

import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One parsed line of the network's adjacency list: a node and the neighbours written on its
 * line. Edges are undirected; an edge usually appears on one end's line only. Self-loops and
 * repeated edges are kept here and dropped (with a count) when the snapshot is assembled.
 *
 * @param file where the line came from
 * @param lineNumber 1-based line number in that file
 * @param nodeId the first token's node number
 * @param neighbours the other tokens' node numbers, in file order (may be empty)
 */
@DefaultCoder(AdjacencyLineCoder.class)
public record AdjacencyLine(String file, long lineNumber, int nodeId, int[] neighbours) {
  public AdjacencyLine {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(neighbours, "neighbours");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AdjacencyLine other
        && file.equals(other.file)
        && lineNumber == other.lineNumber
        && nodeId == other.nodeId
        && Arrays.equals(neighbours, other.neighbours);
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, lineNumber, nodeId, Arrays.hashCode(neighbours));
  }

  @Override
  public String toString() {
    return "AdjacencyLine[" + file + ":" + lineNumber + " " + nodeId + " -> "
        + Arrays.toString(neighbours) + "]";
  }
}
