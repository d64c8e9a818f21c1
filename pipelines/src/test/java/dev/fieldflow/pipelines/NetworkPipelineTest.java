package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import dev.fieldflow.ingest.network.NetworkSnapshotSummary;
import dev.fieldflow.testdata.Dataset;
import dev.fieldflow.testdata.GeneratedNetwork;
import dev.fieldflow.testdata.Manifest;
import dev.fieldflow.testdata.Params;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The network pipeline end to end: DirectRunner, a real PostgreSQL, files on disk. */
class NetworkPipelineTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  @TempDir Path dir;

  @BeforeEach
  void emptyModel() throws Exception {
    admin("TRUNCATE fieldflow.network_edges, fieldflow.network_snapshots, fieldflow.ingest_files,"
        + " fieldflow.rejected_records, fieldflow.network_staging, fieldflow.network_staging_files,"
        + " fieldflow.network_staging_rejects, fieldflow.visits, fieldflow.tasks, fieldflow.nodes"
        + " CASCADE");
  }

  private static void admin(String sql) throws Exception {
    try (Connection c = POSTGRES.admin().dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static List<String> rows(String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = POSTGRES.admin().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }

  private static long count(String sql) throws Exception {
    return Long.parseLong(rows(sql).get(0));
  }

  private Path network(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private static NetworkSnapshotSummary load(String pattern) throws Exception {
    return NetworkPipeline.run(options(pattern, POSTGRES.writer()), POSTGRES.writer());
  }

  private static NetworkPipelineOptions options(String pattern, DatabaseConfig db) {
    NetworkPipelineOptions options = PipelineOptionsFactory.as(NetworkPipelineOptions.class);
    options.setNetworkInput(pattern);
    options.setJdbcUrl(db.jdbcUrl());
    options.setDbUser(db.user());
    options.setDbConnectTimeoutSeconds(5);
    options.setBatchSize(100);
    return options;
  }

  @Test
  void anEdgeWrittenOnceIsStoredInBothDirections() throws Exception {
    Path file = network("net.adjlist", "# networkx adjacency list\nNODE1 NODE3 NODE5\nNODE3 NODE5\nNODE7\n");

    NetworkSnapshotSummary summary = load(file.toString());

    assertThat(rows("SELECT node_id || '-' || adj_node_id FROM fieldflow.network_edges"
            + " ORDER BY node_id, adj_node_id"),
        equalTo(List.of("1-3", "1-5", "3-1", "3-5", "5-1", "5-3")));
    assertThat(rows("SELECT node_id FROM fieldflow.nodes ORDER BY node_id"),
        equalTo(List.of("1", "3", "5", "7")));
    assertThat(summary.describe(), equalTo("4 nodes, 3 edges, 0 rejected lines, 0 dropped"));
  }

  @Test
  void selfLoopsAndRepeatedEdgesAreDroppedAndCountedAndTheLedgerAddsUp() throws Exception {
    Path file = network("net.adjlist", "NODE1 NODE2 NODE2 NODE1\nNODE2 NODE1 NODE3\nNODE3 bogus\n\n");

    NetworkSnapshotSummary summary = load(file.toString());

    assertThat(count("SELECT count(*) FROM fieldflow.network_edges"), equalTo(4L));
    assertThat(summary.droppedSelfLoops(), equalTo(1L));
    assertThat(summary.droppedDuplicates(), equalTo(2L));
    assertThat(summary.rejectedLines(), equalTo(1L));
    assertThat(rows("SELECT lines_read, records_read, rows_loaded, duplicates, rejected, status"
            + " FROM fieldflow.ingest_files WHERE pipeline = 'network'"),
        equalTo(List.of("3|5|2|3|1|done")));
    // lines = accepted + rejected; records (neighbours written) = loaded + dropped
    assertThat(rows("SELECT reason_code, line_number FROM fieldflow.rejected_records"),
        equalTo(List.of("bad_node|3")));
  }

  @Test
  void loadingTheSameFileTwiceGivesIdenticalTables() throws Exception {
    Path file = network("net.adjlist", "NODE1 NODE2 NODE3\nNODE2 NODE3\nNODE4 NODE1\n");
    load(file.toString());
    List<String> edges = rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2");
    List<String> nodes = rows("SELECT node_id, node_type FROM fieldflow.nodes ORDER BY 1");
    List<String> ledger = rows("SELECT path, version, lines_read, records_read, rows_loaded,"
        + " duplicates, rejected, status FROM fieldflow.ingest_files ORDER BY 1");

    load(file.toString());

    assertThat(rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2"), equalTo(edges));
    assertThat(rows("SELECT node_id, node_type FROM fieldflow.nodes ORDER BY 1"), equalTo(nodes));
    assertThat(rows("SELECT path, version, lines_read, records_read, rows_loaded,"
        + " duplicates, rejected, status FROM fieldflow.ingest_files ORDER BY 1"), equalTo(ledger));
    assertThat(count("SELECT count(*) FROM fieldflow.network_staging"), equalTo(0L));
  }

  @Test
  void aDifferentNetworkReplacesTheOldEdgesCompletely() throws Exception {
    load(network("old.adjlist", "NODE1 NODE2 NODE3\n").toString());

    load(network("new.adjlist", "NODE7 NODE8\n").toString());

    assertThat(rows("SELECT node_id || '-' || adj_node_id FROM fieldflow.network_edges ORDER BY 1"),
        equalTo(List.of("7-8", "8-7")));
  }

  /** A chain NODE1 - NODE2 - ... - NODEn: n nodes, n - 1 edges. */
  private Path chain(String name, int n) throws Exception {
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i < n; i++) {
      lines.append("NODE").append(i).append(" NODE").append(i + 1).append('\n');
    }
    return network(name, lines.toString());
  }

  @Test
  void aLoadWithLessThanHalfTheNodesIsRefusedLeavingTheNetworkAsItWas() throws Exception {
    load(chain("full.adjlist", 10).toString());
    List<String> edges = rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2");
    Path truncated = chain("truncated.adjlist", 4);

    Exception e = assertThrows(Exception.class, () -> load(truncated.toString()));

    assertThat(UserMessages.of(e), startsWith(
        "network load refused: it would shrink the network from 10 to 4 nodes (-60%) and from 9"
            + " to 3 edges (-67%), more than --maxShrinkRatio=0.5 allows; the current snapshot is"
            + " unchanged. If the smaller network is right, load it again with --force"
            + " (./manage.sh network --force)"));
    assertThat(rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2"), equalTo(edges));
    assertThat(count("SELECT count(*) FROM fieldflow.network_snapshots"), equalTo(1L));
    assertThat(rows("SELECT status, rows_loaded FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%truncated%'"), equalTo(List.of("failed|0")));
    assertThat(count("SELECT count(*) FROM fieldflow.network_staging"), equalTo(0L));
  }

  /**
   * A refused or failed load would otherwise show nowhere but in the exit code of its run; and a
   * later snapshot must not mark it done (loaded), as it did before: it was never loaded.
   */
  @Test
  void aRefusedLoadStaysFailedWithWhatItReadAfterALaterSnapshotCommits() throws Exception {
    load(chain("full.adjlist", 10).toString());
    Path truncated = chain("truncated.adjlist", 4);
    assertThrows(Exception.class, () -> load(truncated.toString()));
    assertThrows(Exception.class, () -> load(truncated.toString()));

    load(chain("other.adjlist", 9).toString());

    assertThat(rows("SELECT status, attempts, lines_read, records_read, rows_loaded, duplicates,"
            + " rejected, warning, error LIKE 'network load % of 1 file(s) failed: network load"
            + " refused: it would shrink the network from 10 to 4 nodes (-60%) and from 9 to 3"
            + " edges (-67%), more than --maxShrinkRatio=0.5 allows; the current snapshot is"
            + " unchanged. If the smaller network is right, load it again with --force"
            + " (./manage.sh network --force)' FROM fieldflow.ingest_files"
            + " WHERE path LIKE '%truncated%'"),
        equalTo(List.of("failed|2|3|3|0|0|0|null|t")));
  }

  /** The visit side fails such a file too (csv); a network load of it must say so for good. */
  @Test
  void aFileRefusedAsCsvIsFailedWithItsReasonAndStaysSo() throws Exception {
    load(chain("full.adjlist", 10).toString());
    Path csv = network("edges.csv", "source,target\n1,2\n2,3\n");

    Exception e = assertThrows(Exception.class, () -> load(csv.toString()));
    load(chain("full.adjlist", 10).toString());

    assertThat(UserMessages.of(e), startsWith(csv + ": csv: its first line 'source,target'"
        + " looks like CSV"));
    assertThat(rows("SELECT status, lines_read, rows_loaded, rejected, error LIKE"
            + " 'network load % of 1 file(s) failed: " + csv + ": csv: its first line"
            + " ''source,target'' looks like CSV %; re-export % a network as an adjacency list"
            + " (nodes separated by spaces)' FROM fieldflow.ingest_files WHERE path LIKE '%.csv'"),
        equalTo(List.of("failed|0|0|0|t")));
  }

  /**
   * As a visit file that is refused quarantines nothing, a refused snapshot quarantines nothing:
   * its ledger rows say 0 rejected and the quarantine agrees. Its bad lines are quarantined when
   * a load of it commits.
   */
  @Test
  void aRefusedSnapshotQuarantinesNothingAndALoadOfItThatCommitsDoes() throws Exception {
    load(chain("full.adjlist", 10).toString());
    Path truncated = network("truncated.adjlist", "NODE1 NODE2\nNODE2 NODE3\nNODE3 bogus\n");

    assertThrows(Exception.class, () -> load(truncated.toString()));

    assertThat(count("SELECT count(*) FROM fieldflow.rejected_records"), equalTo(0L));
    assertThat(rows("SELECT status, lines_read, rejected FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%truncated%'"), equalTo(List.of("failed|3|0")));
    assertThat(count("SELECT count(*) FROM fieldflow.network_staging_rejects"), equalTo(0L));

    NetworkPipelineOptions forced = options(truncated.toString(), POSTGRES.writer());
    forced.setForce(true);
    NetworkPipeline.run(forced, POSTGRES.writer());

    assertThat(rows("SELECT reason_code, line_number FROM fieldflow.rejected_records"),
        equalTo(List.of("bad_node|3")));
    assertThat(rows("SELECT status, lines_read, rejected FROM fieldflow.ingest_files"
        + " WHERE path LIKE '%truncated%'"), equalTo(List.of("done|3|1")));
  }

  @Test
  void aFailedLoadOfTheFilesTheSnapshotHoldsLeavesTheirRowsDone() throws Exception {
    Path full = chain("full.adjlist", 10);
    load(full.toString());
    network("broken.adjlist.gz", "NODE1 NODE2\n");

    Exception e = assertThrows(Exception.class, () -> load(dir + "/*.adjlist*"));

    assertThat(UserMessages.of(e), containsString("not_gzip"));
    assertThat(rows("SELECT path LIKE '%full%', status FROM fieldflow.ingest_files ORDER BY path"),
        equalTo(List.of("f|failed", "t|done")));
  }

  @Test
  void aLoadThatKeepsTheNodesButLosesMostEdgesIsRefused() throws Exception {
    load(network("dense.adjlist", "NODE1 NODE2 NODE3 NODE4\nNODE2 NODE3 NODE4\nNODE3 NODE4\n")
        .toString());
    Path sparse = network("sparse.adjlist", "NODE1 NODE2\nNODE3 NODE4\n");

    Exception e = assertThrows(Exception.class, () -> load(sparse.toString()));

    assertThat(UserMessages.of(e), containsString(
        "from 4 to 4 nodes (0%) and from 6 to 2 edges (-67%)"));
    assertThat(count("SELECT count(*) FROM fieldflow.network_edges"), equalTo(12L));
  }

  @Test
  void aLoadWithExactlyHalfTheNodesAndEdgesIsAccepted() throws Exception {
    load(chain("full.adjlist", 10).toString());

    NetworkSnapshotSummary summary = load(network("half.adjlist",
        "NODE1 NODE2 NODE3\nNODE3 NODE4\nNODE4 NODE5\nNODE5 NODE2\n").toString());

    assertThat(summary.describe(), equalTo("5 nodes, 5 edges, 0 rejected lines, 0 dropped"));
  }

  @Test
  void forceLoadsAShrinkingNetwork() throws Exception {
    load(chain("full.adjlist", 10).toString());
    NetworkPipelineOptions options =
        options(chain("small.adjlist", 2).toString(), POSTGRES.writer());
    options.setForce(true);

    NetworkSnapshotSummary summary = NetworkPipeline.run(options, POSTGRES.writer());

    assertThat(summary.describe(), equalTo("2 nodes, 1 edges, 0 rejected lines, 0 dropped"));
    assertThat(rows("SELECT node_id || '-' || adj_node_id FROM fieldflow.network_edges ORDER BY 1"),
        equalTo(List.of("1-2", "2-1")));
  }

  @Test
  void theFirstLoadIsNeverRefused() throws Exception {
    NetworkPipelineOptions options = options(chain("first.adjlist", 2).toString(), POSTGRES.writer());
    options.setMaxShrinkRatio(0);

    NetworkSnapshotSummary summary = NetworkPipeline.run(options, POSTGRES.writer());

    assertThat(summary.describe(), equalTo("2 nodes, 1 edges, 0 rejected lines, 0 dropped"));
  }

  @Test
  void theShrinkIsMeasuredAgainstTheLatestSnapshot() throws Exception {
    load(chain("a.adjlist", 10).toString());
    load(chain("b.adjlist", 6).toString());

    NetworkSnapshotSummary summary = load(chain("c.adjlist", 4).toString());

    assertThat(summary.nodes(), equalTo(4));
  }

  @Test
  void aShrinkRatioOutsideZeroToOneIsRefusedBeforeAnyFileIsRead() throws Exception {
    NetworkPipelineOptions options = options(chain("net.adjlist", 3).toString(), POSTGRES.writer());
    options.setMaxShrinkRatio(1.5);

    Exception e = assertThrows(IllegalArgumentException.class,
        () -> NetworkPipeline.run(options, POSTGRES.writer()));

    assertThat(e.getMessage(), equalTo("--maxShrinkRatio must be between 0 and 1 (0.5 = refuse a"
        + " load with less than half the nodes or edges), but was 1.5"));
    assertThat(count("SELECT count(*) FROM fieldflow.network_snapshots"), equalTo(0L));
  }

  @Test
  void aCommitThatFailsLeavesThePreviousSnapshotUnchanged() throws Exception {
    load(network("old.adjlist", "NODE1 NODE2 NODE3\n").toString());
    List<String> before = rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2");
    // The new snapshot's edge 42-43 violates a constraint only the swap-in transaction meets.
    admin("ALTER TABLE fieldflow.network_edges ADD CONSTRAINT no_node_42 CHECK (node_id <> 42)");
    try {
      Path bad = network("new.adjlist", "NODE40 NODE41\nNODE42 NODE43\n");

      Exception e = assertThrows(Exception.class, () -> load(bad.toString()));

      assertThat(UserMessages.of(e), containsString("no_node_42"));
      assertThat(rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2"), equalTo(before));
      assertThat(count("SELECT count(*) FROM fieldflow.network_snapshots"), equalTo(1L));
      assertThat(count("SELECT count(*) FROM fieldflow.network_staging"), equalTo(0L));
    } finally {
      admin("ALTER TABLE fieldflow.network_edges DROP CONSTRAINT no_node_42");
    }
  }

  @Test
  void aStagingWriteThatFailsHalfwayLeavesThePreviousSnapshotUnchanged() throws Exception {
    load(network("old.adjlist", "NODE1 NODE2 NODE3\n").toString());
    List<String> before = rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2");
    admin("ALTER TABLE fieldflow.network_staging ADD CONSTRAINT no_node_500 CHECK (node_id <> 500)");
    try {
      StringBuilder lines = new StringBuilder();
      for (int n = 1; n <= 1000; n++) {
        lines.append("NODE").append(n).append(" NODE").append(n + 1).append('\n');
      }
      Path bad = network("new.adjlist", lines.toString());

      assertThrows(Exception.class, () -> load(bad.toString()));

      assertThat(rows("SELECT * FROM fieldflow.network_edges ORDER BY 1, 2"), equalTo(before));
      assertThat(count("SELECT count(*) FROM fieldflow.network_snapshots"), equalTo(1L));
    } finally {
      admin("ALTER TABLE fieldflow.network_staging DROP CONSTRAINT no_node_500");
    }
  }

  @Test
  void aPatternMatchingNothingFailsNamingThePattern() {
    String pattern = dir.resolve("nothing-here-*.adjlist").toString();

    Exception e = assertThrows(IllegalArgumentException.class, () -> load(pattern));

    assertThat(e.getMessage(), equalTo("no file matches " + pattern + "; check "
        + NetworkPipeline.INPUT_HINT));
  }

  @Test
  void anUnreachableDatabaseFailsFastNamingTheMaskedUrl() throws Exception {
    Path file = network("net.adjlist", "NODE1 NODE2\n");
    DatabaseConfig nowhere =
        DatabaseConfig.of("jdbc:postgresql://127.0.0.1:1/fieldflow?password=<not-a-real-secret>", "fieldflow_writer", "<not-a-real-secret>");
    NetworkPipelineOptions options = options(file.toString(), nowhere);
    options.setDbConnectTimeoutSeconds(3);

    long start = System.nanoTime();
    Exception e = assertThrows(Exception.class, () -> NetworkPipeline.run(options, nowhere));
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;

    assertThat(e.getMessage(), containsString("127.0.0.1:1/fieldflow"));
    assertThat(e.getMessage(), containsString("fieldflow_writer"));
    assertThat(e.getMessage(), not(containsString("<not-a-real-secret>")));
    assertThat(seconds, lessThan(30L));
  }

  @Test
  void aGeneratedNetworkLoadsWithExactlyItsUndirectedEdgesInBothDirections() throws Exception {
    Dataset data = Dataset.generate(
        Params.defaults().withSeed(7).withVisits(0).withQuirks(true).withBadNetworkLines(5));
    data.writeTo(dir);
    GeneratedNetwork network = data.network();
    Manifest.NetworkCounts expected = data.manifest().network();

    NetworkSnapshotSummary summary = load(dir.resolve("network").resolve("*").toString());

    TreeSet<String> expectedEdges = new TreeSet<>();
    for (GeneratedNetwork.Edge e : network.edges()) {
      expectedEdges.add(e.low() + "-" + e.high());
      expectedEdges.add(e.high() + "-" + e.low());
    }
    assertThat(new TreeSet<>(rows("SELECT node_id || '-' || adj_node_id FROM fieldflow.network_edges")),
        equalTo(expectedEdges));
    assertThat((long) summary.edges(), equalTo(expected.edges()));
    assertThat(summary.nodes(), equalTo(expected.nodes()));
    assertThat(summary.rejectedLines(), equalTo(expected.rejected()));
    assertThat(summary.droppedSelfLoops(), equalTo(expected.selfLoops()));
    assertThat(summary.droppedDuplicates(), equalTo(expected.repeatedEdges()));
    // The ledger accounts for every data line and every neighbour written.
    assertThat(rows("SELECT lines_read, rejected, records_read, rows_loaded, duplicates"
            + " FROM fieldflow.ingest_files WHERE pipeline = 'network'"),
        equalTo(List.of(expected.dataLines() + "|" + expected.rejected() + "|"
            + expected.neighbourTokens() + "|" + expected.edges() + "|"
            + (expected.selfLoops() + expected.repeatedEdges()))));
  }

  @Test
  void theBadInputCorpusIsQuarantinedLineByLineWithItsReasonCodes() throws Exception {
    Path corpus = Path.of("..", "test-data", "bad-input").toAbsolutePath().normalize();
    Path file = corpus.resolve("network-bad.adjlist");
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> expected = new ArrayList<>();
    List<String> tsv = Files.readAllLines(corpus.resolve("network-bad.expected.tsv"));
    for (String row : tsv.subList(1, tsv.size())) {
      String[] cols = row.split("\t");
      int lineNumber = Integer.parseInt(cols[0]);
      if (!cols[1].equals("ok")) {
        expected.add(lineNumber + "|" + cols[1] + "|" + lines.get(lineNumber - 1));
      }
    }

    load(file.toString());

    assertThat(rows("SELECT line_number || '|' || reason_code || '|' || raw_text"
            + " FROM fieldflow.rejected_records WHERE pipeline = 'network' ORDER BY line_number"),
        equalTo(expected));
  }

  /** The refusal's message says to raise --maxLineBytes: the network takes it as visits do. */
  @Test
  void aLineLongerThanMaxLineBytesIsQuarantinedAndTheRestLoads() throws Exception {
    Path file = network("net.adjlist", "NODE1 NODE2\nNODE2 NODE3 NODE4 NODE5 NODE6 NODE7\nNODE3 NODE4\n");
    NetworkPipelineOptions options = options(file.toString(), POSTGRES.writer());
    options.setMaxLineBytes(16);

    NetworkSnapshotSummary summary = NetworkPipeline.run(options, POSTGRES.writer());

    assertThat(rows("SELECT reason_code, line_number FROM fieldflow.rejected_records"
        + " WHERE pipeline = 'network'"), equalTo(List.of("line_too_long|2")));
    assertThat(summary.describe(), equalTo("4 nodes, 2 edges, 1 rejected lines, 0 dropped"));
  }

  @Test
  void theIgnoredFileNamesAreTheOnesGiven() throws Exception {
    network("a.adjlist", "NODE1 NODE2\n");
    network("_b.adjlist", "NODE3 NODE4\n");
    network("c.adjlist.old", "NODE5 NODE6\n");
    NetworkPipelineOptions options = options(dir.toString(), POSTGRES.writer());
    options.setIgnoreFileNames(".*\\.old");

    NetworkPipeline.run(options, POSTGRES.writer());

    assertThat(rows("SELECT node_id FROM fieldflow.nodes ORDER BY node_id"),
        equalTo(List.of("1", "2", "3", "4")));
  }

  @Test
  void aReadLimitOutOfItsRangeIsRefusedBeforeAnyFileIsRead() throws Exception {
    NetworkPipelineOptions options = options(dir.resolve("missing.adjlist").toString(),
        POSTGRES.writer());
    options.setMaxCompressionRatio(0);

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> NetworkPipeline.run(options, POSTGRES.writer()));

    assertThat(refused.getMessage(), equalTo("--maxCompressionRatio must be >= 1, but was 0"));
  }

  @Test
  void statusShowsTheCurrentSnapshotApartFromTheCountsOfEveryLoad() throws Exception {
    load(chain("first.adjlist", 10).toString());
    NetworkSnapshotSummary second = load(chain("second.adjlist", 6).toString());
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();

    dev.fieldflow.pipelines.status.Status.print(POSTGRES.writer(),
        new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));

    String status = printed.toString(StandardCharsets.UTF_8);
    assertThat(status, containsString("network: 2 file(s) done"));
    assertThat(status, containsString("  5 undirected edges in the current snapshot\n"));
    assertThat(status, containsString("  current snapshot " + second.snapshotId() + ", committed "));
    assertThat(status, containsString(": 1 file(s), 6 nodes, 5 edges, 0 rejected lines, 0 dropped"));
  }

  /** A load with other read limits quarantined a line the next load of the same bytes accepts. */
  @Test
  void aLineAnEarlierLoadQuarantinedAndTheNextLoadAcceptsIsNeitherCountedNorKept()
      throws Exception {
    Path file = network("wide.adjlist",
        "NODE1 NODE2 NODE3 NODE4 NODE5 NODE6 NODE7 NODE8 NODE9 NODE10\nNODE1 NODE2\n");
    NetworkPipelineOptions narrow = options(file.toString(), POSTGRES.writer());
    narrow.setMaxLineBytes(16);
    NetworkPipeline.run(narrow, POSTGRES.writer());
    assertThat(count("SELECT count(*) FROM fieldflow.rejected_records"), equalTo(1L));

    NetworkSnapshotSummary summary = load(file.toString());

    assertThat(summary.rejectedLines(), equalTo(0L));
    assertThat(rows("SELECT status, attempts, lines_read, rejected, warning, discovered_at <= started_at"
            + " FROM fieldflow.ingest_files WHERE path LIKE '%wide%'"),
        equalTo(List.of("done|2|2|0|null|t")));
    assertThat(count("SELECT count(*) FROM fieldflow.rejected_records"), equalTo(0L));
  }

  /** "82 lines: 163 loaded" read as lines loaded, more than were read; they were edges. */
  @Test
  void statusSaysWhatEachNetworkCountCounts() throws Exception {
    load(network("net.adjlist", "NODE1 NODE2 NODE3\nNODE2 NODE3 NODE1\nNODE4 bogus\n").toString());
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();

    dev.fieldflow.pipelines.status.Status.print(POSTGRES.writer(),
        new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));

    assertThat(printed.toString(StandardCharsets.UTF_8), containsString("network: 1 file(s) done,"
        + " 0 failed, 0 running; 3 lines read, 1 of them rejected; 3 undirected edges loaded,"
        + " 1 repeated edges or self-loops dropped\n"));
  }
}
