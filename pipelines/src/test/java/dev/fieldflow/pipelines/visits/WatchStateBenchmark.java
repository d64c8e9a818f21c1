package dev.fieldflow.pipelines.visits;

import dev.fieldflow.ingest.visits.VisitPartitions;
import dev.fieldflow.ingest.visits.WatchVisitFiles;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the visit pipeline's discovery ({@link WatchVisitFiles}, i.e. Beam's Watch behind
 * {@code FileIO.matchAll().continuously()}) keeps per tracked file: heap used after GC while a
 * watch tracks N empty local files, minus the same watch over an empty directory; and what a
 * poll costs. No database: the Watch's state is what grows. Not a test: surefire's default
 * includes skip it; run it (about a minute) with
 *
 * <pre>
 * mvn -B -o -pl pipelines test -Dtest=WatchStateBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 *     [-Dfieldflow.bench.files=10000,100000]
 * </pre>
 *
 * It prints a Markdown table.
 */
class WatchStateBenchmark {
  private static final AtomicLong SEEN = new AtomicLong();

  @TempDir Path dir;

  /** Counts what the watch emits; keeps nothing. */
  static final class CountFn extends DoFn<MatchResult.Metadata, Void> {
    @ProcessElement
    public void process() {
      SEEN.incrementAndGet();
    }
  }

  record Result(int files, long heapBytes, long listMillis, long firstPollMillis, long newFileMillis) {}

  @Test
  void measure() throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String n : System.getProperty("fieldflow.bench.files", "10000,100000").split(",")) {
      sizes.add(Integer.parseInt(n.strip()));
    }
    Result baseline = run(dir.resolve("empty"), 0);
    List<Result> results = new ArrayList<>();
    for (int n : sizes) {
      results.add(run(dir.resolve("files-" + n), n));
    }
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%n| tracked files | heap after GC (MB) | bytes per tracked file"
        + " | one listing (ms) | first poll to all emitted (ms) | new file seen after (ms, poll 1 s) |%n"));
    out.append("|---:|---:|---:|---:|---:|---:|\n");
    out.append(String.format(Locale.ROOT, "| 0 | %.1f | – | %d | – | %d |%n",
        baseline.heapBytes() / 1e6, baseline.listMillis(), baseline.newFileMillis()));
    for (Result r : results) {
      out.append(String.format(Locale.ROOT, "| %,d | %.1f | %d | %d | %d | %d |%n", r.files(),
          r.heapBytes() / 1e6, (r.heapBytes() - baseline.heapBytes()) / r.files(), r.listMillis(),
          r.firstPollMillis(), r.newFileMillis()));
    }
    out.append(String.format(Locale.ROOT, "%nJava %s, -Xmx%d MB, %d cores%n",
        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors()));
    System.out.println(out);
  }

  private Result run(Path input, int files) throws Exception {
    Files.createDirectories(input);
    for (int i = 0; i < files; i++) {
      Files.createFile(input.resolve(String.format("visits-%06d.jsonl", i)));
    }
    String pattern = input + "/*";
    long listMillis = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
      listMillis = Math.min(listMillis, (System.nanoTime() - start) / 1_000_000);
    }

    SEEN.set(0);
    PipelineOptions options = PipelineOptionsFactory.fromArgs(
        "--runner=DirectRunner", "--targetParallelism=2", "--blockOnRun=false").create();
    Pipeline pipeline = Pipeline.create(options);
    pipeline
        .apply("DiscoverFiles", new WatchVisitFiles(VisitPartitions.whole(pattern),
            Duration.ofSeconds(1), Duration.ofMinutes(60), Duration.ofMinutes(15)))
        .apply("Count", ParDo.of(new CountFn()));
    long start = System.nanoTime();
    PipelineResult result = pipeline.run();
    try {
      await(files, 1000L * Integer.getInteger("fieldflow.bench.timeoutSeconds", 900));
      long firstPoll = (System.nanoTime() - start) / 1_000_000;
      Thread.sleep(5_000); // several more polls over the same files
      long heap = heapAfterGc();
      long written = System.nanoTime();
      touch(input.resolve("new.jsonl"));
      await(files + 1, 60_000);
      long newFile = (System.nanoTime() - written) / 1_000_000;
      return new Result(files, heap, listMillis, firstPoll, newFile);
    } finally {
      result.cancel();
    }
  }

  private static void touch(Path file) throws IOException {
    Files.writeString(file, "\n");
  }

  private static void await(long count, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (SEEN.get() < count) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the watch emitted " + SEEN.get() + " of " + count + " files");
      }
      Thread.sleep(20);
    }
  }

  /** Heap used after full collections, the lowest of a few (the DirectRunner keeps working). */
  private static long heapAfterGc() throws InterruptedException {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200);
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
