package dev.fieldflow.io.files;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Resolves an input pattern to files up front, so a wrong pattern fails before any work. */
public final class InputFiles {
  private InputFiles() {}

  /**
   * The files {@code pattern} matches now, sorted by path.
   *
   * @param what how the user set the pattern, named in the error (e.g. {@code --networkInput
   *     or FIELDFLOW_NETWORK})
   * @throws IllegalArgumentException if nothing matches, or the pattern is one {@link
   *     LocalPatterns#checkInput} refuses, naming the pattern and the option
   */
  public static List<MatchResult.Metadata> matchOrFail(String pattern, String what)
      throws IOException {
    if (pattern == null || pattern.isBlank()) {
      throw new IllegalArgumentException("no input given: set " + what);
    }
    LocalPatterns.checkInput(pattern, what);
    MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
    List<MatchResult.Metadata> files = new ArrayList<>();
    if (result.status() == MatchResult.Status.OK) {
      for (MatchResult.Metadata m : result.metadata()) {
        if (!m.resourceId().isDirectory()) {
          files.add(m);
        }
      }
    } else if (result.status() != MatchResult.Status.NOT_FOUND) {
      throw new IOException("cannot list " + pattern + ": " + result.status()
          + "; check the path and your access to it");
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no file matches " + pattern + "; check " + what);
    }
    files.sort(Comparator.comparing(FileVersion::path));
    return files;
  }
}
