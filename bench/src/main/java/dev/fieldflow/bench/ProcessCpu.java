package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * CPU time of processes from {@code /proc/PID/stat}, in core-seconds: what a run cost the
 * machine, beside how long it took. On two shared cores the wall-clock ratios move with the
 * neighbours; the CPU each side used says where the work is (PostgreSQL or the pipeline JVM).
 */
final class ProcessCpu {
  /** Clock ticks per second of {@code /proc}'s times (USER_HZ, 100 on Linux). */
  static final double TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /** utime + stime of a live process; 0 once it is gone. */
  static double seconds(long pid) {
    long[] times = times(Path.of("/proc", Long.toString(pid), "stat"));
    return (times[0] + times[1]) / TICKS_PER_SECOND;
  }

  /**
   * Everything a postmaster ({@code root}) has run: its own time, that of its children that have
   * ended (a backend that disconnected, an autovacuum worker), and each live child's.
   */
  static double treeSeconds(long root) {
    long[] own = times(Path.of("/proc", Long.toString(root), "stat"));
    double total = (own[0] + own[1] + own[2] + own[3]) / TICKS_PER_SECOND;
    for (long child : ProcessMemory.childrenOf(root)) {
      total += seconds(child);
    }
    return total;
  }

  /** What the ended child processes of this JVM have used (a pipeline JVM once it has exited). */
  static double endedChildrenOfThisJvm() {
    long[] self = times(Path.of("/proc/self/stat"));
    return (self[2] + self[3]) / TICKS_PER_SECOND;
  }

  /** Summed utime + stime of live processes. */
  static double seconds(List<Long> pids) {
    return pids.stream().mapToDouble(ProcessCpu::seconds).sum();
  }

  /** utime, stime, cutime, cstime (fields 14 to 17) of a stat file; zeros if it is gone. */
  private static long[] times(Path stat) {
    try {
      String line = Files.readString(stat, StandardCharsets.UTF_8);
      // pid (comm) state ppid ...: comm may hold spaces, so count fields after the last ')'.
      String[] rest = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
      return new long[] {Long.parseLong(rest[11]), Long.parseLong(rest[12]), Long.parseLong(rest[13]),
          Long.parseLong(rest[14])};
    } catch (IOException | RuntimeException gone) {
      return new long[4];
    }
  }

  /** The CPU that named sources used between {@link #start} and {@link #stop}. */
  static final class Watch {
    private final Map<String, DoubleSupplier> sources = new LinkedHashMap<>();
    private final Map<String, Double> atStart = new LinkedHashMap<>();

    Watch watch(String name, DoubleSupplier seconds) {
      sources.put(name, seconds);
      return this;
    }

    Watch start() {
      sources.forEach((name, seconds) -> atStart.put(name, seconds.getAsDouble()));
      return this;
    }

    /** Core-seconds per source since {@link #start}, in the order they were added. */
    Map<String, Double> stop() {
      Map<String, Double> used = new LinkedHashMap<>();
      sources.forEach((name, seconds) -> used.put(name, seconds.getAsDouble() - atStart.get(name)));
      return used;
    }
  }
}
