package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.testdata.GeneratedNetwork.Edge;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The hand-written bad-input corpus and its expected.tsv files agree with each other. */
class BadInputCorpusTest {

  private static final Path DIR = Path.of("bad-input");

  /** line number to expected code ("ok" or a reject code), in file order. */
  private static Map<Integer, String> expected(String name) throws IOException {
    List<String> rows = Files.readAllLines(DIR.resolve(name));
    assertThat(rows.get(0), is("line_number\treason_code"));
    Map<Integer, String> expected = new LinkedHashMap<>();
    for (String row : rows.subList(1, rows.size())) {
      String[] cells = row.split("\t");
      assertThat(row, cells.length, is(2));
      if (!cells[1].equals("ok")) {
        RejectCode.of(cells[1]);
      }
      assertThat("line listed twice: " + row,
          expected.put(Integer.parseInt(cells[0]), cells[1]), is((String) null));
    }
    return expected;
  }

  /** Line numbers of the lines that carry data: not blank, not comment-only. */
  private static Set<Integer> dataLines(List<String> lines) {
    Set<Integer> data = new TreeSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.isEmpty() && !line.startsWith("#")) {
        data.add(i + 1);
      }
    }
    return data;
  }

  @Test
  void everyVisitDataLineIsListedAndEveryVisitRejectCodeIsCovered() throws IOException {
    Map<Integer, String> expected = expected("visits-bad.expected.tsv");
    List<String> lines = RawText.lines(DIR.resolve("visits-bad.jsonl"));

    assertThat(expected.keySet(), equalTo(dataLines(lines)));
    for (RejectCode code : BadVisitLines.CODES) {
      assertThat(code.code(), expected.values(), hasItem(code.code()));
    }
    assertThat(expected.values(), hasItem("ok"));
  }

  @Test
  void acceptedVisitLinesHoldEveryField() throws IOException {
    Map<Integer, String> expected = expected("visits-bad.expected.tsv");
    List<String> lines = RawText.lines(DIR.resolve("visits-bad.jsonl"));

    Set<String> keys = new HashSet<>();
    for (Map.Entry<Integer, String> e : expected.entrySet()) {
      String line = lines.get(e.getKey() - 1);
      if (e.getValue().equals("ok") && !line.contains("\\u")) {
        keys.add(VisitFieldScan.of(line).key());
      }
    }
    assertThat("distinct accepted visits apart from the escaped one", keys.size(), is(10));
  }

  @Test
  void everyNetworkDataLineIsListedAndTheAcceptedOnesMeanTheDocumentedGraph()
      throws IOException {
    Map<Integer, String> expected = expected("network-bad.expected.tsv");
    List<String> lines = RawText.lines(DIR.resolve("network-bad.adjlist"));

    assertThat(expected.keySet(), equalTo(dataLines(lines)));
    assertThat(expected.values(), hasItem("bad_node"));
    Set<Edge> edges = new TreeSet<>();
    Set<Integer> nodes = new TreeSet<>();
    int selfLoops = 0;
    int repeated = 0;
    for (Map.Entry<Integer, String> e : expected.entrySet()) {
      if (!e.getValue().equals("ok")) {
        continue;
      }
      String[] tokens = lines.get(e.getKey() - 1).replaceAll("#.*", "").trim().split(" ");
      List<Integer> ids = new ArrayList<>();
      for (String token : tokens) {
        ids.add(Integer.parseInt(token.replace("NODE", "")));
      }
      nodes.addAll(ids);
      for (int neighbour : ids.subList(1, ids.size())) {
        if (neighbour == ids.get(0)) {
          selfLoops++;
        } else if (!edges.add(Edge.of(ids.get(0), neighbour))) {
          repeated++;
        }
      }
    }
    assertThat(edges.size(), is(9));
    assertThat("NODE12 and NODE13 appear only on rejected lines", nodes.size(), is(14));
    assertThat(selfLoops, is(1));
    assertThat(repeated, is(1));
  }

  @Test
  void onlyTheBadEncodingLineIsNotUtf8() throws IOException {
    Map<Integer, String> expected = expected("visits-bad-encoding.expected.tsv");
    byte[] bytes = Files.readAllBytes(DIR.resolve("visits-bad-encoding.jsonl"));

    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lines.add(Arrays.copyOfRange(bytes, start, i));
        start = i + 1;
      }
    }
    assertThat(lines.size(), is(expected.size()));
    for (int i = 0; i < lines.size(); i++) {
      boolean utf8 = isUtf8(lines.get(i));
      assertThat("line " + (i + 1), utf8, is(!expected.get(i + 1).equals("bad_encoding")));
    }
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** The whole-file outcomes the readers give, besides a line-level reject code. */
  private static final Set<String> FILE_CODES = Set.of("decompression_limit",
      "compression_ratio", "not_gzip", "corrupt_gzip", "corrupt_compressed",
      "unsupported_compression", "not_text", "json_array", "pretty_json", "csv", "not_a_file");

  @Test
  void everyWholeFileCaseIsListedOnceWithAnOutcomeOfItsKind() throws IOException {
    List<String> rows = Files.readAllLines(DIR.resolve("files.expected.tsv"));
    assertThat(rows.get(0), is("file\toutcome\tdetail"));
    Set<String> listed = new TreeSet<>();
    for (String row : rows.subList(1, rows.size())) {
      String[] cells = row.split("\t");
      assertThat(row, cells.length, is(3));
      assertThat("listed twice: " + row, listed.add(cells[0]), is(true));
      switch (cells[1]) {
        case "ignored" -> assertThat(row, cells[2], is("-"));
        case "failed" -> assertThat(row, FILE_CODES.contains(cells[2]), is(true));
        case "read" -> {
          for (String line : cells[2].split(",")) {
            String code = line.substring(line.indexOf(':') + 1);
            Integer.parseInt(line.substring(0, line.indexOf(':')));
            if (!code.equals("ok")) {
              RejectCode.of(code);
            }
          }
        }
        default -> throw new AssertionError("unknown outcome in " + row);
      }
    }
    Set<String> present = new TreeSet<>();
    try (var files = Files.list(DIR.resolve("files"))) {
      files.forEach(f -> present.add(f.getFileName().toString()));
    }
    assertThat(listed, equalTo(present));
  }
}
