package dev.fieldflow.testdata;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What the pipelines must report after ingesting a generated data set: the network's and each
 * visit file's counts, every line they must reject, and the hard cases. The generator computes
 * it from its own plan, not by parsing the files it writes. Files are ingested in name order;
 * for visits, a line whose {@code (task_id, visit_id)} was stored before is {@code unchanged}
 * when its parsed content equals the stored one (even if written differently) and an
 * {@code update} otherwise.
 *
 * @param nodesTotal distinct nodes in the network and in the stored visits together
 * @param rejectedLines every line that must be rejected, network first, then visits in
 *     ingestion order
 */
public record Manifest(
    Params params,
    int nodesTotal,
    NetworkCounts network,
    VisitTotals visits,
    List<VisitFileCounts> visitFiles,
    QuirkCounts quirks,
    List<ExpectedReject> rejectedLines,
    List<HardCase> hardCases) {

  public Manifest {
    visitFiles = List.copyOf(visitFiles);
    rejectedLines = List.copyOf(rejectedLines);
    hardCases = List.copyOf(hardCases);
  }

  /**
   * The network file's counts, in the ledger's terms.
   *
   * @param lines physical lines
   * @param dataLines lines that are neither blank nor comment-only (the ledger's lines_read)
   * @param singleTokenLines accepted lines naming only their node
   * @param neighbourTokens neighbours written on accepted lines (the ledger's records_read):
   *     {@code edges + selfLoops + repeatedEdges}
   * @param selfLoops neighbour tokens equal to their line's node, dropped with a count
   * @param repeatedEdges neighbour tokens repeating an edge written before, dropped with a count
   */
  public record NetworkCounts(
      String file,
      boolean bom,
      boolean crlf,
      int nodes,
      long edges,
      long lines,
      long dataLines,
      long commentLines,
      long blankLines,
      long singleTokenLines,
      long neighbourTokens,
      long selfLoops,
      long repeatedEdges,
      long rejected,
      Map<RejectCode, Long> rejects) {
    public NetworkCounts {
      rejects = Collections.unmodifiableMap(new EnumMap<>(rejects));
    }
  }

  /**
   * One visit file's counts: {@code dataLines = newVisits + updates + unchanged + rejected}.
   *
   * @param lines physical lines, blank ones included
   * @param finalNewline whether the last line ends with a line terminator
   */
  public record VisitFileCounts(
      String file,
      boolean gzip,
      boolean bom,
      boolean crlf,
      boolean finalNewline,
      long lines,
      long dataLines,
      long blankLines,
      long newVisits,
      long updates,
      long unchanged,
      long rejected,
      Map<RejectCode, Long> rejects) {
    public VisitFileCounts {
      rejects = Collections.unmodifiableMap(new EnumMap<>(rejects));
    }
  }

  /**
   * All visit files together.
   *
   * @param storedVisits distinct {@code (task_id, visit_id)} stored at the end
   * @param tasks distinct tasks stored
   * @param nodes distinct nodes of the stored visits
   */
  public record VisitTotals(
      int files,
      long lines,
      long dataLines,
      long blankLines,
      long newVisits,
      long updates,
      long unchanged,
      long rejected,
      Map<RejectCode, Long> rejects,
      long storedVisits,
      long tasks,
      int nodes) {
    public VisitTotals {
      rejects = Collections.unmodifiableMap(new EnumMap<>(rejects));
    }
  }

  /**
   * How many visit lines (re-sends included) and files show each accepted quirk.
   *
   * @param identicalResends lines repeating an earlier line byte for byte
   * @param rerenderedResends lines repeating an earlier visit's content, written differently
   * @param changedResends lines with an earlier visit's key and changed content
   * @param hardCaseResends the hard cases' re-sends (changed or identical) in the final file
   */
  public record QuirkCounts(
      long dateKeyWithoutColon,
      long bareIntegers,
      long dateTimes,
      long noteArrays,
      long extraFields,
      long compactLines,
      long reorderedKeys,
      long emptyNotes,
      long notesWithRepeatedTokens,
      long identicalResends,
      long rerenderedResends,
      long changedResends,
      long hardCaseResends,
      long bomFiles,
      long crlfFiles,
      long gzipFiles,
      long filesWithoutFinalNewline) {}

  /**
   * A line that must be rejected.
   *
   * @param pipeline {@code network} or {@code visit}, as in the ledger
   * @param file the path relative to the data set's directory
   * @param line 1-based physical line number (a byte-order mark does not add a line)
   */
  public record ExpectedReject(String pipeline, String file, long line, RejectCode reason) {}

  /** Rejects per code for every code, zeros included, in the codes' order. */
  static Map<RejectCode, Long> allCodes(Map<RejectCode, Long> counts) {
    Map<RejectCode, Long> all = new EnumMap<>(RejectCode.class);
    for (RejectCode code : RejectCode.values()) {
      all.put(code, counts.getOrDefault(code, 0L));
    }
    return all;
  }

  /** This manifest as pretty-printed JSON, keys in a fixed order, ending with a newline. */
  public String toJson() {
    Json json = new Json();
    json.open('{');
    json.key("generator").value("fieldflow-test-data");
    json.key("ingestion_order").value("files by name; lines in file order; last ingested wins");
    json.key("params").open('{');
    json.key("seed").value(params.seed());
    json.key("nodes").value(params.nodes());
    json.key("edges").value(params.edges());
    json.key("visits").value(params.visits());
    json.key("max_visits_per_task").value(params.maxVisitsPerTask());
    json.key("lines_per_file").value(params.linesPerFile());
    json.key("quirks").value(params.quirks());
    json.key("bad_lines").value(params.badLines());
    json.key("bad_network_lines").value(params.badNetworkLines());
    json.key("hard_cases");
    if (params.hardCases().isPresent()) {
      HardCases h = params.hardCases().get();
      json.open('{');
      json.key("min_skill_exclusive").value(h.minSkillExclusive());
      json.key("q1_from").value(h.q1From().toString());
      json.key("q1_to").value(h.q1To().toString());
      json.key("min_failed_before").value(h.minFailedBefore());
      json.key("min_shared_tokens").value(h.minSharedTokens());
      json.key("center_node").value(h.centerNode());
      json.key("max_hops").value(h.maxHops());
      json.key("min_failed_visits").value(h.minFailedVisits());
      json.key("year").value(h.year());
      json.key("q5_from").value(h.q5From().toString());
      json.key("q5_to").value(h.q5To().toString());
      json.key("token").value(h.token());
      json.key("decoy_token").value(h.decoyToken());
      json.close('}');
    } else {
      json.nullValue();
    }
    json.close('}');
    json.key("nodes_total").value(nodesTotal);

    json.key("network").open('{');
    json.key("file").value(network.file());
    json.key("bom").value(network.bom());
    json.key("crlf").value(network.crlf());
    json.key("nodes").value(network.nodes());
    json.key("edges").value(network.edges());
    json.key("lines").value(network.lines());
    json.key("data_lines").value(network.dataLines());
    json.key("comment_lines").value(network.commentLines());
    json.key("blank_lines").value(network.blankLines());
    json.key("single_token_lines").value(network.singleTokenLines());
    json.key("neighbour_tokens").value(network.neighbourTokens());
    json.key("self_loops").value(network.selfLoops());
    json.key("repeated_edges").value(network.repeatedEdges());
    json.key("rejected").value(network.rejected());
    json.key("rejects");
    rejects(json, network.rejects());
    json.close('}');

    json.key("visits").open('{');
    json.key("files").value(visits.files());
    json.key("lines").value(visits.lines());
    json.key("data_lines").value(visits.dataLines());
    json.key("blank_lines").value(visits.blankLines());
    json.key("new_visits").value(visits.newVisits());
    json.key("updates").value(visits.updates());
    json.key("unchanged").value(visits.unchanged());
    json.key("rejected").value(visits.rejected());
    json.key("rejects");
    rejects(json, visits.rejects());
    json.key("stored_visits").value(visits.storedVisits());
    json.key("tasks").value(visits.tasks());
    json.key("nodes").value(visits.nodes());
    json.close('}');

    json.key("visit_files").open('[');
    for (VisitFileCounts f : visitFiles) {
      json.open('{');
      json.key("file").value(f.file());
      json.key("gzip").value(f.gzip());
      json.key("bom").value(f.bom());
      json.key("crlf").value(f.crlf());
      json.key("final_newline").value(f.finalNewline());
      json.key("lines").value(f.lines());
      json.key("data_lines").value(f.dataLines());
      json.key("blank_lines").value(f.blankLines());
      json.key("new_visits").value(f.newVisits());
      json.key("updates").value(f.updates());
      json.key("unchanged").value(f.unchanged());
      json.key("rejected").value(f.rejected());
      json.key("rejects");
      rejects(json, f.rejects());
      json.close('}');
    }
    json.close(']');

    json.key("quirks").open('{');
    json.key("date_key_without_colon").value(quirks.dateKeyWithoutColon());
    json.key("bare_integers").value(quirks.bareIntegers());
    json.key("date_times").value(quirks.dateTimes());
    json.key("note_arrays").value(quirks.noteArrays());
    json.key("extra_fields").value(quirks.extraFields());
    json.key("compact_lines").value(quirks.compactLines());
    json.key("reordered_keys").value(quirks.reorderedKeys());
    json.key("empty_notes").value(quirks.emptyNotes());
    json.key("notes_with_repeated_tokens").value(quirks.notesWithRepeatedTokens());
    json.key("identical_resends").value(quirks.identicalResends());
    json.key("rerendered_resends").value(quirks.rerenderedResends());
    json.key("changed_resends").value(quirks.changedResends());
    json.key("hard_case_resends").value(quirks.hardCaseResends());
    json.key("bom_files").value(quirks.bomFiles());
    json.key("crlf_files").value(quirks.crlfFiles());
    json.key("gzip_files").value(quirks.gzipFiles());
    json.key("files_without_final_newline").value(quirks.filesWithoutFinalNewline());
    json.close('}');

    json.key("rejected_lines").open('[');
    for (ExpectedReject r : rejectedLines) {
      json.inline('{');
      json.key("pipeline").value(r.pipeline());
      json.key("file").value(r.file());
      json.key("line").value(r.line());
      json.key("reason").value(r.reason().code());
      json.closeInline('}');
    }
    json.close(']');

    json.key("hard_cases").open('[');
    for (HardCase c : hardCases) {
      json.inline('{');
      json.key("name").value(c.name());
      json.key("question").value(c.question());
      json.key("id").value(c.id());
      json.key("visit_id").value(c.visitId());
      json.key("in_answer").value(c.inAnswer());
      json.key("value");
      OptionalLong value = c.value();
      if (value.isPresent()) {
        json.value(value.getAsLong());
      } else {
        json.nullValue();
      }
      json.key("description").value(c.description());
      json.closeInline('}');
    }
    json.close(']');
    json.close('}');
    return json.text() + "\n";
  }

  private static void rejects(Json json, Map<RejectCode, Long> rejects) {
    json.inline('{');
    for (Map.Entry<RejectCode, Long> e : rejects.entrySet()) {
      json.key(e.getKey().code()).value(e.getValue());
    }
    json.closeInline('}');
  }

  /**
   * A small JSON writer: objects and arrays opened on their own lines ({@link #open}) or kept
   * on one line ({@link #inline}); it tracks commas and indentation, and escapes strings.
   */
  private static final class Json {
    private final StringBuilder out = new StringBuilder(4096);
    private final ArrayDeque<boolean[]> levels = new ArrayDeque<>();
    private boolean afterKey;

    Json open(char bracket) {
      beforeValue();
      out.append(bracket);
      levels.push(new boolean[] {false, false});
      return this;
    }

    Json inline(char bracket) {
      beforeValue();
      out.append(bracket);
      levels.push(new boolean[] {false, true});
      return this;
    }

    void close(char bracket) {
      boolean[] level = levels.pop();
      if (level[0]) {
        newline();
      }
      out.append(bracket);
    }

    void closeInline(char bracket) {
      levels.pop();
      out.append(bracket);
    }

    Json key(String key) {
      beforeValue();
      string(key);
      out.append(": ");
      afterKey = true;
      return this;
    }

    void value(String text) {
      beforeValue();
      string(text);
    }

    void value(long number) {
      beforeValue();
      out.append(number);
    }

    void value(boolean flag) {
      beforeValue();
      out.append(flag);
    }

    void nullValue() {
      beforeValue();
      out.append("null");
    }

    String text() {
      return out.toString();
    }

    /** Writes the comma and line break that the next key or array element needs. */
    private void beforeValue() {
      if (afterKey) {
        afterKey = false;
        return;
      }
      boolean[] level = levels.peek();
      if (level == null) {
        return;
      }
      if (level[0]) {
        out.append(',');
      }
      if (level[1]) {
        if (level[0]) {
          out.append(' ');
        }
      } else {
        newline();
      }
      level[0] = true;
    }

    private void newline() {
      out.append('\n');
      int depth = 0;
      for (boolean[] level : levels) {
        if (!level[1]) {
          depth++;
        }
      }
      out.append("  ".repeat(depth));
    }

    private void string(String text) {
      out.append('"');
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (c < 0x20) {
              out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              out.append(c);
            }
          }
        }
      }
      out.append('"');
    }
  }
}
