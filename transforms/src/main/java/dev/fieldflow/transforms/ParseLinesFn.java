package dev.fieldflow.transforms;

import java.util.EnumMap;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Runs a line parser on each {@link SourceLine}: parsed values to the main output, rejected
 * lines to the failure output, ignored lines nowhere. Counts each in the namespace of the
 * transform that uses it: {@code parsed}, {@code ignored} and {@code rejected_<code>}.
 */
final class ParseLinesFn<T> extends DoFn<SourceLine, T> {
  private static final long serialVersionUID = 1L;

  static final String PARSED = "parsed";
  static final String IGNORED = "ignored";

  private final SerializableFunction<SourceLine, ParseResult<T>> parser;
  private final TupleTag<T> parsedTag;
  private final TupleTag<RejectedLine> rejectedTag;
  private final Counter parsed;
  private final Counter ignored;
  private final EnumMap<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);

  ParseLinesFn(
      Class<?> namespace,
      SerializableFunction<SourceLine, ParseResult<T>> parser,
      TupleTag<T> parsedTag,
      TupleTag<RejectedLine> rejectedTag) {
    this.parser = parser;
    this.parsedTag = parsedTag;
    this.rejectedTag = rejectedTag;
    this.parsed = Metrics.counter(namespace, PARSED);
    this.ignored = Metrics.counter(namespace, IGNORED);
    for (RejectReason reason : RejectReason.values()) {
      rejected.put(reason, Metrics.counter(namespace, rejectedCounter(reason)));
    }
  }

  static String rejectedCounter(RejectReason reason) {
    return "rejected_" + reason.code();
  }

  @ProcessElement
  public void processElement(@Element SourceLine line, MultiOutputReceiver out) {
    ParseResult<T> result = parser.apply(line);
    if (result instanceof ParseResult.Parsed<T> success) {
      parsed.inc();
      out.get(parsedTag).output(success.value());
    } else if (result instanceof ParseResult.Rejected<T> reject) {
      rejected.get(reject.line().reason()).inc();
      out.get(rejectedTag).output(reject.line());
    } else {
      ignored.inc();
    }
  }
}
