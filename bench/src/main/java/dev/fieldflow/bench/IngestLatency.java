package dev.fieldflow.bench;

import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.Params;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measurement 2: a file dropped into the directory the continuous pipeline watches, until its
 * rows are committed. Files arrive at a steady trickle (written elsewhere, then renamed into
 * the directory, as writers should), each with the harness's wall-clock time of the rename.
 * Two ends are recorded per file: the ledger's {@code finished_at} (set with {@code now()} in
 * the commit transaction, so it is the start of that transaction) and the moment the harness,
 * polling the ledger every 50 ms, first sees the file {@code done} (after the commit, at most
 * 50 ms late). The second is the one an analyst experiences.
 */
final class IngestLatency {
  /** One run of the continuous pipeline at one poll interval. */
  record Run(int pollSeconds, int run, List<Double> ledgerSeconds, List<Double> observedSeconds,
      Map<String, Long> peakBytes) {}

  private final BenchDatabase db;
  private final Path work;
  private final int files;
  private final int linesPerFile;
  private final Duration spacing;

  IngestLatency(BenchDatabase db, Path work, int files, int linesPerFile, Duration spacing) {
    this.db = db;
    this.work = work;
    this.files = files;
    this.linesPerFile = linesPerFile;
    this.spacing = spacing;
  }

  int files() {
    return files;
  }

  int linesPerFile() {
    return linesPerFile;
  }

  Duration spacing() {
    return spacing;
  }

  Run measure(PipelineRunner runner, int pollSeconds, int run) throws IOException, InterruptedException, SQLException {
    String name = "latency-poll" + pollSeconds + "-run" + run;
    Path source = work.resolve(name + "-source");
    Dataset.generate(Params.defaults().withSeed(1000L + run).withVisits(files * linesPerFile)
        .withLinesPerFile(linesPerFile).withQuirks(false)).writeTo(source);
    List<Path> toDrop;
    try (var listing = Files.list(source.resolve("visits"))) {
      toDrop = listing.sorted().toList();
    }
    Path watched = work.resolve(name + "-watched");
    Files.createDirectories(watched);
    db.settle();

    Path log = work.resolve("logs/" + name + ".log");
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> observed = new LinkedHashMap<>();
    Map<String, Long> finished = new LinkedHashMap<>();
    try (ChildPipeline child = ChildPipeline.start(runner.command(List.of(
                "--visitsInput=" + watched + "/", "--pollIntervalSeconds=" + pollSeconds)),
            db.home(), log);
        ProcessMemory.PeakSampler sampler = new ProcessMemory.PeakSampler();
        Connection c = db.adminConnection();
        PreparedStatement done = c.prepareStatement("SELECT path, (extract(epoch FROM finished_at) * 1000)::bigint"
            + " FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND status = 'done'")) {
      sampler.watch("pipeline JVM", () -> ProcessMemory.peakRss(child.pid())).watch("postgres", db::pss).start();
      child.awaitLogLine("ingesting visits from", Duration.ofMinutes(3));

      long next = System.currentTimeMillis();
      for (Path file : toDrop) {
        // Steady trickle: drop on schedule, checking the ledger while waiting for the next slot.
        while (System.currentTimeMillis() < next) {
          poll(done, observed, finished);
          Thread.sleep(Math.min(50, Math.max(1, next - System.currentTimeMillis())));
        }
        Path staged = work.resolve(name + "-" + file.getFileName());
        Files.copy(file, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, watched.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        written.put(file.getFileName().toString(), System.currentTimeMillis());
        next += spacing.toMillis();
      }
      long deadline = System.currentTimeMillis() + pollSeconds * 1000L + 120_000;
      while (observed.size() < written.size() && System.currentTimeMillis() < deadline) {
        if (!child.isAlive()) {
          throw new IllegalStateException("the continuous pipeline ended: " + child.tail(5));
        }
        poll(done, observed, finished);
        Thread.sleep(50);
      }
      if (observed.size() < written.size()) {
        throw new IllegalStateException(name + ": only " + observed.size() + " of " + written.size()
            + " files committed within 2 minutes of the last drop; see " + log);
      }
      sampler.sampleOnce();
      List<Double> ledger = new ArrayList<>();
      List<Double> seen = new ArrayList<>();
      written.forEach((file, at) -> {
        ledger.add((finished.get(file) - at) / 1000.0);
        seen.add((observed.get(file) - at) / 1000.0);
      });
      return new Run(pollSeconds, run, ledger, seen, sampler.peaks());
    }
  }

  private static void poll(PreparedStatement done, Map<String, Long> observed, Map<String, Long> finished)
      throws SQLException {
    long now = System.currentTimeMillis();
    try (ResultSet rs = done.executeQuery()) {
      while (rs.next()) {
        String path = rs.getString(1);
        String file = path.substring(path.lastIndexOf('/') + 1);
        if (observed.putIfAbsent(file, now) == null) {
          finished.put(file, rs.getLong(2));
        }
      }
    }
  }
}
