package dev.fieldflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** manage.sh's contract with operators: clear one-line errors and non-zero exits. */
class ManageScriptTest {
  private static final Path SCRIPT = Path.of("..", "manage.sh").toAbsolutePath().normalize();

  @TempDir Path home;

  record Outcome(int exit, String stdout, String stderr) {}

  private Outcome run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("FIELDFLOW_HOME", home.toString());
    pb.environment().remove("FIELDFLOW_NETWORK");
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
    for (String mode : List.of("install", "build", "db start", "network", "demo", "test", "stop", "kill")) {
      assertThat(o.stdout(), containsString(mode));
    }
  }

  @Test
  void networkWithoutInputSaysWhatToSet() throws Exception {
    Outcome o = run("network");

    assertThat(o.exit(), equalTo(1));
    assertThat(o.stderr().strip(),
        equalTo("manage.sh: network: no input; give --input=PATTERN or set FIELDFLOW_NETWORK"));
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
}
