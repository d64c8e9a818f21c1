package dev.fieldflow.testdata;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Command line: writes a generated data set to a directory and prints one summary line.
 *
 * <pre>
 * java -cp test-data/target/classes dev.fieldflow.testdata.Generate --out DIR [options]
 * </pre>
 */
public final class Generate {

  static final String USAGE = String.join("\n",
      "usage: Generate --out DIR [options]",
      "  --out DIR                  directory to write network/, visits/ and manifest.json to",
      "  --seed N                   seed of every random choice (default 1)",
      "  --nodes N                  network nodes (default 499)",
      "  --edges N                  undirected edges (default: the origin's density,"
          + " 13589 for 499 nodes)",
      "  --visits N                 visits of the random tasks (default 15000)",
      "  --max-visits-per-task N    1..N visits per random task (default 5)",
      "  --lines-per-file N         data lines per visit file (default 1000)",
      "  --quirks                   mix in the contract's accepted quirks",
      "  --bad-lines N              visit lines to reject, cycling through the reject codes",
      "  --bad-network-lines N      network lines to reject (bad_node)",
      "  --hard-cases               add the analysts' boundary cases (default parameters)",
      "  --help                     print this and exit");

  /** What the command line asks for. */
  public record Command(Path out, Params params) {
    public Command {
      Objects.requireNonNull(out, "out");
      Objects.requireNonNull(params, "params");
    }
  }

  private Generate() {}

  public static void main(String[] args) {
    System.exit(run(List.of(args), System.out, System.err));
  }

  /** Runs the command; returns the exit status: 0 done, 2 bad arguments, 1 write failed. */
  static int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.println(USAGE);
      return 0;
    }
    Command command;
    try {
      command = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("generate: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    Dataset dataset = Dataset.generate(command.params());
    try {
      dataset.writeTo(command.out());
    } catch (IOException e) {
      err.println("generate: cannot write to " + command.out() + ": " + e.getMessage());
      return 1;
    }
    out.println(summary(dataset, command.out()));
    return 0;
  }

  /**
   * Parses the arguments, {@code --seed 7} or {@code --seed=7} alike (manage.sh's own options
   * take the second form); throws {@link IllegalArgumentException} saying what is wrong.
   */
  public static Command parse(List<String> given) {
    List<String> args = new ArrayList<>();
    for (String arg : given) {
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 2) {
        args.add(arg.substring(0, equals));
        args.add(arg.substring(equals + 1));
      } else {
        args.add(arg);
      }
    }
    Path out = null;
    Long seed = null;
    Integer nodes = null;
    Integer edges = null;
    Integer visits = null;
    Integer maxVisitsPerTask = null;
    Integer linesPerFile = null;
    Integer badLines = null;
    Integer badNetworkLines = null;
    boolean quirks = false;
    boolean hardCases = false;
    for (int i = 0; i < args.size(); i++) {
      String option = args.get(i);
      switch (option) {
        case "--quirks" -> quirks = true;
        case "--hard-cases" -> hardCases = true;
        case "--out" -> out = Path.of(valueOf(args, i++));
        case "--seed" -> seed = longValue(option, valueOf(args, i++));
        case "--nodes" -> nodes = count(option, valueOf(args, i++));
        case "--edges" -> edges = count(option, valueOf(args, i++));
        case "--visits" -> visits = count(option, valueOf(args, i++));
        case "--max-visits-per-task" -> maxVisitsPerTask = count(option, valueOf(args, i++));
        case "--lines-per-file" -> linesPerFile = count(option, valueOf(args, i++));
        case "--bad-lines" -> badLines = count(option, valueOf(args, i++));
        case "--bad-network-lines" -> badNetworkLines = count(option, valueOf(args, i++));
        default -> throw new IllegalArgumentException("unknown option '" + option + "'");
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("--out DIR is required");
    }
    Params params = Params.defaults();
    if (seed != null) {
      params = params.withSeed(seed);
    }
    if (nodes != null) {
      params = params.withNodes(nodes);
    }
    if (edges != null) {
      params = params.withEdges(edges);
    }
    if (visits != null) {
      params = params.withVisits(visits);
    }
    if (maxVisitsPerTask != null) {
      params = params.withMaxVisitsPerTask(maxVisitsPerTask);
    }
    if (linesPerFile != null) {
      params = params.withLinesPerFile(linesPerFile);
    }
    if (badLines != null) {
      params = params.withBadLines(badLines);
    }
    if (badNetworkLines != null) {
      params = params.withBadNetworkLines(badNetworkLines);
    }
    params = params.withQuirks(quirks);
    if (hardCases) {
      params = params.withHardCases(HardCases.analystDefaults());
    }
    return new Command(out, params);
  }

  static String summary(Dataset dataset, Path out) {
    Manifest m = dataset.manifest();
    return "wrote " + dataset.filePaths().size() + " files to " + out + ": network "
        + m.network().nodes() + " nodes, " + m.network().edges() + " edges; "
        + m.visits().files() + " visit files, " + m.visits().dataLines() + " data lines, "
        + m.visits().storedVisits() + " visits stored, " + m.rejectedLines().size()
        + " lines to reject; " + m.hardCases().size() + " hard cases";
  }

  private static String valueOf(List<String> args, int at) {
    if (at + 1 >= args.size() || args.get(at + 1).startsWith("--")) {
      throw new IllegalArgumentException(args.get(at) + " needs a value");
    }
    return args.get(at + 1);
  }

  private static long longValue(String option, String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": expected an integer, got '" + text + "'");
    }
  }

  private static int count(String option, String text) {
    try {
      int value = Integer.parseInt(text);
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          option + ": expected a non-negative integer, got '" + text + "'");
    }
  }
}
