package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

import java.time.LocalDate;
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
class ParseVisitsTest {

  private static final String FILE = "visits-003.jsonl";
  private static final String VALID =
      "{\"task_id\": \"TASK4167\", \"node_id\": \"NODE487\", \"visit_id\": 2, \"visit_date:\": "
          + "\"2019-10-03\", \"original_reported_date\": \"2019-09-16\", \"node_age\": 23, "
          + "\"node_type\": \"TYPE2\", \"task_type\": \"TASK6\", \"engineer_skill_level\": "
          + "\"LEVEL4\", \"engineer_note\": \"196 195 150 131 6 206 53\", "
          + "\"outcome\": \"SUCCESS\"}";
  private static final String BAD_DATE = VALID.replace("2019-10-03", "2020-13-45");
  private static final String NOT_JSON = "{\"task_id\": ";

  private static WithFailures.Result<PCollection<Visit>, RejectedLine> parseFourLines(
      TestPipeline pipeline) {
    return pipeline
        .apply(Create.of(
            new SourceLine(FILE, 1, VALID),
            new SourceLine(FILE, 2, "  "),
            new SourceLine(FILE, 3, BAD_DATE),
            new SourceLine(FILE, 4, NOT_JSON)))
        .apply(new ParseVisits());
  }

  @Test
  void validLinesBecomeVisitsAndInvalidLinesBecomeFailuresWhileBlankLinesVanish(
      TestPipeline pipeline) {
    WithFailures.Result<PCollection<Visit>, RejectedLine> result = parseFourLines(pipeline);

    PAssert.that(result.output()).containsInAnyOrder(new Visit(4167, 2, 487,
        LocalDate.of(2019, 10, 3), LocalDate.of(2019, 9, 16), 23, 2, 6, 4,
        new int[] {196, 195, 150, 131, 6, 206, 53}, Outcome.SUCCESS, FILE, 1));
    PAssert.that(result.failures()).containsInAnyOrder(
        new RejectedLine(FILE, 3, BAD_DATE, BAD_DATE.length(), RejectReason.BAD_DATE,
            "visit_date '2020-13-45' is not a calendar date"),
        new RejectedLine(FILE, 4, NOT_JSON, NOT_JSON.length(), RejectReason.NOT_JSON,
            "line is not valid JSON at column 13: Unexpected end-of-input within/between "
                + "Object entries"));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void outputsUseTheCompactCoders(TestPipeline pipeline) {
    WithFailures.Result<PCollection<Visit>, RejectedLine> result = parseFourLines(pipeline);

    assertThat(result.output().getCoder(), instanceOf(VisitCoder.class));
    assertThat(result.failures().getCoder(), instanceOf(RejectedLineCoder.class));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void countersCountParsedIgnoredAndRejectedLinesPerReason(TestPipeline pipeline) {
    parseFourLines(pipeline);

    PipelineResult run = pipeline.run();
    run.waitUntilFinish();

    assertThat(CommittedCounters.of(run, ParseVisits.class), is(Map.of(
        "parsed", 1L,
        "ignored", 1L,
        "rejected_bad_date", 1L,
        "rejected_not_json", 1L)));
  }
}
