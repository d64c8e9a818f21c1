package dev.fieldflow.pipelines.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The continuous visit pipeline as an operator runs it ({@code fieldflow visit}), in a new JVM
 * on the test's classpath, watching {@code dir/in} every second; its log goes to {@code
 * target/NAME.log}.
 */
final class VisitProcess {
  private VisitProcess() {}

  static Process launch(EmbeddedPostgresExtension postgres, Path dir, String name, String... extra)
      throws IOException {
    DatabaseConfig db = postgres.writer();
    List<String> command = new ArrayList<>(List.of(S3ProxyServer.javaBinary(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.dev.fieldflow=info",
        "dev.fieldflow.pipelines.Main", "visit",
        "--visitsInput=" + dir.resolve("in"), "--pollIntervalSeconds=1",
        "--jdbcUrl=" + db.jdbcUrl(), "--dbUser=" + db.user(),
        "--batchSize=250", "--batchMaxBufferingMillis=200", "--targetParallelism=2"));
    command.addAll(List.of(extra));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log(name).toFile());
    builder.environment().put("FIELDFLOW_DB_PASSWORD", db.password());
    builder.environment().put("FIELDFLOW_HOME", dir.resolve("home").toString());
    return builder.start();
  }

  static Path log(String name) {
    return new File("target", name + ".log").toPath();
  }

  static String logText(String name) throws IOException {
    return Files.readString(log(name));
  }
}
