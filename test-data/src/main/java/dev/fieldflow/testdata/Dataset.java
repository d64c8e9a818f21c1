package dev.fieldflow.testdata;

import dev.fieldflow.testdata.GeneratedNetwork.Edge;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A generated data set: raw network and visit files as they arrive, and, in memory, what the
 * pipelines must make of them. Build one with {@link #generate}, write it with
 * {@link #writeTo}.
 *
 * <p>Layout under the target directory: {@code network/network.adjlist},
 * {@code visits/visits-00001.jsonl} (or {@code .jsonl.gz}) and so on, and {@code manifest.json}.
 */
public final class Dataset {

  public static final String MANIFEST = "manifest.json";

  private final Params params;
  private final AdjacencyFile adjacencyFile;
  private final GeneratedNetwork network;
  private final List<VisitFilePlan.PlannedFile> visitFiles;
  private final List<GeneratedVisit> visits;
  private final Map<Long, VisitLedger.Stored> stored;
  private final Manifest manifest;

  private Dataset(Params params, AdjacencyFile adjacencyFile, GeneratedNetwork network,
      List<VisitFilePlan.PlannedFile> visitFiles, List<GeneratedVisit> visits,
      Map<Long, VisitLedger.Stored> stored, Manifest manifest) {
    this.params = params;
    this.adjacencyFile = adjacencyFile;
    this.network = network;
    this.visitFiles = visitFiles;
    this.visits = visits;
    this.stored = stored;
    this.manifest = manifest;
  }

  /** Generates the data set {@code params} describe; equal params give equal data sets. */
  public static Dataset generate(Params params) {
    long seed = params.seed();
    NetworkGenerator networkGenerator =
        new NetworkGenerator(params, SeedStreams.stream(seed, SeedStreams.NETWORK));
    SortedSet<Edge> randomEdges = networkGenerator.randomEdges();
    Optional<HardCaseBuilder.Built> hard =
        params.hardCases().map(h -> new HardCaseBuilder(h, params).build());

    AdjacencyFile adjacencyFile = networkGenerator.plan(randomEdges,
        hard.map(HardCaseBuilder.Built::networkLines).orElse(List.of()));
    AdjacencyFile.Reading networkReading = adjacencyFile.read();
    checkNetwork(networkReading.network(), params, randomEdges, hard);

    Random attributes = SeedStreams.stream(seed, SeedStreams.NODE_ATTRIBUTES);
    int[] nodeTypes = VisitGenerator.nodeTypes(params.nodes(), attributes);
    int[] nodeAges = VisitGenerator.nodeAges(params.nodes(), attributes);
    List<GeneratedVisit> randomVisits =
        new VisitGenerator(params, SeedStreams.stream(seed, SeedStreams.VISITS))
            .generate(nodeTypes, nodeAges);
    List<VisitFilePlan.PlannedFile> visitFiles =
        new VisitFilePlan(params, SeedStreams.stream(seed, SeedStreams.LAYOUT)).plan(
            randomVisits,
            hard.map(HardCaseBuilder.Built::firstLines).orElse(List.of()),
            hard.map(HardCaseBuilder.Built::resends).orElse(List.of()));

    VisitLedger ledger = new VisitLedger();
    visitFiles.forEach(ledger::ingest);
    List<GeneratedVisit> finalVisits = new ArrayList<>(ledger.stored().size());
    for (VisitLedger.Stored s : ledger.stored().values()) {
      finalVisits.add(s.visit());
    }
    finalVisits.sort(Comparator.comparingLong(GeneratedVisit::taskId)
        .thenComparingInt(GeneratedVisit::visitId));

    Set<Integer> allNodes = new HashSet<>(networkReading.network().nodes());
    for (GeneratedVisit v : finalVisits) {
      allNodes.add(v.nodeId());
    }
    List<Manifest.ExpectedReject> rejects = new ArrayList<>(networkReading.rejectedLines());
    rejects.addAll(ledger.rejects());
    Manifest manifest = new Manifest(params, allNodes.size(), networkReading.counts(),
        ledger.totals(), ledger.files(), ledger.quirks(), rejects,
        hard.map(HardCaseBuilder.Built::cases).orElse(List.of()));
    return new Dataset(params, adjacencyFile, networkReading.network(), List.copyOf(visitFiles),
        List.copyOf(finalVisits), ledger.stored(), manifest);
  }

  /** The file plan must mean exactly the edges that were drawn plus the hard cases' ones. */
  private static void checkNetwork(GeneratedNetwork read, Params params,
      SortedSet<Edge> randomEdges, Optional<HardCaseBuilder.Built> hard) {
    SortedSet<Edge> expected = new TreeSet<>(randomEdges);
    hard.ifPresent(h -> h.networkLines().forEach(line -> {
      for (int neighbour : line.neighbours()) {
        expected.add(Edge.of(line.node(), neighbour));
      }
    }));
    if (!new TreeSet<>(read.edges()).equals(expected)) {
      throw new IllegalStateException("the planned adjacency file does not mean the drawn "
          + "network (seed " + params.seed() + "); this is a generator bug");
    }
  }

  public Params params() {
    return params;
  }

  /** The network the network pipeline must store. */
  public GeneratedNetwork network() {
    return network;
  }

  /** Every stored visit after all files, last ingested wins; by task id, then visit id. */
  public List<GeneratedVisit> visits() {
    return visits;
  }

  /** The stored visit with this key, if any. */
  public Optional<GeneratedVisit> visit(long taskId, int visitId) {
    return storedEntry(taskId, visitId).map(VisitLedger.Stored::visit);
  }

  /** The file and line the stored visit with this key was read from, if any. */
  public Optional<SourceRef> storedFrom(long taskId, int visitId) {
    return storedEntry(taskId, visitId).map(s -> new SourceRef(s.file(), s.line()));
  }

  private Optional<VisitLedger.Stored> storedEntry(long taskId, int visitId) {
    if (visitId < 0 || visitId > Params.MAX_VISITS_PER_TASK) {
      return Optional.empty();
    }
    return Optional.ofNullable(stored.get(VisitLedger.key(taskId, visitId)));
  }

  public Manifest manifest() {
    return manifest;
  }

  /** The hard cases and what each question's answer must say about them; empty without. */
  public List<HardCase> hardCases() {
    return manifest.hardCases();
  }

  /** An oracle for the analysts' questions over this data set's stored state. */
  public ExpectedAnswers expectedAnswers() {
    return new ExpectedAnswers(network, visits);
  }

  /** The visit files' paths relative to the target directory, in ingestion (name) order. */
  public List<String> visitFilePaths() {
    return visitFiles.stream().map(VisitFilePlan.PlannedFile::path).toList();
  }

  /** Every path {@link #writeTo} writes, relative to the target directory. */
  public List<String> filePaths() {
    List<String> paths = new ArrayList<>();
    paths.add(AdjacencyFile.PATH);
    paths.addAll(visitFilePaths());
    paths.add(MANIFEST);
    return paths;
  }

  /**
   * Writes the files under {@code dir}, replacing files of the same names. Refuses a
   * directory whose {@code network/} or {@code visits/} holds other files, since a pipeline
   * would ingest them too and the manifest would not hold.
   */
  public void writeTo(Path dir) throws IOException {
    Path networkDir = dir.resolve("network");
    Path visitsDir = dir.resolve("visits");
    Set<Path> ours = new HashSet<>();
    for (String path : filePaths()) {
      ours.add(dir.resolve(path).normalize());
    }
    for (Path sub : List.of(networkDir, visitsDir)) {
      if (Files.isDirectory(sub)) {
        try (Stream<Path> existing = Files.list(sub)) {
          Optional<Path> stranger =
              existing.map(Path::normalize).filter(p -> !ours.contains(p)).sorted().findFirst();
          if (stranger.isPresent()) {
            throw new IOException(stranger.get() + " is not part of this data set; a pipeline "
                + "would ingest it too. Write to an empty directory or remove "
                + networkDir + " and " + visitsDir + " first");
          }
        }
      }
    }
    Files.createDirectories(networkDir);
    Files.createDirectories(visitsDir);
    Files.write(dir.resolve(AdjacencyFile.PATH), adjacencyFile.render());
    for (VisitFilePlan.PlannedFile file : visitFiles) {
      file.writeTo(dir.resolve(file.path()));
    }
    Files.write(dir.resolve(MANIFEST), manifest.toJson().getBytes(StandardCharsets.UTF_8));
  }
}
