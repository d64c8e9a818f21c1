package dev.fieldflow.pipelines;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runnable jar's entry point: {@code java -jar fieldflow-bundled.jar COMMAND [options]}.
 * manage.sh calls it; so can an operator. Errors end in one line saying what went wrong and
 * what to do, and a non-zero exit.
 */
public final class Main {
  /** A command of the jar. */
  interface Command {
    void run(String[] args) throws Exception;
  }

  private static final Map<String, Command> COMMANDS = new TreeMap<>();

  static {
    COMMANDS.put("network", NetworkPipeline::main);
    COMMANDS.put("visit", VisitPipeline::main);
    COMMANDS.put("status", dev.fieldflow.pipelines.status.Status::main);
    COMMANDS.put("generate", dev.fieldflow.testdata.Generate::main);
    COMMANDS.put("db", dev.fieldflow.io.db.LocalDatabase::main);
    COMMANDS.put("query", dev.fieldflow.io.analytics.QueryCommand::main);
  }

  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0 || !COMMANDS.containsKey(args[0])) {
      System.err.println((args.length == 0 ? "no command given" : "unknown command '" + args[0] + "'")
          + "; commands: " + String.join(", ", COMMANDS.keySet()));
      System.exit(2);
    }
    try {
      COMMANDS.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length));
    } catch (Exception e) {
      System.err.println("fieldflow " + args[0] + ": " + UserMessages.of(e));
      System.exit(1);
    }
  }
}
