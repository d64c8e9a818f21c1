package dev.fieldflow.pipelines.repair;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of fieldflow that runs, as the repair commands record it ({@code fieldflow
 * 0.1.0-SNAPSHOT}): which version re-admitted a quarantined line or replayed a file. Maven
 * writes it into {@code fieldflow-version.properties} at build time.
 */
public final class FieldflowVersion {
  private static final String RESOURCE = "fieldflow-version.properties";
  private static final String VERSION = load();

  private FieldflowVersion() {}

  /** {@code fieldflow <version>}. */
  public static String current() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = FieldflowVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the build; rebuild with"
            + " ./manage.sh build");
      }
      Properties p = new Properties();
      p.load(in);
      String version = p.getProperty("version", "").strip();
      if (version.isEmpty() || version.startsWith("${")) {
        throw new IllegalStateException(RESOURCE + " has no version (resource filtering is off?);"
            + " rebuild with ./manage.sh build");
      }
      return "fieldflow " + version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
