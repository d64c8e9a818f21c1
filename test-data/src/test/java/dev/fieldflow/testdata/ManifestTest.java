package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {

  private static final Params QUIRKY = Params.defaults().withSeed(11).withVisits(3000)
      .withLinesPerFile(400).withQuirks(true).withBadLines(33)
      .withHardCases(HardCases.analystDefaults());

  @TempDir Path dir;

  @Test
  void visitFileCountsAgreeWithACountByHand() throws IOException {
    Dataset dataset = Dataset.generate(QUIRKY);
    dataset.writeTo(dir);
    Manifest manifest = dataset.manifest();
    Set<String> rejected = new HashSet<>();
    for (Manifest.ExpectedReject r : manifest.rejectedLines()) {
      rejected.add(r.file() + ":" + r.line());
    }

    Map<String, VisitFieldScan> stored = new HashMap<>();
    long totalNew = 0;
    long totalUpdates = 0;
    long totalUnchanged = 0;
    for (Manifest.VisitFileCounts counts : manifest.visitFiles()) {
      List<String> lines = RawText.lines(dir.resolve(counts.file()));
      long blank = 0;
      long fresh = 0;
      long updates = 0;
      long unchanged = 0;
      long rejects = 0;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.isEmpty()) {
          blank++;
        } else if (rejected.contains(counts.file() + ":" + (i + 1))) {
          rejects++;
        } else {
          VisitFieldScan visit = VisitFieldScan.of(line);
          VisitFieldScan before = stored.put(visit.key(), visit);
          if (before == null) {
            fresh++;
          } else if (before.equals(visit)) {
            unchanged++;
          } else {
            updates++;
          }
        }
      }
      String file = counts.file();
      assertThat(file, counts.lines(), is((long) lines.size()));
      assertThat(file, counts.blankLines(), is(blank));
      assertThat(file, counts.dataLines(), is(lines.size() - blank));
      assertThat(file, counts.rejected(), is(rejects));
      assertThat(file, counts.newVisits(), is(fresh));
      assertThat(file, counts.updates(), is(updates));
      assertThat(file, counts.unchanged(), is(unchanged));
      totalNew += fresh;
      totalUpdates += updates;
      totalUnchanged += unchanged;
    }
    assertThat(manifest.visits().newVisits(), is(totalNew));
    assertThat(manifest.visits().updates(), is(totalUpdates));
    assertThat(manifest.visits().unchanged(), is(totalUnchanged));
    assertThat(totalUpdates, greaterThan(0L));
    assertThat(totalUnchanged, greaterThan(0L));
    assertThat(manifest.visits().storedVisits(), is((long) stored.size()));
    assertThat(dataset.visits().size(), is(stored.size()));
    for (GeneratedVisit visit : dataset.visits()) {
      VisitFieldScan read = stored.get(visit.taskId() + "/" + visit.visitId());
      assertThat(visit.toString(), read.sameAs(visit), is(true));
    }
  }

  @Test
  void rejectsCoverEveryVisitCodeAndAddUp() {
    Manifest manifest = Dataset.generate(QUIRKY).manifest();

    Map<RejectCode, Long> listed = new EnumMap<>(RejectCode.class);
    for (Manifest.ExpectedReject r : manifest.rejectedLines()) {
      listed.merge(r.reason(), 1L, Long::sum);
    }
    assertThat(manifest.visits().rejected(), is(33L));
    for (RejectCode code : BadVisitLines.CODES) {
      assertThat(code.code(), manifest.visits().rejects().get(code), greaterThan(0L));
      assertThat(code.code(), listed.get(code), is(manifest.visits().rejects().get(code)));
    }
    assertThat(manifest.visits().rejects().get(RejectCode.BAD_NODE), is(0L));
    assertThat(manifest.visits().dataLines(), is(manifest.visits().newVisits()
        + manifest.visits().updates() + manifest.visits().unchanged()
        + manifest.visits().rejected()));
  }

  @Test
  void everyReSendLandsInALaterFileThanTheLineItRepeats() {
    Dataset dataset = Dataset.generate(QUIRKY);

    for (Manifest.VisitFileCounts counts : dataset.manifest().visitFiles()) {
      if (counts.file().equals(dataset.visitFilePaths().get(0))) {
        assertThat(counts.updates() + counts.unchanged(), is(0L));
      }
    }
    Manifest.QuirkCounts quirks = dataset.manifest().quirks();
    assertThat(quirks.identicalResends(), greaterThan(0L));
    assertThat(quirks.rerenderedResends(), greaterThan(0L));
    assertThat(quirks.changedResends(), greaterThan(0L));
  }

  @Test
  void storedFromPointsAtTheLineHoldingTheFinalContent() throws IOException {
    Dataset dataset = Dataset.generate(QUIRKY);
    dataset.writeTo(dir);

    Map<String, List<String>> files = new HashMap<>();
    for (GeneratedVisit visit : dataset.visits()) {
      SourceRef source = dataset.storedFrom(visit.taskId(), visit.visitId()).orElseThrow();
      List<String> lines = files.get(source.file());
      if (lines == null) {
        lines = RawText.lines(dir.resolve(source.file()));
        files.put(source.file(), lines);
      }
      String line = lines.get((int) source.line() - 1);
      assertThat(source.toString(), VisitFieldScan.of(line).sameAs(visit), is(true));
    }
  }

  @Test
  void withoutQuirksEveryFileIsPlainAndNothingIsSentTwice() throws IOException {
    Dataset dataset = Dataset.generate(Params.defaults().withSeed(3).withVisits(2500)
        .withLinesPerFile(1000));
    dataset.writeTo(dir);
    Manifest manifest = dataset.manifest();

    assertThat(manifest.visits().files(), is(3));
    assertThat(manifest.visits().newVisits(), is(2500L));
    assertThat(manifest.visits().updates() + manifest.visits().unchanged(), is(0L));
    assertThat(manifest.visits().blankLines(), is(0L));
    Manifest.QuirkCounts q = manifest.quirks();
    assertThat(List.of(q.bareIntegers(), q.dateTimes(), q.noteArrays(), q.extraFields(),
        q.compactLines(), q.reorderedKeys(), q.bomFiles(), q.crlfFiles(), q.gzipFiles(),
        q.filesWithoutFinalNewline()), everyItem(is(0L)));
    assertThat("most lines use the source's key with the colon",
        q.dateKeyWithoutColon(), greaterThan(0L));
    for (String path : dataset.visitFilePaths()) {
      String text = Files.readString(dir.resolve(path), StandardCharsets.UTF_8);
      assertThat(path, text.contains("\r"), is(false));
      assertThat(path, text.endsWith("}\n"), is(true));
      assertThat(path, text, startsWith("{\"task_id\": \"TASK"));
    }
  }

  @Test
  void firstVisitLineLooksLikeTheContractsExample() throws IOException {
    Dataset dataset = Dataset.generate(Params.defaults().withVisits(10));
    dataset.writeTo(dir);

    String line = RawText.lines(dir.resolve("visits/visits-00001.jsonl")).get(0);
    assertThat(line.matches("\\{\"task_id\": \"TASK\\d+\", \"node_id\": \"NODE\\d+\", "
        + "\"visit_id\": \\d+, \"visit_date:?\": \"\\d{4}-\\d\\d-\\d\\d\", "
        + "\"original_reported_date\": \"\\d{4}-\\d\\d-\\d\\d\", \"node_age\": \\d+, "
        + "\"node_type\": \"TYPE\\d\", \"task_type\": \"TASK\\d+\", "
        + "\"engineer_skill_level\": \"LEVEL[1-5]\", \"engineer_note\": \"[\\d ]*\", "
        + "\"outcome\": \"(SUCCESS|FAIL)\"}"), is(true));
  }

  @Test
  void randomVisitsHaveTheShapeOfTheOrigin() {
    List<GeneratedVisit> visits = Dataset.generate(Params.defaults().withSeed(8)).visits();

    long inRange = visits.stream().filter(v -> v.visitDate().getYear() >= 2019
        && v.visitDate().getYear() <= 2021).count();
    assertThat((double) inRange / visits.size(), greaterThan(0.9));
    Map<Long, List<GeneratedVisit>> byTask = new HashMap<>();
    for (GeneratedVisit v : visits) {
      byTask.computeIfAbsent(v.taskId(), t -> new ArrayList<>()).add(v);
    }
    long lastSucceeded = 0;
    long earlierSucceeded = 0;
    long earlier = 0;
    Map<Integer, Set<Integer>> typesByNode = new HashMap<>();
    for (List<GeneratedVisit> task : byTask.values()) {
      for (int i = 0; i < task.size(); i++) {
        GeneratedVisit v = task.get(i);
        assertThat(v.visitId(), is(i + 1));
        typesByNode.computeIfAbsent(v.nodeId(), n -> new HashSet<>()).add(v.nodeType());
        if (i == task.size() - 1) {
          lastSucceeded += v.succeeded() ? 1 : 0;
        } else {
          earlier++;
          earlierSucceeded += v.succeeded() ? 1 : 0;
        }
      }
    }
    assertThat((double) lastSucceeded / byTask.size(),
        greaterThan(2.0 * earlierSucceeded / earlier));
    assertThat(typesByNode.values(), everyItem(org.hamcrest.Matchers.hasSize(1)));
    assertThat(visits.stream().filter(v -> v.noteTokens().length == 0).count(), greaterThan(0L));
  }

  @Test
  void manifestJsonOnDiskIsTheManifest() throws IOException {
    Dataset dataset = Dataset.generate(QUIRKY);
    dataset.writeTo(dir);

    String json = Files.readString(dir.resolve("manifest.json"));
    assertThat(json, equalTo(dataset.manifest().toJson()));
    assertThat(json, containsString("\"stored_visits\": " + dataset.visits().size() + ","));
    assertThat(json, containsString("\"edges\": " + dataset.network().edges().size() + ","));
    assertThat(json, containsString("\"bad_date\": "));
  }
}
