package dev.fieldflow.ingest.network;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * How much smaller than the current snapshot a network load may be before its commit refuses it:
 * a truncated upload or a wrong pattern would otherwise silently replace the whole network with
 * a fragment of it. Shrinking is measured separately for nodes and for edges; either one going
 * down by more than the ratio refuses the load. The first load (no snapshot yet) is never
 * refused.
 */
public final class ShrinkLimit implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The default: a load may lose at most half of the nodes and half of the edges. */
  public static final double DEFAULT_RATIO = 0.5;

  private final double maxRatio;
  private final boolean forced;

  private ShrinkLimit(double maxRatio, boolean forced) {
    this.maxRatio = maxRatio;
    this.forced = forced;
  }

  /**
   * Refuses a load that has more than {@code maxRatio} fewer nodes or edges than the current
   * snapshot.
   *
   * @throws IllegalArgumentException if {@code maxRatio} is not within [0, 1]
   */
  public static ShrinkLimit atMost(double maxRatio) {
    if (!(maxRatio >= 0 && maxRatio <= 1)) {
      throw new IllegalArgumentException(
          "--maxShrinkRatio must be between 0 and 1 (0.5 = refuse a load with less than half the"
              + " nodes or edges), but was " + maxRatio);
    }
    return new ShrinkLimit(maxRatio, false);
  }

  /** Accepts any load, however small: the operator said the smaller network is right. */
  public static ShrinkLimit forced() {
    return new ShrinkLimit(1, true);
  }

  /**
   * Why a snapshot of {@code nodes} and {@code edges} may not replace the current one of {@code
   * currentNodes} and {@code currentEdges}, or null when it may.
   */
  String refusal(int currentNodes, int currentEdges, int nodes, int edges) {
    if (forced || !(shrinks(currentNodes, nodes) || shrinks(currentEdges, edges))) {
      return null;
    }
    return String.format(Locale.ROOT,
        "network load refused: it would shrink the network from %d to %d nodes (%s) and from %d"
            + " to %d edges (%s), more than --maxShrinkRatio=%s allows; the current snapshot is"
            + " unchanged. If the smaller network is right, load it again with --force"
            + " (./manage.sh network --force)",
        currentNodes, nodes, change(currentNodes, nodes), currentEdges, edges,
        change(currentEdges, edges), maxRatio);
  }

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  private boolean shrinks(int current, int next) {
    return current > 0 && (current - next) > maxRatio * current;
  }

  /**
   * The change in percent, whole unless rounding would misstate it: 13,598 edges down to 3 is
   * -99.97%, 100,011 nodes down to 2 is -99.99%, not -100% (the network is not empty), and a
   * change of a few in thousands is not 0%. Such a change is cut toward zero, with as many
   * decimals as it takes to be neither 0 nor 100.
   */
  static String change(int current, int next) {
    if (current == 0) {
      return "new";
    }
    double exact = 100.0 * (next - current) / current;
    long percent = Math.round(exact);
    boolean misstated = (percent == 0 && next != current) || (percent == -100 && next != 0);
    String shown = misstated ? cutTowardZero(exact) : Long.toString(percent);
    return (exact > 0 ? "+" : "") + shown + "%";
  }

  private static String cutTowardZero(double exact) {
    BigDecimal value = BigDecimal.valueOf(exact);
    for (int scale = 2; ; scale++) {
      BigDecimal cut = value.setScale(scale, RoundingMode.DOWN);
      if (cut.signum() != 0 && cut.abs().compareTo(HUNDRED) != 0) {
        return cut.toPlainString();
      }
    }
  }

  @Override
  public String toString() {
    return forced ? "ShrinkLimit{forced}" : "ShrinkLimit{maxRatio=" + maxRatio + "}";
  }
}
