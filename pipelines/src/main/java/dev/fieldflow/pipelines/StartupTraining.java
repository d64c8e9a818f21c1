package dev.fieldflow.pipelines;

import dev.fieldflow.io.files.ReadLimits;
import dev.fieldflow.io.files.ReadLines;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.Params;
import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.RejectedLine;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Sum;

/**
 * {@code startup-training [Beam options]}: runs a small visit-shaped pipeline, with no database,
 * on the runner its options name, and exits. manage.sh runs it once per jar build in a JVM
 * started with {@code -XX:ArchiveClassesAtExit}, which writes the classes such a run loads into
 * a class-data sharing archive beside the jar; every later fieldflow JVM maps that archive
 * instead of finding, reading and verifying those classes in the jar again. Most of a run's
 * start is that: 1.4 s less from JVM start to the first file loaded on Flink embedded, 0.6 s
 * on the DirectRunner.
 *
 * <p>The pipeline has the visit pipeline's shape (list with {@code FileIO}, spread with a
 * {@code Reshuffle}, read and parse with the production {@link ReadLines} and {@link
 * VisitParser}, a combine), over a few generated visits in a temporary directory, so that the
 * archive holds Beam's and the runner's classes as a real run loads them. The database's
 * classes are left out: the training needs no server.
 */
public final class StartupTraining {
  /**
   * A few visits, without quirks, one per file, from the project's own generator of the source's
   * format: a 2-node network, 4 visits of at most 2 per task.
   */
  private static final Params VISITS = new Params(1, 2, 1, 4, 2, 1, false, 0, 0, Optional.empty());

  private StartupTraining() {}

  public static void main(String[] args) throws Exception {
    VisitPipelineOptions options = PipelineOptionsFactory.fromArgs(args).as(VisitPipelineOptions.class);
    options.setJobName("fieldflow-startup-training");
    Path dir = Files.createTempDirectory("fieldflow-startup-training-");
    try {
      Dataset.generate(VISITS).writeTo(dir);
      Pipeline pipeline = Pipeline.create(options);
      pipeline
          .apply("Input", Create.of(dir.resolve("visits").resolve("*").toString()))
          .apply("MatchFiles", FileIO.matchAll().withOutputParallelization(false))
          .apply("SpreadFiles", Reshuffle.viaRandomKey())
          .apply("ParseVisits", ParDo.of(new ParseFileFn()))
          .apply("CountVisits", Sum.longsGlobally());
      PipelineResult.State state = pipeline.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the training pipeline ended " + state);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * The visits of a file, read and parsed as a load reads and parses them. A line that does not
   * parse fails the training: it would no longer train what a load runs.
   */
  private static final class ParseFileFn extends DoFn<MatchResult.Metadata, Long> {
    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<Long> out)
        throws IOException {
      AtomicLong parsed = new AtomicLong();
      String path = file.resourceId().toString();
      try (InputStream in = ReadLines.open(path, ReadLimits.defaults())) {
        ReadLines.read(in, path, new ReadLines.LineReceiver() {
          @Override
          public void line(SourceLine line) {
            if (VisitParser.parse(line) instanceof ParseResult.Rejected<Visit> rejected) {
              throw new IllegalStateException("a training line is refused: " + rejected.line());
            }
            parsed.incrementAndGet();
          }

          @Override
          public void badEncoding(RejectedLine rejected) {
            throw new IllegalStateException("a training line is refused: " + rejected);
          }
        }, ReadLimits.defaults());
      }
      out.output(parsed.get());
    }
  }
}
