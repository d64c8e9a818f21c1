package dev.fieldflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Measurement 4 as documented: the "Heap per tracked file" section of {@code
 * docs/INGESTING-VISITS.md}, where the visit pipeline's engineer records the numbers of its
 * {@code WatchStateBenchmark}. The report quotes it beside this run's own rerun of that harness.
 */
final class FileTracking {
  static final String SECTION = "## Heap per tracked file";

  private FileTracking() {}

  static Optional<String> fromDocs(Path root) throws IOException {
    Path doc = root.resolve("docs/INGESTING-VISITS.md");
    if (!Files.isRegularFile(doc)) {
      return Optional.empty();
    }
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int start = text.indexOf(SECTION);
    if (start < 0) {
      return Optional.empty();
    }
    int end = text.indexOf("\n## ", start + SECTION.length());
    String section = text.substring(start + SECTION.length(), end < 0 ? text.length() : end).strip();
    // "Not measured yet", or a placeholder (an all-capitals token) while the numbers are being made.
    if (section.startsWith("Not measured yet") || section.matches("(?s).*\\b[A-Z]+_[A-Z_]+\\b.*")) {
      return Optional.empty();
    }
    return Optional.of(section);
  }
}
