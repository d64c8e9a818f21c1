package dev.fieldflow.ingest.network;

/**
 * What a committed network load stored: {@code edges} counts undirected edges (each stored in
 * both directions); {@code nodes} the distinct nodes the snapshot's files name.
 */
public record NetworkSnapshotSummary(
    String snapshotId,
    int files,
    int nodes,
    int edges,
    long rejectedLines,
    long droppedSelfLoops,
    long droppedDuplicates) {

  /** Repeated edges and self-loops dropped. */
  public long dropped() {
    return droppedSelfLoops + droppedDuplicates;
  }

  /** The one line scripts read: {@code 499 nodes, 13589 edges, 0 rejected lines, 0 dropped}. */
  public String describe() {
    return nodes + " nodes, " + edges + " edges, " + rejectedLines + " rejected lines, "
        + dropped() + " dropped";
  }
}
