package dev.fieldflow.bench;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.Params;
import dev.fieldflow.transforms.ParseResult;
import dev.fieldflow.transforms.SourceLine;
import dev.fieldflow.transforms.Visit;
import dev.fieldflow.transforms.VisitParser;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.postgresql.PGConnection;

/**
 * Measurement 1: rows per second from raw visit files to committed rows, for fieldflow on each
 * runner and for baselines on the same rows: PostgreSQL's {@code COPY} of the rows already
 * transformed (the physical limit) into a table with the primary key only, with every index of
 * {@code fieldflow.visits}, and with every index but one class (the GIN on {@code note_tokens},
 * the partial analyst indexes; found in the catalog), which shows what each class costs; and a
 * plain single-threaded JDBC batch-insert loader (what the origin's sink did). Methods run
 * interleaved within each trial, in a rotated order, so that every ratio compares runs made
 * seconds apart. For fieldflow, the per-file load profiles of the child's log are summed
 * ({@link FileProfiles}).
 */
final class IngestThroughput {
  static final String COPY = "COPY (PK only)";
  static final String COPY_INDEXED = "COPY (all indexes of visits)";
  static final String COPY_NO_GIN = "COPY (all indexes but the GIN on note_tokens)";
  static final String COPY_NO_PARTIAL = "COPY (all indexes but the partial analyst ones)";
  static final String JDBC = "JDBC batch insert, 1 thread";

  /** The baselines, in the order each trial starts from (rotated per trial). */
  static final List<String> BASELINES = List.of(COPY, COPY_INDEXED, COPY_NO_GIN, COPY_NO_PARTIAL, JDBC);

  private static final String VISIT_COLUMNS =
      "task_id, visit_id, node_id, visit_date, node_age, engineer_skill_level, outcome, note_tokens,"
          + " task_type, original_reported_date, node_type, source_file, source_line";

  /** The loader's side of a run in {@link Trial#cpuSeconds}: the pipeline JVM, or a baseline's thread. */
  static final String LOADER_CPU = "loader";
  /** PostgreSQL's side of a run in {@link Trial#cpuSeconds}: the postmaster and all it ran. */
  static final String POSTGRES_CPU = "PostgreSQL";
  /** The local cluster's JobManager and TaskManagers in {@link Trial#cpuSeconds} (its runs only). */
  static final String CLUSTER_CPU = "Flink JobManager + TaskManagers";

  /**
   * One timed run of one method; for fieldflow, its files' load profiles summed from its log
   * ({@link FileProfiles.Sum#NONE} for a baseline); the core-seconds each side used during the
   * timed part ({@link #POSTGRES_CPU}, {@link #LOADER_CPU}, and the Flink cluster's processes).
   */
  record Trial(int trial, String method, long rows, double seconds, double busySeconds,
      Map<String, Long> peakBytes, FileProfiles.Sum profile, Map<String, Double> cpuSeconds) {
    Trial(int trial, String method, long rows, double seconds, double busySeconds, Map<String, Long> peakBytes) {
      this(trial, method, rows, seconds, busySeconds, peakBytes, FileProfiles.Sum.NONE, Map.of());
    }

    double rowsPerSecond() {
      return rows / seconds;
    }

    Trial withProfile(FileProfiles.Sum newProfile) {
      return new Trial(trial, method, rows, seconds, busySeconds, peakBytes, newProfile, cpuSeconds);
    }

    Trial withCpu(Map<String, Double> used) {
      return new Trial(trial, method, rows, seconds, busySeconds, peakBytes, profile, Map.copyOf(used));
    }
  }

  /** A watch of PostgreSQL's CPU: the postmaster and all it ran. */
  private ProcessCpu.Watch postgresCpu() {
    return new ProcessCpu.Watch().watch(POSTGRES_CPU, () -> ProcessCpu.treeSeconds(db.postmasterPid()));
  }

  /** PostgreSQL's CPU, and this thread's (a baseline's loader: reading, converting, sending). */
  private ProcessCpu.Watch baselineCpu() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    return postgresCpu().watch(LOADER_CPU, () -> threads.getCurrentThreadCpuTime() / 1e9);
  }

  /** An index of a table: its name, definition, and whether it is partial or a GIN on note_tokens. */
  record Index(String name, String definition, boolean primary, boolean partial, boolean ginOnNoteTokens) {}

  private static final String INDEXES_OF = "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary,"
      + " i.indpred IS NOT NULL, a.amname = 'gin' AND EXISTS (SELECT 1 FROM pg_attribute t"
      + " WHERE t.attrelid = i.indrelid AND t.attnum = ANY (i.indkey) AND t.attname = 'note_tokens')"
      + " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
      + " WHERE i.indrelid = ?::regclass ORDER BY c.relname";

  private final BenchDatabase db;
  private final Path work;
  private final int visits;
  private final int linesPerFile;
  private Path visitsDir;
  private Path csv;
  private long expectedRows;
  private final Map<String, List<Index>> indexes = new LinkedHashMap<>();

  IngestThroughput(BenchDatabase db, Path work, int visits, int linesPerFile) {
    this.db = db;
    this.work = work;
    this.visits = visits;
    this.linesPerFile = linesPerFile;
  }

  int visits() {
    return visits;
  }

  int linesPerFile() {
    return linesPerFile;
  }

  long expectedRows() {
    return expectedRows;
  }

  /**
   * Generates the raw files, and the transformed rows for COPY (parsed with fieldflow's own
   * {@link VisitParser}, last line of a key wins), and creates the baseline tables. Not timed.
   */
  void prepare() throws IOException {
    Path data = work.resolve("throughput-data");
    Dataset dataset = Dataset.generate(Params.defaults().withSeed(20191003).withVisits(visits)
        .withLinesPerFile(linesPerFile).withQuirks(false));
    dataset.writeTo(data);
    visitsDir = data.resolve("visits");
    expectedRows = dataset.manifest().visits().storedVisits();

    Map<List<Number>, Visit> rows = new LinkedHashMap<>();
    forEachVisit(visitsDir, v -> rows.put(List.of(v.taskId(), v.visitId()), v));
    if (rows.size() != expectedRows) {
      throw new IllegalStateException("parsed " + rows.size() + " distinct visits, the manifest says "
          + expectedRows);
    }
    csv = work.resolve("visits-transformed.csv");
    try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
      for (Visit v : rows.values()) {
        out.write(csvRow(v));
      }
    }
    db.execute(
        "DROP TABLE IF EXISTS bench.visits_copy, bench.visits_copy_indexed, bench.visits_copy_no_gin,"
            + " bench.visits_copy_no_partial, bench.visits_jdbc",
        // Same columns, types, defaults and checks as fieldflow.visits, with its primary key.
        "CREATE TABLE bench.visits_copy (LIKE fieldflow.visits INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        "ALTER TABLE bench.visits_copy ADD PRIMARY KEY (task_id, visit_id)",
        // ...and with every index fieldflow.visits has (as its catalog says; listed in the report).
        "CREATE TABLE bench.visits_copy_indexed (LIKE fieldflow.visits INCLUDING ALL)",
        // What an index class costs: all of them but that class, found in the catalog, not by name.
        "CREATE TABLE bench.visits_copy_no_gin (LIKE fieldflow.visits INCLUDING ALL)",
        "CREATE TABLE bench.visits_copy_no_partial (LIKE fieldflow.visits INCLUDING ALL)",
        "CREATE TABLE bench.visits_jdbc (LIKE bench.visits_copy INCLUDING ALL)");
    dropIndexes("bench.visits_copy_no_gin", Index::ginOnNoteTokens);
    dropIndexes("bench.visits_copy_no_partial", Index::partial);
    indexes.put("fieldflow.visits", indexesOf("fieldflow.visits"));
    indexes.put(COPY, indexesOf("bench.visits_copy"));
    indexes.put(COPY_INDEXED, indexesOf("bench.visits_copy_indexed"));
    indexes.put(COPY_NO_GIN, indexesOf("bench.visits_copy_no_gin"));
    indexes.put(COPY_NO_PARTIAL, indexesOf("bench.visits_copy_no_partial"));
    indexes.put(JDBC, indexesOf("bench.visits_jdbc"));
  }

  /** The indexes of fieldflow.visits ("fieldflow.visits") and of each baseline's table (by method). */
  Map<String, List<Index>> indexes() {
    return indexes;
  }

  private void dropIndexes(String table, java.util.function.Predicate<Index> which) {
    for (Index index : indexesOf(table)) {
      if (which.test(index) && !index.primary()) {
        db.execute("DROP INDEX bench." + quoteIdentifier(index.name()));
      }
    }
  }

  private static String quoteIdentifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private List<Index> indexesOf(String table) {
    try (Connection c = db.adminConnection(); PreparedStatement q = c.prepareStatement(INDEXES_OF)) {
      q.setString(1, table);
      List<Index> found = new ArrayList<>();
      try (java.sql.ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          found.add(new Index(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4), rs.getBoolean(5)));
        }
      }
      return List.copyOf(found);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot list the indexes of " + table + ": " + e.getMessage(), e);
    }
  }

  Path visitsDir() {
    return visitsDir;
  }

  long csvBytes() throws IOException {
    return Files.size(csv);
  }

  private static void forEachVisit(Path dir, Consumer<Visit> sink) throws IOException {
    for (Path file : sortedFiles(dir)) {
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        long lineNumber = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          ParseResult<Visit> result = VisitParser.parse(new SourceLine(file.toString(), ++lineNumber, line));
          if (result instanceof ParseResult.Parsed<Visit> parsed) {
            sink.accept(parsed.value());
          } else if (result instanceof ParseResult.Rejected<Visit> rejected) {
            throw new IllegalStateException("generated data rejected: " + rejected.line());
          }
        }
      }
    }
  }

  private static List<Path> sortedFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
  }

  private static String csvRow(Visit v) {
    StringBuilder tokens = new StringBuilder("{");
    for (int i = 0; i < v.noteTokens().length; i++) {
      tokens.append(i == 0 ? "" : ",").append(v.noteTokens()[i]);
    }
    tokens.append('}');
    return v.taskId() + "," + v.visitId() + "," + v.nodeId() + "," + v.visitDate() + ","
        + v.nodeAge() + "," + v.engineerSkillLevel() + "," + v.outcome().name() + ",\""
        + tokens + "\"," + v.taskType() + "," + v.originalReportedDate() + "," + v.nodeType()
        + ",\"" + v.file().replace("\"", "\"\"") + "\"," + v.lineNumber() + "\n";
  }

  /** COPY of the transformed CSV into {@code table}, timed from the first byte to the commit. */
  Trial copy(int trial, String method, String table) throws SQLException, IOException {
    db.settle();
    try (ProcessMemory.PeakSampler sampler = new ProcessMemory.PeakSampler()
            .watch("postgres", db::pss).start();
        Connection c = db.adminConnection()) {
      c.setAutoCommit(false);
      ProcessCpu.Watch cpu = baselineCpu().start();
      long t0 = System.nanoTime();
      long rows;
      try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
        rows = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
            "COPY " + table + " (" + VISIT_COLUMNS + ") FROM STDIN WITH (FORMAT csv)", in);
      }
      c.commit();
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Double> used = cpu.stop();
      sampler.sampleOnce();
      check(rows, table);
      return new Trial(trial, method, rows, seconds, seconds, sampler.peaks()).withCpu(used);
    }
  }

  /**
   * The origin's kind of loader: one thread reads the raw files, parses each line and inserts
   * it with a plain {@code INSERT} in JDBC batches of 1,000, one commit per batch, without
   * pgjdbc's multi-row rewrite. Timed from opening the first file to the last commit.
   */
  Trial jdbc(int trial) throws SQLException, IOException {
    db.settle();
    DatabaseConfig admin = db.admin();
    Properties login = new Properties();
    login.setProperty("user", admin.user());
    login.setProperty("password", admin.password());
    login.setProperty("reWriteBatchedInserts", "false");
    try (ProcessMemory.PeakSampler sampler = new ProcessMemory.PeakSampler()
            .watch("postgres", db::pss).start();
        Connection c = DriverManager.getConnection(admin.jdbcUrl(), login)) {
      c.setAutoCommit(false);
      ProcessCpu.Watch cpu = baselineCpu().start();
      long t0 = System.nanoTime();
      long[] rows = {0};
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO bench.visits_jdbc ("
          + VISIT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        List<SQLException> failure = new ArrayList<>();
        forEachVisit(visitsDir, v -> {
          if (!failure.isEmpty()) {
            return;
          }
          try {
            insert.setLong(1, v.taskId());
            insert.setInt(2, v.visitId());
            insert.setInt(3, v.nodeId());
            insert.setObject(4, v.visitDate());
            insert.setInt(5, v.nodeAge());
            insert.setInt(6, v.engineerSkillLevel());
            insert.setString(7, v.outcome().name());
            insert.setArray(8, c.createArrayOf("int4",
                java.util.Arrays.stream(v.noteTokens()).boxed().toArray()));
            insert.setInt(9, v.taskType());
            insert.setObject(10, v.originalReportedDate());
            insert.setInt(11, v.nodeType());
            insert.setString(12, v.file());
            insert.setLong(13, v.lineNumber());
            insert.addBatch();
            if (++rows[0] % 1000 == 0) {
              insert.executeBatch();
              c.commit();
            }
          } catch (SQLException e) {
            failure.add(e);
          }
        });
        if (!failure.isEmpty()) {
          throw failure.get(0);
        }
        insert.executeBatch();
        c.commit();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Double> used = cpu.stop();
      sampler.sampleOnce();
      check(rows[0], "bench.visits_jdbc");
      return new Trial(trial, JDBC, rows[0], seconds, seconds, sampler.peaks()).withCpu(used);
    }
  }

  /**
   * fieldflow {@code visit --once} as a child JVM, timed from process start to exit (JVM start,
   * pipeline construction and shutdown included); the ledger's first start to last finish is
   * reported beside it as the time the pipeline was busy. Its CPU: PostgreSQL's, the child JVM's
   * (counted once it has exited), and that of {@code extraCpu} (a cluster's processes).
   */
  Trial fieldflow(int trial, PipelineRunner runner, Map<String, java.util.function.Supplier<java.util.OptionalLong>> extraWatches,
      Map<String, java.util.function.DoubleSupplier> extraCpu) throws IOException, InterruptedException {
    db.settle();
    Path log = work.resolve("logs/throughput-" + runner.name() + "-" + trial + ".log");
    ProcessCpu.Watch cpu = postgresCpu().watch(LOADER_CPU, ProcessCpu::endedChildrenOfThisJvm);
    extraCpu.forEach(cpu::watch);
    cpu.start();
    try (ChildPipeline child = ChildPipeline.start(
            runner.command(List.of("--visitsInput=" + visitsDir + "/", "--once")), db.home(), log);
        ProcessMemory.PeakSampler sampler = new ProcessMemory.PeakSampler()) {
      sampler.watch("pipeline JVM", () -> ProcessMemory.peakRss(child.pid()))
          .watch("postgres", db::pss);
      extraWatches.forEach(sampler::watch);
      sampler.start();
      Duration took = child.awaitSuccess(Duration.ofMinutes(30));
      Map<String, Double> used = cpu.stop();
      long rows = db.count("SELECT count(*) FROM fieldflow.visits");
      check(rows, "fieldflow.visits");
      double busy = Double.parseDouble(db.text("SELECT extract(epoch FROM max(finished_at) - min(started_at))"
          + " FROM fieldflow.ingest_files WHERE status = 'done'"));
      long done = db.count("SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done'");
      if (done != db.count("SELECT count(*) FROM fieldflow.ingest_files")) {
        throw new IllegalStateException(runner.label() + ": not every file is done; see " + log);
      }
      return new Trial(trial, runner.label(), rows, took.toNanos() / 1e9, busy, sampler.peaks(),
          FileProfiles.ofLogs(List.of(log)), Map.copyOf(used));
    }
  }

  private void check(long rows, String table) {
    long stored = db.count("SELECT count(*) FROM " + table);
    if (rows != expectedRows || stored != expectedRows) {
      throw new IllegalStateException(table + ": " + rows + " rows written, " + stored + " stored, "
          + expectedRows + " expected");
    }
  }
}
