package dev.fieldflow.transforms;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/** Reads back what a finished test pipeline counted. */
final class CommittedCounters {
  private CommittedCounters() {}

  /** The committed counters in {@code namespace} by name, leaving out those never counted. */
  static Map<String, Long> of(PipelineResult run, Class<?> namespace) {
    Map<String, Long> counters = new TreeMap<>();
    for (MetricResult<Long> counter :
        run.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
      if (counter.getName().getNamespace().equals(namespace.getName())
          && counter.getCommitted() > 0) {
        counters.put(counter.getName().getName(), counter.getCommitted());
      }
    }
    return counters;
  }
}
