package dev.fieldflow.testdata;

import java.util.Random;

/**
 * Derives independent random streams from the one seed, one per purpose, so that asking for
 * more visits does not change the network, and bad lines do not move the visits.
 * {@link Random} is used because its algorithms are specified by the Java platform: the same
 * seed gives the same numbers on every JDK, which keeps the committed sample reproducible.
 */
final class SeedStreams {

  static final int NETWORK = 1;
  static final int NODE_ATTRIBUTES = 2;
  static final int VISITS = 3;
  static final int LAYOUT = 4;

  private SeedStreams() {}

  static Random stream(long seed, int purpose) {
    return new Random(mix(seed + purpose * 0x9E3779B97F4A7C15L));
  }

  /** SplitMix64's finaliser: a fixed, portable scramble of 64 bits. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
