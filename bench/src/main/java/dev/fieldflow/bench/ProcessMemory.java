package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Memory of processes from {@code /proc}: a JVM's peak resident set ({@code VmHWM}, kept by the
 * kernel, so sampling only needs to catch the process before it exits) and PostgreSQL's
 * proportional set size summed over the postmaster and its backends (PSS shares the pages the
 * server processes have in common instead of counting them once per process).
 */
final class ProcessMemory {
  private ProcessMemory() {}

  /** {@code VmHWM} of a live process in bytes, empty once it is gone. */
  static OptionalLong peakRss(long pid) {
    return statusField(pid, "VmHWM:");
  }

  private static OptionalLong statusField(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field)) {
          return OptionalLong.of(Long.parseLong(line.substring(field.length()).replace("kB", "").trim()) * 1024);
        }
      }
    } catch (IOException | RuntimeException gone) {
      // The process ended between listing and reading: nothing to add.
    }
    return OptionalLong.empty();
  }

  /** Summed PSS in bytes of {@code root} and its direct children (a postmaster and its backends). */
  static long pssOfTree(long root) {
    long total = pss(root);
    for (long child : childrenOf(root)) {
      total += pss(child);
    }
    return total;
  }

  private static long pss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
        if (line.startsWith("Pss:")) {
          return Long.parseLong(line.substring(4).replace("kB", "").trim()) * 1024;
        }
      }
    } catch (IOException | RuntimeException gone) {
      // A backend that just ended.
    }
    return 0;
  }

  static List<Long> childrenOf(long parent) {
    List<Long> children = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String stat = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
          // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'.
          String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(rest[1]) == parent) {
            children.add(Long.parseLong(name));
          }
        } catch (IOException | RuntimeException gone) {
          // Ended while listing.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    return children;
  }

  /** Pids whose command line contains every marker (e.g. a Flink entry point class and a directory). */
  static List<Long> pidsWithCommandLine(String... markers) {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
          if (Stream.of(markers).allMatch(cmdline::contains) && Long.parseLong(name) != ProcessHandle.current().pid()) {
            pids.add(Long.parseLong(name));
          }
        } catch (IOException | RuntimeException gone) {
          // Ended while listing.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    return pids;
  }

  /**
   * Samples named byte figures every {@link #INTERVAL_MS} ms on a daemon thread and keeps the
   * largest value of each; a figure that is momentarily unavailable (a process not yet started)
   * is skipped.
   */
  static final class PeakSampler implements AutoCloseable {
    /**
     * Once a second. A sample lists {@code /proc} and walks each PostgreSQL process's page tables
     * ({@code smaps_rollup}): every 100 ms that took about 8 % of a core on an idle server, CPU
     * that the fieldflow runs, which keep both cores busy, paid and the one-session baselines,
     * which leave a core free, did not. RSS peaks are the kernel's high-water mark ({@code
     * VmHWM}), exact at any rate; PostgreSQL's PSS grows with the buffers it touches and stays.
     */
    static final long INTERVAL_MS = 1_000;

    private final Map<String, Supplier<OptionalLong>> sources = new LinkedHashMap<>();
    private final Map<String, Long> peaks = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    PeakSampler() {
      thread = new Thread(this::loop, "peak-memory-sampler");
      thread.setDaemon(true);
    }

    PeakSampler watch(String name, Supplier<OptionalLong> source) {
      sources.put(name, source);
      return this;
    }

    PeakSampler start() {
      thread.start();
      return this;
    }

    private void loop() {
      while (running) {
        sampleOnce();
        try {
          Thread.sleep(INTERVAL_MS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void sampleOnce() {
      sources.forEach((name, source) -> {
        OptionalLong value = source.get();
        if (value.isPresent()) {
          peaks.merge(name, value.getAsLong(), Math::max);
        }
      });
    }

    /** The peaks seen so far, in bytes, by name. */
    Map<String, Long> peaks() {
      return Map.copyOf(peaks);
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
