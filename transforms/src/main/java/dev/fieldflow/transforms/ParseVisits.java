package dev.fieldflow.transforms;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Parses visit log lines into visits.
 *
 * <p>In: the lines of visit log files, each with its file and line number. Out: {@link
 * WithFailures.Result#output()} holds one {@link Visit} per valid line; {@link
 * WithFailures.Result#failures()} holds one {@link RejectedLine} per invalid line, with its
 * reason and raw text. Blank lines appear in neither. {@link VisitParser} says what is valid.
 *
 * <p>Counters, in the namespace of this class: {@code parsed}, {@code ignored} (blank lines)
 * and {@code rejected_<code>} per reject reason, e.g. {@code rejected_bad_date}.
 */
public class ParseVisits
    extends PTransform<
        PCollection<SourceLine>, WithFailures.Result<PCollection<Visit>, RejectedLine>> {
  private static final long serialVersionUID = 1L;

  @Override
  public WithFailures.Result<PCollection<Visit>, RejectedLine> expand(
      PCollection<SourceLine> lines) {
    TupleTag<Visit> visits = new TupleTag<Visit>() {};
    TupleTag<RejectedLine> rejected = new TupleTag<RejectedLine>() {};
    PCollectionTuple parsed =
        lines.apply("ParseVisitLines",
            ParDo.of(new ParseLinesFn<>(ParseVisits.class, VisitParser::parse, visits, rejected))
                .withOutputTags(visits, TupleTagList.of(rejected)));
    return WithFailures.Result.of(parsed, visits, rejected);
  }
}
