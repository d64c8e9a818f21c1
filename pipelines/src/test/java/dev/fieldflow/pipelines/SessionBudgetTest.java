package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.pipelines.SessionBudget.Workers;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionBudgetTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @Test
  void theServersSlotsAreReadAsTheWriterSeesThem() {
    long max = POSTGRES.count("SELECT current_setting('max_connections')::int");
    VisitPipelineOptions many = PipelineOptionsFactory
        .fromArgs("--targetParallelism=" + max).as(VisitPipelineOptions.class);
    VisitPipelineOptions few = PipelineOptionsFactory
        .fromArgs("--targetParallelism=2").as(VisitPipelineOptions.class);

    assertThat(SessionBudget.check(many, POSTGRES.writer()).orElseThrow(),
        containsString("(max_connections " + max + ", less the reserved)"));
    assertThat(SessionBudget.check(few, POSTGRES.writer()).isPresent(), is(false));
  }
  @Test
  void theDirectRunnersWorkersAreItsTargetParallelism() {
    VisitPipelineOptions options = PipelineOptionsFactory
        .fromArgs("--runner=DirectRunner", "--targetParallelism=80").as(VisitPipelineOptions.class);

    assertThat(SessionBudget.workers(options), equalTo(Optional.of(new Workers("--targetParallelism", 80))));
  }

  @Test
  void workersThatNeedMoreSessionsThanTheServerTakesAreWarnedAbout() {
    Workers workers = new Workers("--targetParallelism", 80);

    assertThat(SessionBudget.warning(workers, 97, 100).orElseThrow(), equalTo("--targetParallelism=80"
        + " loads up to 80 files at once on 2 PostgreSQL sessions each, about 165 sessions with the"
        + " claims', but the server takes 97 (max_connections 100, less the reserved): loads will"
        + " wait for connection slots and crawl (SQLSTATE 53300 in this log); lower"
        + " --targetParallelism or raise max_connections (docs/OPERATIONS.md)"));
  }

  @Test
  void workersThatFitAreNotWarnedAbout() {
    assertThat(SessionBudget.warning(new Workers("--parallelism", 46), 97, 100).isPresent(), is(false));
    assertThat(SessionBudget.warning(new Workers("--parallelism", 47), 97, 100).isPresent(), is(true));
  }
}
