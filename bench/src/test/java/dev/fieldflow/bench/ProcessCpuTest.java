package dev.fieldflow.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CPU figures of the report, read from /proc for real processes that burn a known amount. */
class ProcessCpuTest {
  /** A bash loop: about half a second of one core on this kind of machine, with no sleeping. */
  private static final String BURN = "i=0; while ((i < 400000)); do ((i++)); done";

  @Test
  void aChildOfThisJvmIsCountedOnceItHasEndedAndNotBeforeItsEnd() throws Exception {
    double before = ProcessCpu.endedChildrenOfThisJvm();
    long t0 = System.nanoTime();
    Process child = new ProcessBuilder("bash", "-c", BURN).start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS), is(true));
    double wall = (System.nanoTime() - t0) / 1e9;

    double used = ProcessCpu.endedChildrenOfThisJvm() - before;
    assertThat(used, greaterThan(0.05));
    assertThat(used, lessThan(wall + 0.02));
  }

  @Test
  void aTreeCountsItsRootItsEndedChildrenAndItsLiveOnes(@TempDir Path dir) throws Exception {
    Path burnt = dir.resolve("burnt");
    // The root runs one child that burns and ends (the root reaps it), then one that burns and stays.
    Process root = new ProcessBuilder("bash", "-c", "bash -c '" + BURN + "'; bash -c '" + BURN
        + "; touch " + burnt + "; sleep 30' & wait").start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(burnt)) {
        assertThat("both children burn within 60 s", System.nanoTime() < deadline, is(true));
        Thread.sleep(50);
      }
      List<Long> live = ProcessMemory.childrenOf(root.pid());
      assertThat(live.size(), is(1));
      double liveSeconds = ProcessCpu.seconds(live.get(0));

      assertThat(liveSeconds, greaterThan(0.05));
      assertThat(ProcessCpu.treeSeconds(root.pid()) - liveSeconds, greaterThan(0.05));
    } finally {
      root.descendants().forEach(ProcessHandle::destroyForcibly);
      root.destroyForcibly();
    }
  }
}
