package dev.fieldflow.bench;

import java.util.Arrays;
import java.util.List;

/** Median and spread of repeated measurements: what every figure of the report is. */
record Stats(double median, double min, double max, int n) {

  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new Stats(percentile(sorted, 50), sorted[0], sorted[sorted.length - 1], sorted.length);
  }

  /** Nearest-rank percentile of sorted values (p95 of 30 samples is the 29th). */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    if (p == 50 && sorted.length % 2 == 0) {
      return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static double percentile(List<Double> values, double p) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return percentile(sorted, p);
  }

  boolean present() {
    return n > 0;
  }

  /** {@code 123,456 (120,000–130,000)} with the given format per number. */
  String format(String numberFormat) {
    if (!present()) {
      return "–";
    }
    if (n == 1) {
      return String.format(numberFormat, median);
    }
    return String.format(numberFormat + " (" + numberFormat + "–" + numberFormat + ")", median, min, max);
  }
}
