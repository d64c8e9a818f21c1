package dev.fieldflow.ingest.visits;

import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * What the continuous visit pipeline watches: one pattern, or a date-partitioned template such
 * as {@code s3://bucket/visits/{yyyy}/{MM}/{dd}/*}, of which each watch generation watches
 * today's and yesterday's partition (UTC) so that its state is bounded by two days of files.
 */
public final class VisitPartitions implements Serializable {
  private static final String[] PLACEHOLDERS = {"{yyyy}", "{MM}", "{dd}"};

  private final String pattern;
  private final boolean template;

  private VisitPartitions(String pattern, boolean template) {
    this.pattern = pattern;
    this.template = template;
  }

  /** The whole of {@code pattern}, watched as one. */
  public static VisitPartitions whole(String pattern) {
    return new VisitPartitions(pattern, false);
  }

  /**
   * Partitions named by {@code template}, which must contain {@code {yyyy}}, {@code {MM}} and
   * {@code {dd}} (each once or more), e.g. {@code s3://b/visits/{yyyy}/{MM}/{dd}/*} or
   * {@code /data/visits/dt={yyyy}-{MM}-{dd}/*}.
   */
  public static VisitPartitions daily(String template) {
    for (String placeholder : PLACEHOLDERS) {
      if (!template.contains(placeholder)) {
        throw new IllegalArgumentException("partition template " + template + " has no "
            + placeholder + "; write it like s3://bucket/visits/{yyyy}/{MM}/{dd}/*");
      }
    }
    return new VisitPartitions(template, true);
  }

  /** The patterns to watch on {@code today} (UTC): the pattern, or today's and yesterday's partition. */
  public List<String> patternsOn(LocalDate today) {
    if (!template) {
      return List.of(pattern);
    }
    List<String> patterns = new ArrayList<>(2);
    patterns.add(partition(today));
    patterns.add(partition(today.minusDays(1)));
    return patterns;
  }

  /** Every file the pattern or template can name: what {@code --once} ingests. */
  public String everything() {
    String all = pattern;
    for (String placeholder : PLACEHOLDERS) {
      all = all.replace(placeholder, "*");
    }
    return all;
  }

  /** The pattern or template as given, for logs. */
  public String describe() {
    return template ? pattern + " (today's and yesterday's partitions, UTC)" : pattern;
  }

  private String partition(LocalDate day) {
    return pattern
        .replace("{yyyy}", String.format("%04d", day.getYear()))
        .replace("{MM}", String.format("%02d", day.getMonthValue()))
        .replace("{dd}", String.format("%02d", day.getDayOfMonth()));
  }
}
