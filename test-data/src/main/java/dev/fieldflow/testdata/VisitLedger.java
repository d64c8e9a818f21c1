package dev.fieldflow.testdata;

import dev.fieldflow.testdata.VisitFilePlan.BadLine;
import dev.fieldflow.testdata.VisitFilePlan.Blank;
import dev.fieldflow.testdata.VisitFilePlan.Line;
import dev.fieldflow.testdata.VisitFilePlan.PlannedFile;
import dev.fieldflow.testdata.VisitFilePlan.VisitLine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ingests the planned visit files the way the contract says the pipeline must (files in name
 * order, lines in order, last ingested wins, identical content changes nothing) and keeps what
 * the ledger and the visits table must end up holding.
 */
final class VisitLedger {

  /** A stored visit and the line it was stored from. */
  record Stored(GeneratedVisit visit, String file, long line) {}

  private final Map<Long, Stored> stored = new HashMap<>();
  private final List<Manifest.VisitFileCounts> files = new ArrayList<>();
  private final List<Manifest.ExpectedReject> rejects = new ArrayList<>();
  private final Map<RejectCode, Long> rejectTotals = new EnumMap<>(RejectCode.class);
  private long lines;
  private long dataLines;
  private long blankLines;
  private long newVisits;
  private long updates;
  private long unchanged;

  // Quirk counts.
  private long dateKeyWithoutColon;
  private long bareIntegers;
  private long dateTimes;
  private long noteArrays;
  private long extraFields;
  private long compactLines;
  private long reorderedKeys;
  private long emptyNotes;
  private long notesWithRepeatedTokens;
  private long identicalResends;
  private long rerenderedResends;
  private long changedResends;
  private long hardCaseResends;
  private long bomFiles;
  private long crlfFiles;
  private long gzipFiles;
  private long filesWithoutFinalNewline;

  /** The key of a visit: {@code visitId} is at most {@link Params#MAX_VISITS_PER_TASK}. */
  static long key(long taskId, int visitId) {
    return taskId * 1024 + visitId;
  }

  void ingest(PlannedFile file) {
    long fileData = 0;
    long fileBlank = 0;
    long fileNew = 0;
    long fileUpdates = 0;
    long fileUnchanged = 0;
    Map<RejectCode, Long> fileRejects = new EnumMap<>(RejectCode.class);
    List<Line> fileLines = file.lines();
    for (int i = 0; i < fileLines.size(); i++) {
      Line line = fileLines.get(i);
      long lineNumber = i + 1;
      if (line instanceof Blank) {
        fileBlank++;
        continue;
      }
      fileData++;
      if (line instanceof BadLine bad) {
        fileRejects.merge(bad.code(), 1L, Long::sum);
        rejects.add(new Manifest.ExpectedReject("visit", file.path(), lineNumber, bad.code()));
        continue;
      }
      VisitLine visitLine = (VisitLine) line;
      countQuirks(visitLine);
      GeneratedVisit visit = visitLine.visit();
      long key = key(visit.taskId(), visit.visitId());
      Stored before = stored.get(key);
      if (before == null) {
        fileNew++;
        stored.put(key, new Stored(visit, file.path(), lineNumber));
      } else if (before.visit().equals(visit)) {
        fileUnchanged++;
      } else {
        fileUpdates++;
        stored.put(key, new Stored(visit, file.path(), lineNumber));
      }
    }
    long fileRejected = fileRejects.values().stream().mapToLong(Long::longValue).sum();
    files.add(new Manifest.VisitFileCounts(file.path(), file.gzip(), file.bom(), file.crlf(),
        file.finalNewline(), fileLines.size(), fileData, fileBlank, fileNew, fileUpdates,
        fileUnchanged, fileRejected, Manifest.allCodes(fileRejects)));
    fileRejects.forEach((code, count) -> rejectTotals.merge(code, count, Long::sum));
    lines += fileLines.size();
    dataLines += fileData;
    blankLines += fileBlank;
    newVisits += fileNew;
    updates += fileUpdates;
    unchanged += fileUnchanged;
    bomFiles += file.bom() ? 1 : 0;
    crlfFiles += file.crlf() ? 1 : 0;
    gzipFiles += file.gzip() ? 1 : 0;
    filesWithoutFinalNewline += file.finalNewline() ? 0 : 1;
  }

  private void countQuirks(VisitLine line) {
    VisitLineStyle style = line.style();
    dateKeyWithoutColon += style.colonDateKey() ? 0 : 1;
    bareIntegers += style.bareIntegers() != 0 ? 1 : 0;
    dateTimes += style.visitDateTime() >= 0 || style.reportedDateTime() >= 0 ? 1 : 0;
    noteArrays += style.noteArray() ? 1 : 0;
    extraFields += style.extraField() >= 0 ? 1 : 0;
    compactLines += style.compact() ? 1 : 0;
    reorderedKeys += style.reversed() ? 1 : 0;
    int[] note = line.visit().tokensView();
    emptyNotes += note.length == 0 ? 1 : 0;
    notesWithRepeatedTokens += hasRepeats(note) ? 1 : 0;
    switch (line.kind()) {
      case IDENTICAL_RESEND -> identicalResends++;
      case RERENDERED_RESEND -> rerenderedResends++;
      case CHANGED_RESEND -> changedResends++;
      case HARD_CASE_RESEND -> hardCaseResends++;
      default -> { }
    }
  }

  private static boolean hasRepeats(int[] note) {
    if (note.length < 2) {
      return false;
    }
    int[] sorted = note.clone();
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        return true;
      }
    }
    return false;
  }

  Map<Long, Stored> stored() {
    return stored;
  }

  List<Manifest.VisitFileCounts> files() {
    return files;
  }

  List<Manifest.ExpectedReject> rejects() {
    return rejects;
  }

  Manifest.VisitTotals totals() {
    Set<Long> tasks = new HashSet<>();
    Set<Integer> nodes = new HashSet<>();
    for (Stored s : stored.values()) {
      tasks.add(s.visit().taskId());
      nodes.add(s.visit().nodeId());
    }
    long rejected = rejectTotals.values().stream().mapToLong(Long::longValue).sum();
    return new Manifest.VisitTotals(files.size(), lines, dataLines, blankLines, newVisits,
        updates, unchanged, rejected, Manifest.allCodes(rejectTotals), stored.size(),
        tasks.size(), nodes.size());
  }

  Manifest.QuirkCounts quirks() {
    return new Manifest.QuirkCounts(dateKeyWithoutColon, bareIntegers, dateTimes, noteArrays,
        extraFields, compactLines, reorderedKeys, emptyNotes, notesWithRepeatedTokens,
        identicalResends, rerenderedResends, changedResends, hardCaseResends, bomFiles,
        crlfFiles, gzipFiles, filesWithoutFinalNewline);
  }
}
