package dev.fieldflow.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a run's file loads spent their time: the profile each loaded file's log line ends with
 * ({@code dev.fieldflow.ingest.visits.LoadProfile#describe}, logged by {@code IngestVisitFiles}),
 * summed over the files of one run. The figures are wall-clock milliseconds of the loading
 * thread; with files loaded in parallel they overlap, so a sum can exceed the run's wall time.
 */
final class FileProfiles {
  private FileProfiles() {}

  /** The phases of {@code LoadProfile#describe}, in its order. */
  static final List<String> PHASES = List.of("read+parse+stage", "nodes", "tasks", "visits", "ledger", "commit");

  // "ingested /dir/visits-00007.jsonl: 10000 lines: ... in 1499 ms: read+parse+stage 270, nodes 16,
  // tasks 346, visits 800, ledger 6, commit 60; 0 lines upserted through the stage" (a path may
  // hold ": ", so only the profile is anchored). Lines of versions that did not time the commit
  // parse with commit 0; the count of lines through the stage is not a phase.
  private static final Pattern LINE = Pattern.compile(
      "ingested (.+?) in (\\d+) ms: read\\+parse\\+stage (-?\\d+), nodes (\\d+), tasks (\\d+),"
          + " visits (\\d+), ledger (\\d+)(?:, commit (\\d+))?(?:; \\d+ lines upserted through the stage)?"
          + "\\s*$");

  /** One file's load, in ms. */
  record File(String what, long totalMs, long readParseStageMs, long nodesMs, long tasksMs, long visitsMs,
      long ledgerMs, long commitMs) {
    long[] phases() {
      return new long[] {readParseStageMs, nodesMs, tasksMs, visitsMs, ledgerMs, commitMs};
    }
  }

  /** The files of one run, summed: phase sums in ms, in the order of {@link #PHASES}. */
  record Sum(int files, long totalMs, List<Long> phaseMs) {
    static final Sum NONE = new Sum(0, 0, List.of(0L, 0L, 0L, 0L, 0L, 0L));

    boolean present() {
      return files > 0;
    }

    long phase(String name) {
      int i = PHASES.indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException("no phase " + name);
      }
      return phaseMs.get(i);
    }

    /** A phase's part of the summed file time (0 to 1), NaN without files. */
    double share(String name) {
      return totalMs == 0 ? Double.NaN : (double) phase(name) / totalMs;
    }

    /** {@code 48 files, 70.3 s summed: read+parse+stage 30.1 s (43 %), nodes 0.9 s (1 %), ...}. */
    String describe() {
      StringBuilder text = new StringBuilder(String.format("%d files, %.1f s summed:", files, totalMs / 1000.0));
      for (int i = 0; i < PHASES.size(); i++) {
        text.append(i == 0 ? " " : ", ").append(PHASES.get(i)).append(String.format(" %.1f s (%.0f %%)",
            phaseMs.get(i) / 1000.0, totalMs == 0 ? 0.0 : 100.0 * phaseMs.get(i) / totalMs));
      }
      return text.toString();
    }

    /**
     * The run's wall time not spent inside file loads: {@code wall - summed file time /
     * parallelism}. An estimate: it assumes the loads kept every worker busy while they ran.
     */
    double outsideSeconds(double wallSeconds, int parallelism) {
      return wallSeconds - totalMs / 1000.0 / Math.max(1, parallelism);
    }
  }

  /** The profile of one log line, if it is a file's "ingested ..." line. */
  static Optional<File> parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(new File(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
        Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)),
        Long.parseLong(m.group(7)), m.group(8) == null ? 0 : Long.parseLong(m.group(8))));
  }

  static Sum sum(Collection<File> files) {
    long total = 0;
    long[] phases = new long[PHASES.size()];
    for (File f : files) {
      total += f.totalMs();
      long[] p = f.phases();
      for (int i = 0; i < phases.length; i++) {
        phases[i] += p[i];
      }
    }
    List<Long> list = new ArrayList<>();
    for (long p : phases) {
      list.add(p);
    }
    return new Sum(files.size(), total, List.copyOf(list));
  }

  /** Sums the file lines of the given logs (a missing log counts as none). */
  static Sum ofLogs(List<Path> logs) throws IOException {
    List<File> files = new ArrayList<>();
    for (Path log : logs) {
      if (!Files.isRegularFile(log)) {
        continue;
      }
      // Lenient decoding: a log may hold a stray byte from a third party.
      try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(log),
          StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          parse(line).ifPresent(files::add);
        }
      }
    }
    return sum(files);
  }
}
