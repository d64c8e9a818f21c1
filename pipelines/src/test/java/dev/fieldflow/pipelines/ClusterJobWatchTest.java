package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ServerSocket;
import java.net.URI;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.Test;

/**
 * Which runs {@link ClusterJobWatch} watches, and that a JobManager it cannot ask changes nothing.
 * Its watching of a real cluster's job is in {@code flink.FlinkClusterIT}.
 */
class ClusterJobWatchTest {
  @Test
  void aFlinkMasterNamesTheJobManagersRestAddress() {
    assertThat(ClusterJobWatch.restAddress("127.0.0.1:8081"),
        equalTo(Optional.of(URI.create("http://127.0.0.1:8081/"))));
    assertThat(ClusterJobWatch.restAddress("jobmanager.internal"),
        equalTo(Optional.of(URI.create("http://jobmanager.internal:8081/"))));
    assertThat(ClusterJobWatch.restAddress("https://jobmanager.internal:8443/"),
        equalTo(Optional.of(URI.create("https://jobmanager.internal:8443/"))));
    assertThat(ClusterJobWatch.restAddress("ftp://jobmanager.internal"), equalTo(Optional.empty()));
    assertThat(ClusterJobWatch.restAddress("not a host:port"), equalTo(Optional.empty()));
  }

  @Test
  void onlyAnAttachedFlinkJobOnAClusterIsWatched() {
    assertThat(watched("--runner=FlinkRunner", "--flinkMaster=127.0.0.1:8081"), is(true));
    assertThat(watched("--runner=FlinkRunner", "--flinkMaster=127.0.0.1:8081",
        "--attachedMode=true"), is(true));
    assertThat(watched("--runner=FlinkRunner", "--flinkMaster=127.0.0.1:8081",
        "--attachedMode=false"), is(false));
    assertThat(watched("--runner=FlinkRunner", "--flinkMaster=[local]"), is(false));
    assertThat(watched("--runner=FlinkRunner", "--flinkMaster=[auto]"), is(false));
    assertThat(watched("--runner=FlinkRunner"), is(false));
    assertThat(watched("--runner=DirectRunner", "--flinkMaster=127.0.0.1:8081"), is(false));
    assertThat(watched("--flinkMaster=127.0.0.1:8081"), is(false));
  }

  @Test
  void aJobManagerThatDoesNotAnswerLeavesTheResultToTheLaunch() throws Exception {
    ClusterJobWatch watch = ClusterJobWatch.of(
        new String[] {"--runner=FlinkRunner", "--flinkMaster=127.0.0.1:" + closedPort()}, "job")
        .orElseThrow();
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    pipeline.apply(Create.of(1, 2, 3)).apply(Count.globally());

    PipelineResult result = watch.start(pipeline::run);

    assertThat(result.getClass().getSimpleName(), equalTo("DirectPipelineResult"));
    assertThat(result.waitUntilFinish(), is(PipelineResult.State.DONE));
  }

  @Test
  void aLaunchThatFailsThrowsItsOwnError() {
    ClusterJobWatch watch = ClusterJobWatch.of(
        new String[] {"--runner=FlinkRunner", "--flinkMaster=127.0.0.1:" + closedPort()}, "job")
        .orElseThrow();
    IllegalStateException refused = new IllegalStateException("refused at submission");

    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> watch.start(() -> {
      throw refused;
    }));

    assertThat(thrown, sameInstance(refused));
  }

  private static boolean watched(String... args) {
    return ClusterJobWatch.of(args, "job").isPresent();
  }

  /** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
  private static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
