package dev.fieldflow.ingest.network;

/** A network load that would shrink the network by more than its {@link ShrinkLimit}. */
public final class NetworkShrinkRefusedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  NetworkShrinkRefusedException(String message) {
    super(message);
  }
}
