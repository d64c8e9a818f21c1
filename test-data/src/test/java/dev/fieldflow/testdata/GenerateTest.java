package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Generate.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void writesTheDataSetAndPrintsOneSummaryLine() {
    int status = run("--out", dir.toString(), "--seed", "4", "--visits", "120",
        "--lines-per-file", "50", "--quirks", "--bad-lines", "10", "--hard-cases");

    assertThat(err(), status, is(0));
    assertThat(out().lines().count(), is(1L));
    assertThat(out(), startsWith("wrote "));
    assertThat(out(), containsString("13598 edges"));
    assertThat(Files.isRegularFile(dir.resolve("manifest.json")), is(true));
    assertThat(Files.isRegularFile(dir.resolve("visits/visits-00001.jsonl")), is(true));
  }

  @Test
  void optionsBecomeParams() {
    Generate.Command command = Generate.parse(List.of("--edges", "100", "--nodes", "30",
        "--out", "x", "--seed", "-5", "--visits", "7", "--max-visits-per-task", "3",
        "--lines-per-file", "2", "--bad-lines", "4", "--bad-network-lines", "1", "--quirks"));

    assertThat(command.out(), is(Path.of("x")));
    assertThat(command.params(), is(Params.defaults().withSeed(-5).withNodes(30).withEdges(100)
        .withVisits(7).withMaxVisitsPerTask(3).withLinesPerFile(2).withBadLines(4)
        .withBadNetworkLines(1).withQuirks(true)));
  }

  /** manage.sh's own options are written --name=value; the generator's took --name value only. */
  @Test
  void anOptionAndItsValueMayBeOneArgument() {
    assertThat(Generate.parse(List.of("--out=x", "--seed=7", "--nodes", "30", "--quirks")),
        is(Generate.parse(List.of("--out", "x", "--seed", "7", "--nodes", "30", "--quirks"))));
    assertThat(message("--out=x", "--quirks=yes"), containsString("unknown option 'yes'"));
  }

  @Test
  void nodesAloneKeepTheOriginsDensity() {
    Params params = Generate.parse(List.of("--out", "x", "--nodes", "998")).params();

    assertThat(params.edges(), is(Params.originDensityEdges(998)));
    assertThat(Generate.parse(List.of("--out", "x")).params().edges(), is(13_589));
  }

  @Test
  void badArgumentsExitWith2AndSayWhy() {
    assertThat(run("--out", dir.toString(), "--visits", "many"), is(2));
    assertThat(err(), containsString("--visits: expected a non-negative integer, got 'many'"));
    assertThat(err(), containsString("usage: Generate"));
  }

  @Test
  void eachKindOfBadArgumentIsNamed() {
    assertThat(message("--visits", "10"), containsString("--out DIR is required"));
    assertThat(message("--out", "x", "--colour", "red"),
        containsString("unknown option '--colour'"));
    assertThat(message("--out", "x", "--seed"), containsString("--seed needs a value"));
    assertThat(message("--out", "x", "--nodes", "-3"), containsString("--nodes: expected"));
    assertThat(message("--out", "x", "--nodes", "1"), containsString("nodes must be >= 2"));
    assertThat(message("--out", "x", "--lines-per-file", "0"),
        containsString("lines per file must be >= 1"));
    assertThat(message("--out", "x", "--nodes", "10", "--edges", "46"),
        containsString("edges must be in 0..45"));
    assertThat(message("--out", "x", "--nodes", "80", "--hard-cases"),
        containsString("NODE94"));
  }

  private static String message(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> Generate.parse(List.of(args)))
        .getMessage();
  }

  @Test
  void refusesADirectoryHoldingOtherVisitFiles() throws IOException {
    Files.createDirectories(dir.resolve("visits"));
    Files.writeString(dir.resolve("visits/visits-09999.jsonl"), "{}\n");

    assertThat(run("--out", dir.toString(), "--visits", "10"), is(1));
    assertThat(err(), containsString("visits-09999.jsonl is not part of this data set"));
  }

  @Test
  void helpPrintsUsageAndExitsWith0() {
    assertThat(run("--help"), is(0));
    assertThat(out(), containsString("--lines-per-file N"));
  }
}
