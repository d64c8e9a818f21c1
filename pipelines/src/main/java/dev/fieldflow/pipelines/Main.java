package dev.fieldflow.pipelines;

import dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
  /** The commands that run a Beam pipeline and take Beam options. */
  private static final Set<String> PIPELINES = Set.of("network", "visit", "startup-training");
  /** The repair commands: they read the visit input through Beam's file systems too. */
  private static final Set<String> REPAIRS = Set.of("audit", "replay", "requeue");

  static {
    COMMANDS.put("network", NetworkPipeline::main);
    COMMANDS.put("visit", VisitPipeline::main);
    COMMANDS.put("visit-stopped", VisitPipeline::recordStopped);
    COMMANDS.put("status", dev.fieldflow.pipelines.status.Status::main);
    COMMANDS.put("prune", dev.fieldflow.pipelines.retention.Prune::main);
    COMMANDS.put("audit", dev.fieldflow.pipelines.repair.Audit::main);
    COMMANDS.put("replay", dev.fieldflow.pipelines.repair.Replay::main);
    COMMANDS.put("requeue", dev.fieldflow.pipelines.repair.Requeue::main);
    COMMANDS.put("generate", dev.fieldflow.testdata.Generate::main);
    COMMANDS.put("db", dev.fieldflow.io.db.LocalDatabase::main);
    COMMANDS.put("query", dev.fieldflow.analytics.QueryCommand::main);
    COMMANDS.put("ui", dev.fieldflow.analytics.console.Console::main);
    COMMANDS.put("watchdog", dev.fieldflow.analytics.AnalystWatchdog::main);
    COMMANDS.put("upload", dev.fieldflow.pipelines.localaws.UploadWithNotifications::main);
    COMMANDS.put("startup-training", StartupTraining::main);
  }

  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0 || !COMMANDS.containsKey(args[0])) {
      System.err.println((args.length == 0 ? "no command given" : "unknown command '" + args[0] + "'")
          + "; commands: " + String.join(", ", COMMANDS.keySet()));
      System.exit(2);
    }
    try {
      String[] commandArgs = Arrays.copyOfRange(args, 1, args.length);
      if (PIPELINES.contains(args[0])) {
        commandArgs = withEmbeddedFlinkClasspath(commandArgs, Main.class.getClassLoader());
        commandArgs = withRegionForLocalInput(commandArgs, System.getenv());
        commandArgs = withPathStyleS3(commandArgs);
      } else if (REPAIRS.contains(args[0])) {
        commandArgs = withRegionForLocalInput(commandArgs, System.getenv());
        commandArgs = withPathStyleS3(commandArgs);
      }
      COMMANDS.get(args[0]).run(commandArgs);
    } catch (CommandLine.HelpShown help) {
      System.exit(0);
    } catch (Exception e) {
      System.err.println("fieldflow " + args[0] + ": " + UserMessages.of(e));
      System.exit(1);
    }
  }

  /**
   * The pipeline's Beam options, plus {@code --awsRegion=us-east-1} when nothing in them or in
   * the environment names S3 or a region. Beam creates its S3 file system for every pipeline and
   * resolves a region at once; with none configured, the AWS SDK probes the EC2 metadata service,
   * which off EC2 costs seconds of time-outs at every start (measured: 11.9 s instead of 18.9 s
   * for a 200,000-visit --once run). A pipeline that reads no {@code s3://} path never uses the
   * region, so any value does; an input on S3 keeps the SDK's own chain (AWS_REGION, profile,
   * instance metadata).
   */
  static String[] withRegionForLocalInput(String[] args, Map<String, String> env) {
    boolean s3 = Arrays.stream(args).anyMatch(a -> a.contains("s3://"))
        || env.values().stream().anyMatch(v -> v != null && v.startsWith("s3://"));
    boolean regionGiven = option(args, "awsRegion") != null
        || env.containsKey("AWS_REGION") || env.containsKey("AWS_DEFAULT_REGION")
        || env.containsKey("AWS_PROFILE") || System.getProperty("aws.region") != null;
    if (s3 || regionGiven) {
      return args;
    }
    String[] withRegion = Arrays.copyOf(args, args.length + 1);
    withRegion[args.length] = "--awsRegion=us-east-1";
    return withRegion;
  }

  /**
   * The Beam options, plus {@code --s3ClientFactoryClass=}{@link PathStyleS3ClientBuilderFactory}
   * when they ask for {@code --s3PathStyle}: the flag is the short way to say that, expanded
   * here, on the command line, so that the options themselves are never changed after parsing
   * and a worker that deserializes them builds the same S3 client. A different factory given
   * with it is refused.
   */
  static String[] withPathStyleS3(String[] args) {
    boolean pathStyle = Arrays.asList(args).contains("--s3PathStyle")
        || "true".equalsIgnoreCase(option(args, "s3PathStyle"));
    if (!pathStyle) {
      return args;
    }
    String factory = option(args, "s3ClientFactoryClass");
    String pathStyleFactory = PathStyleS3ClientBuilderFactory.class.getName();
    if (factory != null) {
      if (!factory.equals(pathStyleFactory)) {
        throw new IllegalArgumentException("--s3PathStyle asks for " + pathStyleFactory
            + ", but --s3ClientFactoryClass=" + factory + " was given too: drop one of them");
      }
      return args;
    }
    String[] withFactory = Arrays.copyOf(args, args.length + 1);
    withFactory[args.length] = "--s3ClientFactoryClass=" + pathStyleFactory;
    return withFactory;
  }

  /**
   * The pipeline's Beam options, plus {@code --flinkConfDir} when an embedded Flink (FlinkRunner
   * with {@code --flinkMaster=[local]} or {@code [auto]}, the default) would run from {@code
   * loader} and that is not the JVM's system class loader, as under {@code mvn exec:java}: it
   * runs this class in a class loader of its own inside Maven's JVM. Flink's JobMaster (1.18
   * on, FLINK-32265) loads a job that names no jars and no classpaths with the JVM's system
   * class loader, and Beam names none for an embedded Flink; in Maven's JVM that loader holds
   * only Maven's launcher, so the job fails with {@code ClassNotFoundException:
   * org.apache.flink.api.common.ExecutionConfig}. The added configuration names this code's
   * location as the job's classpath, resolved parent-first: Flink then builds the job's class
   * loader on top of {@code loader}, and every class still comes from {@code loader}, as under
   * {@code java -jar}. Unchanged: any other runner or master, a run from the system class loader,
   * and a run given {@code --flinkConfDir} or {@code FLINK_CONF_DIR} (that configuration then
   * needs {@code pipeline.classpaths} itself).
   */
  static String[] withEmbeddedFlinkClasspath(String[] args, ClassLoader loader)
      throws IOException {
    String master = option(args, "flinkMaster");
    CodeSource code = Main.class.getProtectionDomain().getCodeSource();
    if (loader == ClassLoader.getSystemClassLoader()
        || !onFlink(args)
        || (master != null && !master.equals("[local]") && !master.equals("[auto]"))
        || option(args, "flinkConfDir") != null
        || System.getenv("FLINK_CONF_DIR") != null
        || code == null) {
      return args;
    }
    URL classpath = code.getLocation();
    Path confDir = Files.createTempDirectory("fieldflow-flink-conf-");
    Path conf = confDir.resolve("config.yaml");
    Files.writeString(
        conf,
        "# Written by fieldflow's Main for an embedded Flink outside the system class loader.\n"
            + "pipeline.classpaths: ['" + classpath.toString().replace("'", "''") + "']\n"
            + "classloader.resolve-order: parent-first\n",
        StandardCharsets.UTF_8);
    // Deleted in reverse order of registration: the file, then the directory.
    confDir.toFile().deleteOnExit();
    conf.toFile().deleteOnExit();
    String[] withConf = Arrays.copyOf(args, args.length + 1);
    withConf[args.length] = "--flinkConfDir=" + confDir;
    return withConf;
  }

  /** Whether {@code args} name a Flink runner ({@code --runner=FlinkRunner} or any spelling of it). */
  static boolean onFlink(String[] args) {
    String runner = option(args, "runner");
    return runner != null && runner.toLowerCase(Locale.ROOT).contains("flink");
  }

  /** The value of {@code --name=value} in {@code args}, or null. */
  static String option(String[] args, String name) {
    String prefix = "--" + name + "=";
    String value = null;
    for (String arg : args) {
      if (arg.startsWith(prefix)) {
        value = arg.substring(prefix.length());
      }
    }
    return value;
  }
}
