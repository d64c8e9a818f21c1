package dev.fieldflow.transforms;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Parses the lines of a network adjacency list into adjacency lines.
 *
 * <p>In: the lines of network files, each with its file and line number. Out: {@link
 * WithFailures.Result#output()} holds one {@link AdjacencyLine} per line with a node (its
 * neighbours as written: self-loops and repeats kept, reverse edges not added); {@link
 * WithFailures.Result#failures()} holds one {@link RejectedLine} per line with a bad token.
 * Blank and comment-only lines appear in neither. {@link NetworkLineParser} says what is valid.
 *
 * <p>Counters, in the namespace of this class: {@code parsed}, {@code ignored} (blank and
 * comment-only lines) and {@code rejected_bad_node}.
 */
public class ParseNetwork
    extends PTransform<
        PCollection<SourceLine>, WithFailures.Result<PCollection<AdjacencyLine>, RejectedLine>> {
  private static final long serialVersionUID = 1L;

  @Override
  public WithFailures.Result<PCollection<AdjacencyLine>, RejectedLine> expand(
      PCollection<SourceLine> lines) {
    TupleTag<AdjacencyLine> adjacency = new TupleTag<AdjacencyLine>() {};
    TupleTag<RejectedLine> rejected = new TupleTag<RejectedLine>() {};
    PCollectionTuple parsed =
        lines.apply("ParseAdjacencyLines",
            ParDo.of(new ParseLinesFn<>(ParseNetwork.class, NetworkLineParser::parse, adjacency,
                    rejected))
                .withOutputTags(adjacency, TupleTagList.of(rejected)));
    return WithFailures.Result.of(parsed, adjacency, rejected);
  }
}
