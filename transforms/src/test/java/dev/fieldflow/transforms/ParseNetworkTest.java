package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestPipelineExtension.class)
class ParseNetworkTest {

  private static final String FILE = "network/adjacency.txt";

  private static WithFailures.Result<PCollection<AdjacencyLine>, RejectedLine> parseContractFile(
      TestPipeline pipeline) {
    return pipeline
        .apply(Create.of(
            new SourceLine(FILE, 1, "# networkx adjacency list"),
            new SourceLine(FILE, 2, "NODE1 NODE3 NODE5 NODE8"),
            new SourceLine(FILE, 3, "NODE3 NODE5 NODE6\r"),
            new SourceLine(FILE, 4, "NODE7"),
            new SourceLine(FILE, 5, "NODE8 NODE8 NODE9 NODE9"),
            new SourceLine(FILE, 6, "NODE9 nine")))
        .apply(new ParseNetwork());
  }

  @Test
  void nodeLinesBecomeAdjacencyLinesAndBadLinesBecomeFailuresWhileCommentsVanish(
      TestPipeline pipeline) {
    WithFailures.Result<PCollection<AdjacencyLine>, RejectedLine> result =
        parseContractFile(pipeline);

    PAssert.that(result.output()).containsInAnyOrder(
        new AdjacencyLine(FILE, 2, 1, new int[] {3, 5, 8}),
        new AdjacencyLine(FILE, 3, 3, new int[] {5, 6}),
        new AdjacencyLine(FILE, 4, 7, new int[0]),
        new AdjacencyLine(FILE, 5, 8, new int[] {8, 9, 9}));
    PAssert.that(result.failures()).containsInAnyOrder(
        new RejectedLine(FILE, 6, "NODE9 nine", 10, RejectReason.BAD_NODE,
            "neighbour 1 'nine' is not NODE<n> or a bare <n> with n in 0..2147483647"));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void outputsUseTheCompactCoders(TestPipeline pipeline) {
    WithFailures.Result<PCollection<AdjacencyLine>, RejectedLine> result =
        parseContractFile(pipeline);

    assertThat(result.output().getCoder(), instanceOf(AdjacencyLineCoder.class));
    assertThat(result.failures().getCoder(), instanceOf(RejectedLineCoder.class));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void countersCountParsedIgnoredAndRejectedLines(TestPipeline pipeline) {
    parseContractFile(pipeline);

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();

    assertThat(CommittedCounters.of(run, ParseNetwork.class),
        is(Map.of("parsed", 4L, "ignored", 1L, "rejected_bad_node", 1L)));
  }
}
