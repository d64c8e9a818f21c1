package dev.fieldflow.analytics.console;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium}, headless, as a test's browser: loads a page, lets its scripts and
 * requests run, and gives back the DOM, or saves a screenshot, with what the page logged to its
 * console. {@code ./manage.sh install} installs it.
 */
final class HeadlessChromium {
  /** Virtual time the page gets to load: requests pause it, so this is not a sleep. */
  private static final int VIRTUAL_TIME_BUDGET_MS = 5000;

  /** What one run printed: the DOM (or nothing, for a screenshot) and the console's lines. */
  record Page(String dom, List<String> consoleLines) {}

  private final Path binary;
  private final Path profile;

  private HeadlessChromium(Path binary, Path profile) {
    this.binary = binary;
    this.profile = profile;
  }

  /**
   * The browser on {@code PATH}, with a fresh profile under {@code workDir}.
   *
   * @throws IllegalStateException saying how to install it when there is none
   */
  static HeadlessChromium find(Path workDir) throws IOException {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
        Path candidate = Path.of(dir, name);
        if (!dir.isEmpty() && Files.isExecutable(candidate)) {
          return new HeadlessChromium(candidate, Files.createDirectories(workDir.resolve("profile")));
        }
      }
    }
    throw new IllegalStateException(
        "no chromium on PATH; install it with ./manage.sh install (Debian package chromium)");
  }

  /** Loads {@code url} and returns the DOM once the page is quiet. */
  Page dumpDom(URI url) throws IOException, InterruptedException {
    return run(List.of("--dump-dom", url.toString()));
  }

  /** Loads {@code url} in a {@code width} x {@code height} window and saves a PNG. */
  Page screenshot(URI url, Path png, int width, int height)
      throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    return run(List.of("--screenshot=" + png.toAbsolutePath(), "--hide-scrollbars",
        "--window-size=" + width + "," + height, url.toString()));
  }

  private Page run(List<String> what) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless",
        // Tests run as root in CI containers, where Chromium's sandbox cannot start.
        "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=" + VIRTUAL_TIME_BUDGET_MS));
    command.addAll(what);
    Path out = Files.createTempFile(profile.getParent(), "stdout", ".txt");
    Path err = Files.createTempFile(profile.getParent(), "stderr", ".txt");
    Process process = new ProcessBuilder(command)
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("chromium did not finish within 60 s: " + command);
    }
    List<String> console = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
        .filter(line -> line.contains(":CONSOLE"))
        .toList();
    if (process.exitValue() != 0) {
      throw new IllegalStateException("chromium exited with " + process.exitValue() + ": "
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Page(Files.readString(out, StandardCharsets.UTF_8), console);
  }
}
