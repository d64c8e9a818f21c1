package dev.fieldflow.analytics;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.HardCases;
import dev.fieldflow.testdata.Params;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The median latency of each analysts' question at its defaults, asked as the analyst on
 * 1,000,000 generated visits (the origin's 499-node network), with each plan. Not a test:
 * surefire's default includes skip it; run it with
 *
 * <pre>
 * mvn -B -pl analytics -am test -Dtest=AnalystQuestionsBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 *     [-Dfieldflow.bench.visits=1000000] [-Dfieldflow.bench.runs=9]
 *     [-Dfieldflow.bench.out=target/bench/analyst-questions.md]
 * </pre>
 *
 * It prints a Markdown report and writes it to {@code fieldflow.bench.out}.
 */
class AnalystQuestionsBenchmark {
  @RegisterExtension static final EmbeddedPostgresExtension db = new EmbeddedPostgresExtension();

  private static final int VISITS = Integer.getInteger("fieldflow.bench.visits", 1_000_000);
  private static final int RUNS = Integer.getInteger("fieldflow.bench.runs", 9);
  private static final Path OUT =
      Path.of(System.getProperty("fieldflow.bench.out", "target/bench/analyst-questions.md"));

  @Test
  void medianLatencyOfEachQuestion() throws SQLException, IOException {
    long started = System.nanoTime();
    Dataset dataset =
        Dataset.generate(
            Params.defaults().withSeed(20191003).withVisits(VISITS).withLinesPerFile(100_000)
                .withHardCases(HardCases.analystDefaults()));
    long generated = System.nanoTime();
    ModelFixture.load(db.admin(), dataset.network(), dataset.visits());
    // Index-only scans need the visibility map, which a VACUUM cannot complete while another
    // snapshot (autovacuum's ANALYZE of the fresh tables) is older than the rows: measure the
    // steady state a running database reaches, not the minutes after a bulk load.
    for (int attempt = 0; attempt < 10 && !allVisible(); attempt++) {
      db.execute("VACUUM fieldflow.visits");
    }
    long loaded = System.nanoTime();

    StringBuilder report = new StringBuilder();
    report.append("# Analysts' questions: median latency\n\n")
        .append("Generated ").append(LocalDate.now()).append(" by `AnalystQuestionsBenchmark`: ")
        .append(String.format("%,d", dataset.visits().size())).append(" visits, ")
        .append(dataset.network().nodes().size()).append(" network nodes, ")
        .append(String.format("%,d", dataset.network().edges().size()))
        .append(" undirected edges (seed 20191003, with the hard cases); ")
        .append("PostgreSQL ").append(serverVersion()).append(" (embedded, default settings). ")
        .append("Each question at its defaults, asked as the analyst through the same code as ")
        .append("`manage.sh query` (rows read by the client included), 1 warm-up then ")
        .append(RUNS).append(" timed runs.\n")
        .append(String.format("Generating took %.1f s, loading with COPY plus VACUUM %.1f s.%n%n",
            (generated - started) / 1e9, (loaded - generated) / 1e9))
        .append("| question | rows | median ms | min ms | max ms |\n")
        .append("|---|---:|---:|---:|---:|\n");
    StringBuilder plans = new StringBuilder("\n## Plans (EXPLAIN ANALYZE, at the defaults)\n");
    try (Connection analyst = db.analyst().dataSource().getConnection()) {
      analyst.setReadOnly(true);
      for (Question question : Question.values()) {
        Answer answer = question.ask(analyst, Map.of());
        double[] millis = new double[RUNS];
        for (int run = 0; run < RUNS; run++) {
          long t0 = System.nanoTime();
          answer = question.ask(analyst, Map.of());
          millis[run] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(millis);
        report.append(String.format("| %s | %,d | %.1f | %.1f | %.1f |%n", question.id(),
            answer.rows().size(), millis[RUNS / 2], millis[0], millis[RUNS - 1]));
        plans.append("\n### ").append(question.id()).append(": ").append(question.text())
            .append("\n\n```\n").append(explain(analyst, question.function() + "()"))
            .append("```\n");
      }
      // The planner picks the GIN index on note_tokens when the token is rare.
      plans.append("\n### q5 with a rare token (T=1260)\n\n```\n")
          .append(explain(analyst, "analytics.q5(token => 1260)")).append("```\n");
    }
    report.append("\n## Size of fieldflow.visits and its indexes\n\n| relation | size |\n|---|---:|\n");
    for (List<Object> row : db.rows(
        "SELECT c.relname::text, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c"
            + " WHERE c.oid = 'fieldflow.visits'::regclass OR c.oid IN (SELECT indexrelid"
            + " FROM pg_index WHERE indrelid = 'fieldflow.visits'::regclass)"
            + " ORDER BY pg_relation_size(c.oid) DESC")) {
      report.append("| ").append(row.get(0)).append(" | ").append(row.get(1)).append(" |\n");
    }
    report.append(plans);
    System.out.println(report);
    Files.createDirectories(OUT.toAbsolutePath().getParent());
    Files.writeString(OUT, report, StandardCharsets.UTF_8);
  }

  private static boolean allVisible() {
    return db.count("SELECT count(*) FROM pg_class WHERE oid = 'fieldflow.visits'::regclass"
        + " AND relallvisible >= relpages") == 1;
  }

  private static String serverVersion() {
    return String.valueOf(db.rows("SHOW server_version").get(0).get(0));
  }

  private static String explain(Connection connection, String call) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM " + call)) {
      while (rs.next()) {
        plan.append(rs.getString(1)).append('\n');
      }
    }
    return plan.toString();
  }
}
