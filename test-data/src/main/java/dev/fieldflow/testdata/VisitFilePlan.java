package dev.fieldflow.testdata;

import dev.fieldflow.testdata.HardCaseBuilder.PlannedVisit;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Lays the visits out in files, line by line, with the re-sends, bad lines and file quirks
 * that real exports have. The manifest is read off this plan, not off the rendered bytes.
 *
 * <p>Order of lines: the hard cases first, then the random visits by date, bad lines among
 * them. With quirks, some visits are sent again in a later file: identically, identically but
 * written differently, or changed (which a later identical copy may follow). A re-send always
 * lands in a later file than the line it repeats, because it is scheduled at least one file's
 * worth of lines later; the re-sends still pending at the end, and the hard cases' re-sends, go
 * to one final file.
 */
final class VisitFilePlan {

  // One plan per instance: the re-send queue and counters below belong to it.

  enum Kind {
    ORIGINAL, HARD_CASE, IDENTICAL_RESEND, RERENDERED_RESEND, CHANGED_RESEND, HARD_CASE_RESEND
  }

  sealed interface Line permits Blank, VisitLine, BadLine {}

  record Blank() implements Line {}

  record VisitLine(GeneratedVisit visit, VisitLineStyle style, Kind kind) implements Line {
    String text() {
      return VisitJson.line(visit, style);
    }
  }

  record BadLine(String text, RejectCode code) implements Line {}

  /** One visit file: its relative path, its quirks and its lines (blank lines included). */
  record PlannedFile(
      String path, boolean bom, boolean crlf, boolean gzip, boolean finalNewline,
      List<Line> lines) {

    /**
     * Writes the file's bytes to {@code file} (gzip-compressed for a {@code .gz} file), line by
     * line: a file of any number of lines is never held whole (a 400,000-line file built in a
     * StringBuilder ran manage.sh's generate out of heap).
     */
    void writeTo(Path file) throws IOException {
      try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
          OutputStream out = gzip ? new GZIPOutputStream(raw, 64 * 1024) : raw;
          Writer text = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
        String eol = crlf ? "\r\n" : "\n";
        if (bom) {
          text.write('\uFEFF');
        }
        for (int i = 0; i < lines.size(); i++) {
          Line line = lines.get(i);
          if (line instanceof VisitLine v) {
            text.write(v.text());
          } else if (line instanceof BadLine b) {
            text.write(b.text());
          }
          if (i < lines.size() - 1 || finalNewline) {
            text.write(eol);
          }
        }
      }
    }
  }

  private static final double IDENTICAL_RATE = 0.010;
  private static final double RERENDERED_RATE = 0.005;
  private static final double CHANGED_RATE = 0.015;
  private static final double CHAINED_RATE = 0.25;

  /** A re-send waiting for its turn in the stream. */
  private record Pending(long target, long order, VisitLine line) {}

  private final Params params;
  private final Random random;
  private final PriorityQueue<Pending> pending = new PriorityQueue<>(
      Comparator.comparingLong(Pending::target).thenComparingLong(Pending::order));
  private long scheduled;
  private long originalsSeen;

  VisitFilePlan(Params params, Random random) {
    this.params = params;
    this.random = random;
  }

  List<PlannedFile> plan(List<GeneratedVisit> randomVisits, List<PlannedVisit> hardFirst,
      List<PlannedVisit> hardResends) {
    List<Line> primary = primaryLines(randomVisits, hardFirst);
    List<List<Line>> chunks = new ArrayList<>();
    List<Line> leftover = stream(primary, chunks);
    for (PlannedVisit resend : hardResends) {
      leftover.add(new VisitLine(resend.visit(), resend.style(), Kind.HARD_CASE_RESEND));
    }
    if (!leftover.isEmpty()) {
      chunks.add(leftover);
    }
    List<PlannedFile> files = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      files.add(file(i + 1, chunks.get(i)));
    }
    return files;
  }

  private List<Line> primaryLines(List<GeneratedVisit> randomVisits,
      List<PlannedVisit> hardFirst) {
    GeneratedVisit[] byDate = randomVisits.toArray(new GeneratedVisit[0]);
    Arrays.sort(byDate, Comparator.comparing(GeneratedVisit::visitDate)
        .thenComparingLong(GeneratedVisit::taskId).thenComparingInt(GeneratedVisit::visitId));
    int[] badAt = new int[params.badLines()];
    for (int i = 0; i < badAt.length; i++) {
      badAt[i] = random.nextInt(byDate.length + 1);
    }
    Arrays.sort(badAt);

    List<Line> lines = new ArrayList<>(hardFirst.size() + byDate.length + badAt.length);
    for (PlannedVisit hard : hardFirst) {
      lines.add(new VisitLine(hard.visit(), hard.style(), Kind.HARD_CASE));
    }
    int bad = 0;
    for (int i = 0; i <= byDate.length; i++) {
      while (bad < badAt.length && badAt[bad] == i) {
        lines.add(badLine(bad++, byDate, hardFirst));
      }
      if (i < byDate.length) {
        VisitLineStyle style = VisitLineStyle.seeded(random.nextLong(), params.quirks());
        lines.add(new VisitLine(byDate[i], style, Kind.ORIGINAL));
      }
    }
    return lines;
  }

  private BadLine badLine(int index, GeneratedVisit[] visits, List<PlannedVisit> hard) {
    GeneratedVisit template;
    if (visits.length > 0) {
      template = visits[random.nextInt(visits.length)];
    } else if (!hard.isEmpty()) {
      template = hard.get(0).visit();
    } else {
      template = new GeneratedVisit(VisitGenerator.FIRST_TASK_ID, 1, 1,
          LocalDate.of(2020, 6, 1), LocalDate.of(2020, 5, 28), 12, 1, 1, 3,
          new int[] {196, 195, 150}, GeneratedVisit.FAIL);
    }
    BadVisitLines.BadLine line = BadVisitLines.make(index, template);
    return new BadLine(line.text(), line.code());
  }

  /**
   * Cuts {@code primary} into chunks of {@code linesPerFile} lines, weaving re-sends in;
   * returns the re-sends still pending at the end.
   */
  private List<Line> stream(List<Line> primary, List<List<Line>> chunks) {
    int perFile = params.linesPerFile();
    List<Line> chunk = new ArrayList<>(perFile);
    long position = 0;
    int next = 0;
    while (next < primary.size()) {
      Line line;
      if (!pending.isEmpty() && pending.peek().target() <= position) {
        line = pending.poll().line();
      } else {
        line = primary.get(next++);
      }
      if (params.quirks() && line instanceof VisitLine v) {
        scheduleResend(v, position);
      }
      chunk.add(line);
      position++;
      if (chunk.size() == perFile) {
        chunks.add(chunk);
        chunk = new ArrayList<>(perFile);
      }
    }
    if (!chunk.isEmpty()) {
      chunks.add(chunk);
    }
    List<Line> leftover = new ArrayList<>();
    while (!pending.isEmpty()) {
      leftover.add(pending.poll().line());
    }
    return leftover;
  }

  private void scheduleResend(VisitLine line, long position) {
    int perFile = params.linesPerFile();
    VisitLine resend = null;
    if (line.kind() == Kind.ORIGINAL) {
      // The first three random visits are re-sent one of each way, so even a small data set
      // has every kind of re-send; after them, chance decides.
      double roll = switch ((int) Math.min(originalsSeen++, 3)) {
        case 0 -> 0.0;
        case 1 -> IDENTICAL_RATE;
        case 2 -> IDENTICAL_RATE + RERENDERED_RATE;
        default -> random.nextDouble();
      };
      if (roll < IDENTICAL_RATE) {
        resend = new VisitLine(line.visit(), line.style(), Kind.IDENTICAL_RESEND);
      } else if (roll < IDENTICAL_RATE + RERENDERED_RATE) {
        resend = new VisitLine(line.visit(), VisitLineStyle.seeded(random.nextLong(), true),
            Kind.RERENDERED_RESEND);
      } else if (roll < IDENTICAL_RATE + RERENDERED_RATE + CHANGED_RATE) {
        resend = new VisitLine(changed(line.visit()),
            VisitLineStyle.seeded(random.nextLong(), true), Kind.CHANGED_RESEND);
      }
    } else if (line.kind() == Kind.CHANGED_RESEND && random.nextDouble() < CHAINED_RATE) {
      resend = new VisitLine(line.visit(), line.style(), Kind.IDENTICAL_RESEND);
    }
    if (resend != null) {
      long target = position + perFile + random.nextInt(perFile);
      pending.add(new Pending(target, scheduled++, resend));
    }
  }

  /** The same visit with one visit-level field changed; task and node attributes stay. */
  private GeneratedVisit changed(GeneratedVisit v) {
    int[] note = v.noteTokens();
    int skill = v.skillLevel();
    int age = v.nodeAge();
    String outcome = v.outcome();
    LocalDate date = v.visitDate();
    switch (random.nextInt(5)) {
      case 0 -> {
        if (note.length == 0) {
          note = new int[] {random.nextInt(VisitGenerator.MAX_TOKEN + 1)};
        } else {
          int at = random.nextInt(note.length);
          note[at] = (note[at] + 1 + random.nextInt(VisitGenerator.MAX_TOKEN))
              % (VisitGenerator.MAX_TOKEN + 1);
        }
      }
      case 1 -> skill = skill == VisitGenerator.SKILL_LEVELS ? skill - 1 : skill + 1;
      case 2 -> age = age + 1;
      case 3 -> outcome = v.succeeded() ? GeneratedVisit.FAIL : GeneratedVisit.SUCCESS;
      default -> date = date.plusDays(1);
    }
    return new GeneratedVisit(v.taskId(), v.visitId(), v.nodeId(), date,
        v.originalReportedDate(), age, v.nodeType(), v.taskType(), skill, note, outcome);
  }

  /**
   * File {@code number}'s quirks, so that the first three files show them all: 1 a byte-order
   * mark, 2 CRLF line ends and no newline after the last line, 3 gzip, 4 none; and, with
   * quirks, a blank line among the lines and, in every third file, one at the end.
   */
  private PlannedFile file(int number, List<Line> lines) {
    boolean quirks = params.quirks();
    boolean bom = quirks && number % 4 == 1;
    boolean crlf = quirks && number % 4 == 2;
    boolean gzip = quirks && number % 4 == 3;
    boolean finalNewline = !(quirks && number % 4 == 2);
    List<Line> withBlanks = new ArrayList<>(lines);
    if (quirks && withBlanks.size() >= 2) {
      withBlanks.add(1 + random.nextInt(withBlanks.size() - 1), new Blank());
    }
    if (quirks && finalNewline && number % 3 == 0) {
      withBlanks.add(new Blank());
    }
    String path = String.format(Locale.ROOT, "visits/visits-%05d.jsonl%s", number,
        gzip ? ".gz" : "");
    return new PlannedFile(path, bom, crlf, gzip, finalNewline, withBlanks);
  }
}
