package dev.fieldflow.pipelines;

import dev.fieldflow.io.files.ReadLimits;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A jar command's options from its command line, refused before anything starts when a value
 * cannot be read or cannot work, with the option's name and the value given.
 *
 * <p>Beam's parser says which type it expected but not for which option ({@code Cannot
 * deserialize value of type `int` from String "abc"}), and wraps the message that names the
 * option ({@code Unknown 'runner' specified 'Nope'}) around a cause whose message does not
 * ({@code Nope}); the runners take a parallelism of 0 and fail later, after the run has started
 * (the DirectRunner with an {@code IllegalArgumentException} and no message at all).
 */
public final class CommandLine {
  private CommandLine() {}

  /**
   * {@code PipelineOptionsFactory.fromArgs(args).withValidation().as(type)}, plus the checks of
   * {@link #checkArguments}; a refusal is an {@link IllegalArgumentException} whose message (no
   * cause) is the line to show.
   */
  public static <T extends PipelineOptions> T parse(String[] args, Class<T> type) {
    return parse(args, type, System.out);
  }

  /**
   * As {@link #parse(String[], Class)}; a bare {@code --help} prints the command's own options
   * to {@code out} (Beam's bare {@code --help} lists every registered options interface, not
   * their options) and throws {@link HelpShown}.
   */
  static <T extends PipelineOptions> T parse(String[] args, Class<T> type, PrintStream out) {
    if (Arrays.asList(args).contains("--help")) {
      PipelineOptionsFactory.printHelp(out, type);
      out.println("Runner options (--runner=DirectRunner or FlinkRunner, with their own): --help="
          + "org.apache.beam.runners.direct.DirectOptions or"
          + " org.apache.beam.runners.flink.FlinkPipelineOptions.");
      throw new HelpShown();
    }
    T options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(explain(args, type, e));
    }
    checkArguments(args);
    if (options instanceof FieldflowOptions shared) {
      checkShared(shared);
    }
    return options;
  }

  /** The command's options were printed ({@code --help}): the command ends there, successfully. */
  public static final class HelpShown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HelpShown() {
      super("--help: options printed", null, false, false);
    }
  }

  /** Refuses {@code --option} below {@code least}, with its name and value. */
  public static void atLeast(String option, long value, long least) {
    if (value < least) {
      throw new IllegalArgumentException("--" + option + " must be >= " + least + ", but was " + value);
    }
  }

  /**
   * The options every command shares: the connect time-out (0: one try) and the batching of the
   * network load's writes. A visit run ignores the batching, but a value no write could use is
   * refused there too, rather than waiting for the day it is copied into a network run.
   */
  static void checkShared(FieldflowOptions options) {
    atLeast("dbConnectTimeoutSeconds", options.getDbConnectTimeoutSeconds(), 0);
    atLeast("batchSize", options.getBatchSize(), 1);
    atLeast("batchMaxBufferingMillis", options.getBatchMaxBufferingMillis(), 1);
    atLeast("writeShards", options.getWriteShards(), 1);
  }

  /**
   * The runners' parallelism, read from the arguments (the runners' option interfaces are not
   * on every jar's class path): the DirectRunner's {@code --targetParallelism} must be at least
   * 1; Flink's {@code --parallelism} at least 1, or -1 for the cluster's default.
   */
  static void checkArguments(String[] args) {
    value(args, "targetParallelism").ifPresent(v -> atLeast("targetParallelism", Long.parseLong(v), 1));
    value(args, "parallelism").map(Long::parseLong).ifPresent(v -> {
      if (v < 1 && v != -1) {
        throw new IllegalArgumentException("--parallelism must be >= 1 (or -1: the Flink cluster's"
            + " default), but was " + v);
      }
    });
  }

  /** The last value given to {@code --name=} (Beam has refused a repeated one by then). */
  private static Optional<String> value(String[] args, String name) {
    String prefix = "--" + name + "=";
    String value = null;
    for (String arg : args) {
      if (arg.startsWith(prefix)) {
        value = arg.substring(prefix.length()).strip();
      }
    }
    return Optional.ofNullable(value);
  }

  /**
   * What to say about a command line Beam refused: the one argument that is refused on its own,
   * named with the kind of value it needs (or as unknown, in words an operator reads), or Beam's
   * own message when it names the option already or no single argument is at fault (a missing
   * required option).
   */
  private static String explain(String[] args, Class<? extends PipelineOptions> type,
      IllegalArgumentException refused) {
    Optional<String> repeated = repeated(args, type);
    if (repeated.isPresent()) {
      return repeated.get();
    }
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        continue;
      }
      try {
        PipelineOptionsFactory.fromArgs(arg).as(type);
      } catch (IllegalArgumentException e) {
        int equals = arg.indexOf('=');
        String name = arg.substring(2, equals < 0 ? arg.length() : equals);
        String message = firstLine(e.getMessage());
        int unknown = message.indexOf("missing a property named '" + name + "'.");
        if (unknown >= 0) {
          String suggestion = message.substring(unknown + ("missing a property named '" + name
              + "'.").length()).strip();
          return "unknown option --" + name + (suggestion.isEmpty() ? "" : " (" + suggestion + ")")
              + "; --help lists this command's options";
        }
        if (equals < 0 || message.contains(name)) {
          return message;
        }
        String value = arg.substring(equals + 1);
        return "--" + name + " must be " + kind(name, type).orElse("a valid value (" + message + ")")
            + ", but was '" + value + "'";
      }
    }
    return firstLine(refused.getMessage());
  }

  /**
   * An option of one value given more than once, which Beam refuses in Guava's words ({@code
   * expected one element but was: <a, b>}, no option named): manage.sh's own options become Beam
   * options, so {@code visit --input=A -- --visitsInput=B} is one. An option of a list type may
   * repeat.
   */
  private static Optional<String> repeated(String[] args, Class<? extends PipelineOptions> type) {
    Map<String, List<String>> given = new LinkedHashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--") && arg.length() > 2) {
        int equals = arg.indexOf('=');
        String name = arg.substring(2, equals < 0 ? arg.length() : equals);
        given.computeIfAbsent(name, n -> new ArrayList<>())
            .add(equals < 0 ? "(no value)" : "'" + arg.substring(equals + 1) + "'");
      }
    }
    return given.entrySet().stream()
        .filter(option -> option.getValue().size() > 1)
        .filter(option -> getter(option.getKey(), type)
            .map(getter -> !getter.getReturnType().isArray()
                && !Collection.class.isAssignableFrom(getter.getReturnType()))
            .orElse(false))
        .findFirst()
        .map(option -> "--" + option.getKey() + " is given " + option.getValue().size()
            + " times (" + String.join(", ", option.getValue()) + "); it takes one value: give it"
            + " once (manage.sh's own options, such as --input, set one too)");
  }

  /**
   * The kind of value {@code --name} takes, from its getter in the registered option interfaces;
   * for an option whose own range is narrower than its type's, that range, so that a value too
   * large for the type is not answered with a limit the next check refuses too.
   */
  private static Optional<String> kind(String name, Class<? extends PipelineOptions> type) {
    if (name.equals("maxLineBytes")) {
      return Optional.of("an integer in 1.." + ReadLimits.MAX_LINE_BYTES_ALLOWED);
    }
    return getter(name, type).map(getter -> describe(getter.getReturnType()));
  }

  /** The getter of {@code --name} in the registered option interfaces or {@code type}. */
  private static Optional<Method> getter(String name, Class<? extends PipelineOptions> type) {
    List<Class<?>> interfaces = new ArrayList<>(PipelineOptionsFactory.getRegisteredOptions());
    interfaces.add(type);
    String property = Character.toUpperCase(name.charAt(0)) + name.substring(1);
    for (Class<?> options : interfaces) {
      for (Method getter : options.getMethods()) {
        if (getter.getParameterCount() == 0
            && (getter.getName().equals("get" + property) || getter.getName().equals("is" + property))) {
          return Optional.of(getter);
        }
      }
    }
    return Optional.empty();
  }

  private static String describe(Class<?> type) {
    if (type == int.class || type == Integer.class) {
      return "an integer (at most " + Integer.MAX_VALUE + ")";
    }
    if (type == long.class || type == Long.class) {
      return "an integer";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf)
          .collect(Collectors.joining(", "));
    }
    return null;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.strip().lines().findFirst().orElse("");
  }
}
