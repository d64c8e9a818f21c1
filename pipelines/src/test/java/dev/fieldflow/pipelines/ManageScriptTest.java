package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * manage.sh's contract with operators: clear one-line errors and non-zero exits; kill deletes
 * only what fieldflow created; stop signals only fieldflow's processes.
 */
class ManageScriptTest {
  private static final Path SCRIPT = Path.of("..", "manage.sh").toAbsolutePath().normalize();

  @TempDir Path home;

  record Outcome(int exit, String stdout, String stderr) {}

  private Outcome run(String... args) throws IOException, InterruptedException {
    return runWith(Map.of("FIELDFLOW_HOME", home.toString()), args);
  }

  /** manage.sh with these environment variables set (FIELDFLOW_HOME among them). */
  private Outcome runWith(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("FIELDFLOW_NETWORK");
    pb.environment().putAll(env);
    Path out = home.resolve("out.txt");
    Path err = home.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("manage.sh " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /**
   * What manage.sh's {@code job_jar_staging} adds to a submission with {@code beamArgs}, run on
   * its own (with {@code cluster_master}, which it uses, and the real cluster.sh it asks) for a
   * checkout at {@code root}.
   */
  private String jobJarStaging(Path root, String... beamArgs) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", "-c",
        "eval \"$(sed -n '/^cluster_master() {/,/^}/p;/^job_jar_staging() {/,/^}/p' \"$0\")\";"
            + " ROOT=$1; FLINK_JAR=$1/pipelines/target/fieldflow-flink-bundled.jar;"
            + " FLINK_CLUSTER=$(dirname \"$0\")/runner-profiles/flink-cluster/cluster.sh; shift;"
            + " job_jar_staging \"$@\"", SCRIPT.toString(), root.toString()));
    command.addAll(List.of(beamArgs));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("FIELDFLOW_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out, p.waitFor(), equalTo(0));
    return out;
  }

  @Test
  void aJobForThisHomesClusterStagesOnlyTheThinJarWhenTheClusterRunsThisVeryJar() throws Exception {
    Path target = Files.createDirectories(home.resolve("checkout/pipelines/target"));
    Files.writeString(target.resolve("fieldflow-flink-bundled.jar"), "job jar, build 2");
    Path thin = Files.writeString(target.resolve("fieldflow-pipelines-0.1.0-SNAPSHOT.jar"), "classes");
    Path onCluster = Files.createDirectories(home.resolve("flink/lib")).resolve("fieldflow-flink-bundled.jar");
    Files.writeString(onCluster, "job jar, build 2");
    Path run = Files.createDirectories(home.resolve("flink/run"));
    Files.writeString(run.resolve("cluster.env"), "PORT=18081\nRPC_PORT=16123\nBIND=127.0.0.1\n");
    Path root = home.resolve("checkout");
    // A stand-in JobManager: cluster.sh knows its own by the --configDir on its command line.
    Process jobManager = new ProcessBuilder("bash", "-c", "while :; do sleep 0.1; done", "jobmanager",
        "--configDir", home.resolve("flink/conf").toString()).start();
    try {
      Files.writeString(run.resolve("jobmanager.pid"), jobManager.pid() + "\n");

      assertThat(jobJarStaging(root, "--runner=FlinkRunner", "--flinkMaster=127.0.0.1:18081", "--parallelism=2"),
          equalTo("--filesToStage=" + thin + "\n"));
      assertThat(jobJarStaging(root, "--flinkMaster=localhost:18081"), equalTo("--filesToStage=" + thin + "\n"));
      assertThat("another cluster", jobJarStaging(root, "--flinkMaster=10.0.0.5:8081"), equalTo(""));
      assertThat("another port", jobJarStaging(root, "--flinkMaster=127.0.0.1:8081"), equalTo(""));
      assertThat("embedded", jobJarStaging(root, "--flinkMaster=[local]"), equalTo(""));
      assertThat("the operator's own", jobJarStaging(root, "--flinkMaster=127.0.0.1:18081",
          "--filesToStage=/elsewhere/job.jar"), equalTo(""));
      Files.writeString(onCluster, "job jar, build 1");
      assertThat("a cluster started with another build", jobJarStaging(root, "--flinkMaster=127.0.0.1:18081"),
          equalTo(""));
      Files.writeString(onCluster, "job jar, build 2");
    } finally {
      jobManager.destroyForcibly().waitFor();
    }
    assertThat("a cluster that is not running", jobJarStaging(root, "--flinkMaster=127.0.0.1:18081"),
        equalTo(""));
  }

  /**
   * The java command line manage.sh's {@code fieldflow_java} or {@code bounded_java} ({@code
   * function}) builds, run on their own with a {@code java} that prints its arguments (for a jar
   * without a class-data sharing archive); then PIPELINE_JAVA_OPTS as the function left it. {@code operatorOpts}: FIELDFLOW_JAVA_OPTS, or null.
   */
  private List<String> javaCommand(String function, String operatorOpts) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c",
        "eval \"$(sed -n '/^PIPELINE_JAVA_OPTS=/p;/^BOUNDED_JAVA_OPTS=/p;/^fieldflow_java() {/,/^}/p;"
            + "/^bounded_java() {/,/^}/p;/^class_archive() /p;/^class_archive_opts() {/,/^}/p' \"$0\")\";"
            + " require_java() { :; }; java() { echo \"$*\"; };"
            + " JAR=fieldflow.jar; \"$1\" visit --once; echo \"$PIPELINE_JAVA_OPTS\"",
        SCRIPT.toString(), function).redirectErrorStream(true);
    pb.environment().remove("FIELDFLOW_JAVA_OPTS");
    if (operatorOpts != null) {
      pb.environment().put("FIELDFLOW_JAVA_OPTS", operatorOpts);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out, p.waitFor(), equalTo(0));
    return out.lines().toList();
  }

  @Test
  void aBoundedRunCompilesWithC1OnlyAndLeavesTheOptionsOfLaterRunsAsTheyWere() throws Exception {
    List<String> bounded = javaCommand("bounded_java", null);
    assertThat(bounded.get(0), equalTo("-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
        + " -jar fieldflow.jar visit --once"));
    assertThat(bounded.get(1), equalTo("-Xmx512m -XX:+UseSerialGC"));
    assertThat(javaCommand("fieldflow_java", null).get(0),
        equalTo("-Xmx512m -XX:+UseSerialGC -jar fieldflow.jar visit --once"));
  }

  @Test
  void theOperatorsJavaOptionsAreUsedAsTheyAreForABoundedRunToo() throws Exception {
    assertThat(javaCommand("bounded_java", "-Xmx1g").get(0), equalTo("-Xmx1g -jar fieldflow.jar visit --once"));
  }

  @Test
  void anUnknownModeFailsWithOneLineNamingIt() throws Exception {
    Outcome o = run("frobnicate");

    assertThat(o.exit(), not(equalTo(0)));
    assertThat(o.stderr(), containsString("manage.sh: unknown mode 'frobnicate'"));
  }

  @Test
  void helpListsEveryMode() throws Exception {
    Outcome o = run("help");

    assertThat(o.exit(), equalTo(0));
    for (String mode : List.of("install", "build", "db start", "network", "demo", "test", "stop",
        "kill", "prune [--older-than=90d] [--dry-run]", "network [--input=PATTERN] [--force]",
        "audit [--input=PATTERN]", "replay PATH [--version=V] [--why=TEXT]",
        "requeue --reason=CODE [--path=GLOB] [--since=YYYY-MM-DD]")) {
      assertThat(o.stdout(), containsString(mode));
    }
  }

  /**
   * Every mode the usage lists, except those whose help the jar prints (it is not built while
   * this module's tests run), answers --help and -h with its own usage and does nothing else:
   * kill keeps the home it would delete, build compiles nothing.
   */
  @Test
  void everyModeAnswersHelpWithItsUsageAndDoesNothingElse() throws Exception {
    Set<String> theJarsHelp = Set.of("visit", "network", "query", "generate", "audit", "replay",
        "requeue", "status");
    List<String> modes = run("help").stdout().lines()
        .filter(line -> line.matches("  [a-z].*"))
        .map(line -> line.strip().split("[ |]")[0])
        .filter(mode -> !theJarsHelp.contains(mode))
        .toList();
    assertThat(modes, hasItems("kill", "stop", "build", "db", "cluster", "bench", "prune", "help"));
    Path fresh = home.resolve("fieldflow");
    runWith(Map.of("FIELDFLOW_HOME", fresh.toString()), "network");
    assertThat(Files.exists(fresh), equalTo(true));

    for (String mode : modes.stream().filter(mode -> !mode.equals("help")).toList()) {
      for (String help : List.of("--help", "-h")) {
        Outcome o = runWith(Map.of("FIELDFLOW_HOME", fresh.toString()), mode, help);

        assertThat(mode + " " + help + ": " + o.stderr(), o.exit(), equalTo(0));
        assertThat(o.stdout(), startsWith("usage: ./manage.sh " + mode));
        assertThat(o.stdout(), not(containsString("usage: ./manage.sh MODE")));
        assertThat(o.stdout(), not(containsString("build: compiling")));
        assertThat(mode + " " + help + " deleted the home", Files.exists(fresh), equalTo(true));
      }
    }
  }

  @Test
  void modesWithoutOptionsRefuseOneInsteadOfIgnoringIt() throws Exception {
    Outcome stop = run("stop", "--now");
    assertThat(stop.exit(), equalTo(1));
    assertThat(stop.stderr().strip(),
        equalTo("manage.sh: stop: takes no options, but got '--now'; it stops everything"));
    assertThat(stop.stdout(), not(containsString("stop: done")));

    Outcome build = run("build", "--offline");
    assertThat(build.exit(), equalTo(1));
    assertThat(build.stderr().strip(), equalTo("manage.sh: build: takes no options, but got '--offline'"));

    Outcome localAws = run("local-aws", "status", "--all");
    assertThat(localAws.exit(), equalTo(1));
    assertThat(localAws.stderr().strip(), equalTo("manage.sh: local-aws: status: unknown option"
        + " '--all'; use ./manage.sh local-aws start|stop|status"));
  }

  @Test
  void anUnknownRunnerIsRefusedNamingTheProfilesInsteadOfRunningOnTheDirectRunner() throws Exception {
    for (String mode : List.of("visit", "network")) {
      Outcome o = run(mode, "--input=" + home, "--runner=flink-bogus");

      assertThat(mode, o.exit(), equalTo(1));
      assertThat(mode, o.stderr().strip(), equalTo("manage.sh: unknown runner 'flink-bogus';"
          + " profiles: direct flink-cluster flink-local flink-t3micro"));
    }
  }

  @Test
  void networkWithoutInputSaysWhatToSet() throws Exception {
    Outcome o = run("network");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(),
        equalTo("manage.sh: network: no input; give --input=PATTERN or set FIELDFLOW_NETWORK"));
  }

  /** A second --input silently replaced the first, where the pipeline refuses a repeat. */
  @Test
  void anInputGivenTwiceIsRefusedNamingBoth() throws Exception {
    for (String mode : List.of("network", "visit", "audit")) {
      Outcome o = run(mode, "--input=/a", "--input=/b");

      assertThat(o.exit(), equalTo(1));
      assertThat(o.stderr().strip(), equalTo("manage.sh: " + mode
          + ": --input is given twice ('/a', '/b'); give it once"));
    }
  }

  /**
   * What manage.sh's {@code mode_visit} or {@code mode_network} starts for {@code args}, run on
   * their own with the steps around them stubbed: "bounded ARGS" for a run that exits when done,
   * "continuous" for the background pipeline.
   */
  private String modeStarts(String mode, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", "-c",
        "set -euo pipefail; eval \"$(sed -n '/^say() /p;/^die() /p;/^beam_option() {/,/^}/p;/^input_option() {/,/^}/p;"
            + "/^mode_visit() {/,/^}/p;/^mode_network() {/,/^}/p' \"$0\")\";"
            + " wants_help() { return 1; }; s3_endpoint_args() { :; }; check_runner() { :; };"
            + " runner_args() { :; }; ensure_built_for() { :; }; job_jar_staging() { :; };"
            + " visit_pid() { return 1; }; visit_job() { return 1; }; cluster_master() { return 1; };"
            + " bounded_java() { echo \"bounded $*\"; }; require_java() { echo continuous; exit 0; };"
            + " \"$@\"", SCRIPT.toString(), "mode_" + mode));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("FIELDFLOW_VISITS");
    pb.environment().remove("FIELDFLOW_NETWORK");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.strip();
  }

  /** The pipeline's own options given after -- mean what manage.sh's own do. */
  @Test
  void thePipelinesInputAndOnceOptionsAfterTheSeparatorStandForManageShsOwn() throws Exception {
    assertThat(modeStarts("visit", "--", "--visitsInput=/v", "--once=true"),
        equalTo("bounded visit --visitsInput=/v --once=true"));
    assertThat(modeStarts("visit", "--input=/v", "--", "--once"),
        equalTo("bounded visit --visitsInput=/v --once"));
    assertThat(modeStarts("visit", "--input=/v", "--once"),
        equalTo("bounded visit --visitsInput=/v --once"));
    assertThat(modeStarts("visit", "--input=/v", "--", "--once=false"), equalTo("continuous"));
    assertThat(modeStarts("network", "--", "--networkInput=/n"), equalTo("bounded network --networkInput=/n"));
    assertThat(modeStarts("network", "--input=/n"), equalTo("bounded network --networkInput=/n"));
  }

  @Test
  void networkAcceptsForce() throws Exception {
    Outcome o = run("network", "--force");

    assertThat(o.stderr().strip(),
        equalTo("manage.sh: network: no input; give --input=PATTERN or set FIELDFLOW_NETWORK"));
  }

  /** An unset variable ({@code --notifications=$QUEUE}) must not start a polling pipeline. */
  @Test
  void anEmptyNotificationsQueueIsRefusedBeforeAnythingStarts() throws Exception {
    Outcome o = run("visit", "--input=s3://landing/visits/", "--notifications=");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(), startsWith("manage.sh: visit: --notifications is empty: give the"
        + " SQS queue URL"));
  }

  @Test
  void theRepairCommandsRefuseMissingOrUnknownOptionsBeforeBuildingAnything() throws Exception {
    Outcome replay = run("replay", "--why=x");
    assertThat(replay.exit(), equalTo(1));
    assertThat(replay.stderr().strip(), equalTo("manage.sh: replay: no file; use ./manage.sh replay"
        + " PATH [--version=V] [--why=TEXT] (./manage.sh audit lists the files)"));

    Outcome requeue = run("requeue", "--path=*/a.jsonl");
    assertThat(requeue.exit(), equalTo(1));
    assertThat(requeue.stderr().strip(), equalTo("manage.sh: requeue: no reason; give --reason=CODE"
        + " (a reason_code of fieldflow.rejected_records, e.g. line_too_long)"));

    Outcome audit = run("audit", "--everything");
    assertThat(audit.exit(), equalTo(1));
    assertThat(audit.stderr().strip(), equalTo("manage.sh: audit: unknown option '--everything';"
        + " use ./manage.sh audit [--input=PATTERN] [-- beam options]"));
  }

  /**
   * The jar command line manage.sh's {@code mode} builds from {@code args}, run on its own with
   * the jar stubbed out (it prints its arguments), with FIELDFLOW_S3_ENDPOINT set as local-aws
   * sets it.
   */
  private String repairCommand(String mode, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", "-c",
        "eval \"$(sed -n '/^say() /p;/^die() /p;/^wants_help() {/,/^}/p;/^s3_endpoint_args() {/,/^}/p;"
            + "/^beam_option() {/,/^}/p;/^input_option() {/,/^}/p;/^mode_audit() {/,/^}/p;"
            + "/^mode_replay() {/,/^}/p;/^mode_requeue() {/,/^}/p' \"$0\")\";"
            + " ensure_built() { :; }; fieldflow_java() { echo \"$*\"; }; mode=$1; shift;"
            + " \"mode_$mode\" \"$@\"", SCRIPT.toString(), mode));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("FIELDFLOW_VISITS");
    pb.environment().put("FIELDFLOW_S3_ENDPOINT", "http://127.0.0.1:9000");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out, p.waitFor(), equalTo(0));
    return out.strip();
  }

  @Test
  void theRepairCommandsUseTheLocalS3ServerAsVisitDoesWhenTheyMayReadS3() throws Exception {
    String local = " --endpoint=http://127.0.0.1:9000 --s3PathStyle=true";
    assertThat(repairCommand("audit", "--input=s3://b/visits/"),
        equalTo("audit --visitsInput=s3://b/visits/" + local));
    assertThat(repairCommand("audit", "--input=/data/visits"), equalTo("audit --visitsInput=/data/visits"));
    assertThat(repairCommand("replay", "s3://b/visits/a.jsonl", "--why=x"),
        equalTo("replay s3://b/visits/a.jsonl --why=x" + local));
    assertThat(repairCommand("replay", "/data/a.jsonl"), equalTo("replay /data/a.jsonl"));
    assertThat("the ledger's files may be in S3",
        repairCommand("requeue", "--reason=line_too_long"), equalTo("requeue --reason=line_too_long" + local));
    assertThat("the operator's own endpoint is kept", repairCommand("audit", "--input=s3://b/v/", "--",
        "--endpoint=http://s3.example:9000"), equalTo("audit --visitsInput=s3://b/v/ --endpoint=http://s3.example:9000"));
  }

  @Test
  void pruneRefusesAnUnknownOptionNamingTheKnownOnes() throws Exception {
    Outcome o = run("prune", "--older-than=90d", "--everything");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(), equalTo("manage.sh: prune: unknown option '--everything'; use"
        + " ./manage.sh prune [--older-than=90d] [--dry-run] [--ledger] [--db-user=OWNER]"));
  }

  @Test
  void installDryRunChangesNothingAndSaysWhatItWouldDo() throws Exception {
    Outcome o = run("install", "--dry-run");

    assertThat(o.exit(), equalTo(0));
    assertThat(o.stdout(), containsString("install: "));
    assertThat(o.stdout(), not(containsString("installing")));
  }

  @Test
  void uiRefusesAPortThatIsNotAPortNumber() throws Exception {
    Outcome o = run("ui", "--port=80a");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(),
        equalTo("manage.sh: ui: --port must be a number 1..65535, but was '80a'"));
  }

  @Test
  void anUnknownOptionIsRefusedNotIgnored() throws Exception {
    Outcome o = run("install", "--bogus");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr(), containsString("install: unknown option '--bogus'"));
  }

  @Test
  void aHomeManageShCreatesIsPrivateAndMarked() throws Exception {
    Path fresh = home.resolve("fresh/fieldflow");

    runWith(Map.of("FIELDFLOW_HOME", fresh.toString()), "network");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)),
        equalTo("rwx------"));
    assertThat(Files.isRegularFile(fresh.resolve(".fieldflow-home")), equalTo(true));
  }

  @Test
  void killDeletesAHomeFieldflowCreated() throws Exception {
    Path fresh = home.resolve("fieldflow");
    runWith(Map.of("FIELDFLOW_HOME", fresh.toString()), "network");
    Files.writeString(fresh.resolve("data.txt"), "x");

    Outcome o = runWith(Map.of("FIELDFLOW_HOME", fresh.toString()), "kill");

    assertThat(o.stderr(), o.exit(), equalTo(0));
    assertThat(Files.exists(fresh), equalTo(false));
  }

  @Test
  void killRefusesADirectoryWithoutTheMarker() throws Exception {
    Path theirs = Files.createDirectories(home.resolve("someone-elses"));
    Files.writeString(theirs.resolve("precious.txt"), "x");

    Outcome o = runWith(Map.of("FIELDFLOW_HOME", theirs.toString()), "kill");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(), equalTo("manage.sh: kill: refusing to delete " + theirs
        + ": fieldflow did not create it (no .fieldflow-home in it); delete it yourself if you"
        + " mean to, or, if an older fieldflow made it, touch " + theirs.resolve(".fieldflow-home")
        + " and run kill again"));
    assertThat(Files.exists(theirs.resolve("precious.txt")), equalTo(true));
  }

  @Test
  void killRefusesTheRootDirectory() throws Exception {
    Outcome o = runWith(Map.of("FIELDFLOW_HOME", "/"), "kill");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(),
        equalTo("manage.sh: kill: refusing to delete /: it is the root directory"));
  }

  /** HOME is a throw-away directory carrying the marker: only the home rule can refuse it. */
  @Test
  void killRefusesTheUsersHomeEvenWithTheMarker() throws Exception {
    Path userHome = Files.createDirectories(home.resolve("user"));
    Files.writeString(userHome.resolve(".fieldflow-home"), "");

    Outcome o = runWith(Map.of("HOME", userHome.toString(), "FIELDFLOW_HOME", userHome.toString()),
        "kill");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(), equalTo("manage.sh: kill: refusing to delete " + userHome
        + ": it is your home directory"));
    assertThat(Files.exists(userHome.resolve(".fieldflow-home")), equalTo(true));
  }

  @Test
  void killRefusesTheCheckout() throws Exception {
    Outcome o = runWith(Map.of("FIELDFLOW_HOME", SCRIPT.getParent().toString()), "kill");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(), equalTo("manage.sh: kill: refusing to delete "
        + SCRIPT.getParent() + ": it is the fieldflow checkout"));
  }

  @Test
  void killRefusesADirectoryHoldingTheCheckout() throws Exception {
    Path parent = SCRIPT.getParent().getParent();

    Outcome o = runWith(Map.of("FIELDFLOW_HOME", parent.toString()), "kill");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(), equalTo("manage.sh: kill: refusing to delete " + parent
        + ": it holds the fieldflow checkout (" + SCRIPT.getParent() + ")"));
  }

  @Test
  void stopLeavesAProcessOfAStalePidFileAlone() throws Exception {
    Path fieldflowHome = markedHome();
    Process stranger = new ProcessBuilder("sleep", "300").start();
    try {
      Files.writeString(fieldflowHome.resolve("run/visit.pid"), stranger.pid() + "\n");

      Outcome o = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "stop");

      assertThat(o.stderr(), o.exit(), equalTo(0));
      assertThat(o.stderr(), containsString("names pid " + stranger.pid()
          + ", which is not the fieldflow visit pipeline (a stale pid file); leaving that"
          + " process alone"));
      assertThat(stranger.isAlive(), equalTo(true));
      assertThat(Files.exists(fieldflowHome.resolve("run/visit.pid")), equalTo(false));
    } finally {
      stranger.destroyForcibly();
    }
  }

  /** A stand-in whose command line is the background pipeline's: java -jar JAR visit .... */
  @Test
  void stopEndsTheVisitPipelineOfThePidFile() throws Exception {
    Path fieldflowHome = markedHome();
    Process pipeline = new ProcessBuilder("bash", "-c", "while :; do sleep 0.1; done",
        SCRIPT.getParent().resolve("pipelines/target/fieldflow-bundled.jar").toString(),
        "visit", "--visitsInput=/nowhere/").start();
    try {
      Files.writeString(fieldflowHome.resolve("run/visit.pid"), pipeline.pid() + "\n");

      Outcome o = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "stop");

      assertThat(o.stderr(), o.exit(), equalTo(0));
      assertThat(o.stdout(), containsString(
          "stop: stopping the visit pipeline (pid " + pipeline.pid() + ")"));
      assertThat(pipeline.waitFor(10, TimeUnit.SECONDS), equalTo(true));
    } finally {
      pipeline.destroyForcibly();
    }
  }

  /**
   * A continuous visit pipeline submitted detached to a Flink cluster leaves no process, only its
   * job: stop cancels that job over the cluster's REST API (a stand-in answers as Flink does).
   */
  @Test
  void stopCancelsTheDetachedVisitJobOfTheJobFile() throws Exception {
    Path fieldflowHome = markedHome();
    java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
    com.sun.net.httpserver.HttpServer flink = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    flink.createContext("/jobs/0123abcd", exchange -> {
      if ("PATCH".equals(exchange.getRequestMethod())
          && "mode=cancel".equals(exchange.getRequestURI().getQuery())) {
        cancelled.set(true);
      }
      byte[] body = ("{\"jid\":\"0123abcd\",\"name\":\"fieldflow-visit\",\"state\":\""
          + (cancelled.get() ? "CANCELED" : "RUNNING") + "\"}").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(exchange.getRequestMethod().equals("PATCH") ? 202 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    flink.start();
    try {
      String master = "127.0.0.1:" + flink.getAddress().getPort();
      Files.writeString(fieldflowHome.resolve("run/visit.flink-job"), master + " 0123abcd\n");

      Outcome o = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "stop");

      assertThat(o.stderr(), o.exit(), equalTo(0));
      assertThat(o.stdout(), containsString(
          "stop: cancelling the visit pipeline, Flink job 0123abcd on " + master));
      assertThat(cancelled.get(), equalTo(true));
      assertThat(Files.exists(fieldflowHome.resolve("run/visit.flink-job")), equalTo(false));
    } finally {
      flink.stop(0);
    }
  }

  /** A stand-in whose command line is the analyst watchdog's: java -jar JAR watchdog. */
  @Test
  void stopEndsTheAnalystWatchdogOfThePidFile() throws Exception {
    Path fieldflowHome = markedHome();
    Process watchdog = new ProcessBuilder("bash", "-c", "while :; do sleep 0.1; done",
        SCRIPT.getParent().resolve("pipelines/target/fieldflow-bundled.jar").toString(),
        "watchdog").start();
    try {
      Files.writeString(fieldflowHome.resolve("run/watchdog.pid"), watchdog.pid() + "\n");

      Outcome o = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "stop");

      assertThat(o.stderr(), o.exit(), equalTo(0));
      assertThat(o.stdout(), containsString(
          "stop: stopping the analyst watchdog (pid " + watchdog.pid() + ")"));
      assertThat(watchdog.waitFor(10, TimeUnit.SECONDS), equalTo(true));
    } finally {
      watchdog.destroyForcibly();
    }
  }

  @Test
  void localAwsRefusesAnUnknownActionNamingTheKnownOnes() throws Exception {
    Outcome o = run("local-aws", "begin");

    assertThat(o.exit(), not(equalTo(0)));
    assertThat(o.stderr(), containsString("local-aws: use ./manage.sh local-aws start|stop|status"));
  }

  /** Stand-ins whose command lines are the local servers' (S3Proxy's jar, ElasticMQ's main). */
  @Test
  void stopEndsTheLocalAwsServersOfThePidFiles() throws Exception {
    Path fieldflowHome = markedHome();
    Path servers = fieldflowHome.resolve("local-aws");
    Process s3 = new ProcessBuilder("bash", "-c", "while :; do sleep 0.1; done",
        servers.resolve("s3proxy/s3proxy-4.1.0-jar-with-dependencies.jar").toString(), "--properties", "p").start();
    Process sqs = new ProcessBuilder("bash", "-c", "while :; do sleep 0.1; done",
        servers.resolve("elasticmq/*").toString(), "org.elasticmq.server.Main").start();
    try {
      Files.writeString(fieldflowHome.resolve("run/s3proxy.pid"), s3.pid() + "\n");
      Files.writeString(fieldflowHome.resolve("run/elasticmq.pid"), sqs.pid() + "\n");

      Outcome o = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "stop");

      assertThat(o.stderr(), o.exit(), equalTo(0));
      assertThat(o.stdout(), containsString("stop: stopping the local S3 (S3Proxy) (pid " + s3.pid() + ")"));
      assertThat(o.stdout(), containsString("stop: stopping the local SQS (ElasticMQ) (pid " + sqs.pid() + ")"));
      assertThat(s3.waitFor(10, TimeUnit.SECONDS), equalTo(true));
      assertThat(sqs.waitFor(10, TimeUnit.SECONDS), equalTo(true));
    } finally {
      s3.destroyForcibly();
      sqs.destroyForcibly();
    }
  }

  /** The real servers, from the Maven repository: started, described, reachable, stopped. */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void localAwsStartsBothServersWritesAPrivateEnvFileAndStopEndsThem() throws Exception {
    Path fieldflowHome = home.resolve("aws");
    try {
      Outcome started = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "local-aws", "start");
      assertThat(started.stderr(), started.exit(), equalTo(0));
      Path env = fieldflowHome.resolve("local-aws.env");
      assertThat(java.nio.file.Files.getPosixFilePermissions(env),
          equalTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Map<String, String> values = new java.util.HashMap<>();
      for (String line : Files.readAllLines(env)) {
        if (!line.startsWith("#") && line.contains("=")) {
          values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
      }
      assertThat(values.keySet(), org.hamcrest.Matchers.hasItems("FIELDFLOW_S3_ENDPOINT", "FIELDFLOW_S3_BUCKET",
          "FIELDFLOW_SQS_QUEUE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"));
      assertThat("the secret is never printed", started.stdout() + started.stderr(),
          not(containsString(values.get("AWS_SECRET_ACCESS_KEY"))));
      java.net.URI s3 = java.net.URI.create(values.get("FIELDFLOW_S3_ENDPOINT"));
      java.net.URI sqs = java.net.URI.create(values.get("FIELDFLOW_SQS_QUEUE_URL"));
      assertThat(s3.getHost(), equalTo("127.0.0.1"));
      assertThat(sqs.getHost(), equalTo("127.0.0.1"));
      try (software.amazon.awssdk.services.sqs.SqsClient client = software.amazon.awssdk.services.sqs.SqsClient.builder()
          .endpointOverride(java.net.URI.create("http://127.0.0.1:" + sqs.getPort()))
          .region(software.amazon.awssdk.regions.Region.US_EAST_1)
          .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
              software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "y")))
          .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder()).build()) {
        String policy = client.getQueueAttributes(b -> b.queueUrl(sqs.toString()).attributeNamesWithStrings("All"))
            .attributesAsStrings().get("RedrivePolicy");
        assertThat(policy, containsString("fieldflow-visits-dlq"));
      }
      try (software.amazon.awssdk.services.s3.S3Client client = software.amazon.awssdk.services.s3.S3Client.builder()
          .endpointOverride(s3).forcePathStyle(true).region(software.amazon.awssdk.regions.Region.US_EAST_1)
          .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
              software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                  values.get("AWS_ACCESS_KEY_ID"), values.get("AWS_SECRET_ACCESS_KEY"))))
          .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder()).build()) {
        assertThat(client.listObjectsV2(b -> b.bucket(values.get("FIELDFLOW_S3_BUCKET"))).keyCount(), equalTo(0));
      }
      Outcome status = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "local-aws", "status");
      assertThat(status.stdout(), containsString("local-aws: S3Proxy running"));
      assertThat(status.stdout(), containsString("local-aws: ElasticMQ running"));
    } finally {
      Outcome stopped = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "stop");
      assertThat(stopped.stderr(), stopped.exit(), equalTo(0));
    }
    Outcome status = runWith(Map.of("FIELDFLOW_HOME", fieldflowHome.toString()), "local-aws", "status");
    assertThat(status.stdout(), containsString("local-aws: S3Proxy not running"));
    assertThat(status.stdout(), containsString("local-aws: ElasticMQ not running"));
  }

  private Path markedHome() throws IOException {
    Path fieldflowHome = Files.createDirectories(home.resolve("marked/run"));
    Files.writeString(fieldflowHome.getParent().resolve(".fieldflow-home"), "");
    return fieldflowHome.getParent();
  }
}
