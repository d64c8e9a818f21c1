package dev.fieldflow.ingest.visits;

import java.io.IOException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MetadataCoderV2;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.transforms.Requirements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovers visit files continuously with Beam's {@code Watch}, in generations so that its
 * state stays bounded. Out: every file of the watched patterns, as {@code FileIO} matches it:
 * each file once per watch, again when its modification time changes (a new version), and
 * again on the first poll of every new watch (the ledger drops those it has done).
 *
 * <pre>
 * WatchGenerations (PeriodicImpulse, every generation)
 *   └─ PatternsToWatch   the pattern, or today's and yesterday's partition, with the tick
 *       └─ WatchFiles    Watch.growthOf(listing), as FileIO.matchAll().continuously(poll,
 *                        termination, matchUpdatedFiles), but a failed listing is an empty poll
 * </pre>
 *
 * <p>Each file comes out stamped with its watch's generation tick, not with the time of the
 * poll that found it: the tick is the sighting that {@link ClaimVisitFiles} claims the file
 * under. A Flink job restored from a checkpoint restores each watch as it was at that
 * checkpoint, and its next poll finds again the files it had found since; they come out with
 * the same tick, so their claims are the same claims, and the ledger gives back a file that was
 * claimed but still queued when the job failed, instead of answering "in flight" until the
 * claim lease ends ({@link VisitLedger.Claim}). Within one watch a file version comes out once,
 * so the tick never names two sightings of it; the next generation's watch has its own tick.
 *
 * <p>Beam's {@code Watch} keeps, per watched pattern, a hash and a timestamp of every file it
 * has matched, never removes one, copies them on every poll, and lists the whole pattern each
 * time. A watch here ends, and frees all that, once it is older than a generation and has seen
 * no new file for the idle time, and at the latest after a generation plus the idle time. It
 * never ends before the next generation's watch of the same pattern has started, so there is
 * no time in which a pattern that is still emitted is not watched; at most two watches of a
 * pattern overlap. A pattern that is no longer emitted (yesterday's partition after midnight
 * UTC, plus one generation) is watched for as long as files keep arriving, up to that bound.
 */
public final class WatchVisitFiles extends PTransform<PBegin, PCollection<MatchResult.Metadata>> {
  /** A pattern to watch and its watch generation's tick (epoch milliseconds). */
  private static final KvCoder<String, Long> PATTERN_CODER =
      KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());

  private final VisitPartitions partitions;
  private final Duration pollInterval;
  private final Duration generation;
  private final Duration idle;

  /**
   * @param generation how often a new watch of each pattern starts (and the youngest age at
   *     which a quiet watch ends)
   * @param idle how long a watch older than a generation waits for a new file before it ends;
   *     shorter than the generation
   */
  public WatchVisitFiles(
      VisitPartitions partitions, Duration pollInterval, Duration generation, Duration idle) {
    if (idle.compareTo(generation) >= 0) {
      throw new IllegalArgumentException("the watch idle time (" + idle.toMinutes()
          + " min) must be shorter than the watch generation (" + generation.toMinutes() + " min)");
    }
    this.partitions = partitions;
    this.pollInterval = pollInterval;
    this.generation = generation;
    this.idle = idle;
  }

  /**
   * Ends a watch once it is older than {@code generation} and quiet for {@code idle}, and at the
   * latest at {@code generation + idle}.
   */
  static <T> Watch.Growth.TerminationCondition<T, ?> termination(Duration generation, Duration idle) {
    org.joda.time.Duration g = joda(generation);
    org.joda.time.Duration i = joda(idle);
    return Watch.Growth.eitherOf(
        Watch.Growth.allOf(
            Watch.Growth.<T>afterTimeSinceNewOutput(i), Watch.Growth.<T>afterTotalOf(g)),
        Watch.Growth.<T>afterTotalOf(g.plus(i)));
  }

  /**
   * Makes {@code MetadataCoderV2} the coder of matched files in {@code pipeline}. Beam 2.70's
   * default coder of {@code MatchResult.Metadata} is {@code MetadataCoder}, which drops the
   * modification time; {@code FileIO}'s match and watch steps infer their inner coders from the
   * registry, so without this a matched file comes out with {@code lastModifiedMillis} 0 and
   * its ledger version loses the mtime. Call before applying {@code FileIO.match()}.
   */
  public static void keepModificationTimes(Pipeline pipeline) {
    pipeline.getCoderRegistry().registerCoderForClass(MatchResult.Metadata.class, MetadataCoderV2.of());
  }

  @Override
  public PCollection<MatchResult.Metadata> expand(PBegin begin) {
    keepModificationTimes(begin.getPipeline());
    return begin
        .apply("WatchGenerations", PeriodicImpulse.create().withInterval(joda(generation)))
        .apply("PatternsToWatch", ParDo.of(new PatternsFn(partitions)))
        .setCoder(PATTERN_CODER)
        .apply("WatchFiles",
            Watch.growthOf(Contextful.of(new ListingPollFn(), Requirements.empty()),
                    // As FileIO's matchUpdatedFiles: a file whose modification time changes is
                    // matched again, like the ledger, for which size and mtime make the version.
                    new PathAndModificationTime())
                .withOutputCoder(MetadataCoderV2.of())
                .withOutputKeyCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()))
                .withPollInterval(joda(pollInterval))
                .withTerminationPerInput(termination(generation, idle)))
        .apply("Files", Values.create());
  }

  /**
   * One poll of a pattern: what {@code FileIO.matchAll().continuously()} polls, except that a
   * listing that fails (S3 or a mounted volume not answering for a while) is a poll that found
   * nothing new, logged once per outage, instead of an exception that ended the whole
   * pipeline: a probe stopped S3Proxy for a few seconds and the continuous visit pipeline on
   * S3 exited for good. The files already matched stay matched, and the next poll lists again.
   * In: the pattern and its generation's tick, which stamps every file of the poll; the
   * watermark is the poll's time.
   */
  static final class ListingPollFn extends Watch.Growth.PollFn<KV<String, Long>, MatchResult.Metadata> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchVisitFiles.class);
    /** Per pattern, while its listing fails: since when (each worker's copy, for its log). */
    private final ConcurrentHashMap<String, java.time.Instant> failingSince =
        new ConcurrentHashMap<>();

    @Override
    public Watch.Growth.PollResult<MatchResult.Metadata> apply(KV<String, Long> watched, Context c) {
      String pattern = watched.getKey();
      Instant tick = new Instant(watched.getValue());
      Instant now = Instant.now();
      List<MatchResult.Metadata> files;
      try {
        files = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW).metadata();
      } catch (IOException | RuntimeException e) {
        if (failingSince.putIfAbsent(pattern, java.time.Instant.now()) == null) {
          LOG.warn("cannot list {} ({}); polling goes on, and the files that land meanwhile are"
              + " taken when the listing works again", pattern, e.toString());
        }
        return Watch.Growth.PollResult.incomplete(now, List.<MatchResult.Metadata>of())
            .withWatermark(now);
      }
      java.time.Instant since = failingSince.remove(pattern);
      if (since != null) {
        LOG.info("listing {} works again, after {} s", pattern,
            java.time.Duration.between(since, java.time.Instant.now()).toSeconds());
      }
      List<TimestampedValue<MatchResult.Metadata>> stamped = new ArrayList<>(files.size());
      files.forEach(f -> stamped.add(TimestampedValue.of(f, tick)));
      return Watch.Growth.PollResult.incomplete(stamped).withWatermark(now);
    }
  }

  /** A matched file's identity for the watch: its path and modification time. */
  static final class PathAndModificationTime
      implements SerializableFunction<MatchResult.Metadata, KV<String, Long>> {
    @Override
    public KV<String, Long> apply(MatchResult.Metadata m) {
      return KV.of(m.resourceId().toString(), m.lastModifiedMillis());
    }
  }

  private static org.joda.time.Duration joda(Duration d) {
    return org.joda.time.Duration.millis(d.toMillis());
  }

  /** One generation's patterns, for the UTC date of its impulse, each with the impulse's tick. */
  private static final class PatternsFn extends DoFn<Instant, KV<String, Long>> {
    private final VisitPartitions partitions;

    PatternsFn(VisitPartitions partitions) {
      this.partitions = partitions;
    }

    @ProcessElement
    public void process(@Element Instant tick, OutputReceiver<KV<String, Long>> out) {
      LocalDate day = LocalDate.ofInstant(java.time.Instant.ofEpochMilli(tick.getMillis()), ZoneOffset.UTC);
      partitions.patternsOn(day).forEach(pattern -> out.output(KV.of(pattern, tick.getMillis())));
    }
  }
}
