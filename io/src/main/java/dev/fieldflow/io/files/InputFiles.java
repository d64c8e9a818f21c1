package dev.fieldflow.io.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * {@code input} as a pattern of files: a directory, or a prefix ending in {@code /}, means
   * every file in it ({@code DIR/*}); anything else is the pattern as given.
   */
  public static String asPattern(String input) {
    String pattern = input.strip();
    if (pattern.endsWith("/")) {
      return pattern + "*";
    }
    boolean directory =
        LocalPatterns.localPath(pattern).map(p -> Files.isDirectory(Path.of(p))).orElse(false);
    return directory ? pattern + "/*" : pattern;
  }

  /**
   * The files {@code input} matches now, sorted by path: a directory (or a prefix ending in
   * {@code /}) means every file in it, and the names {@code names} ignores and names with a line
   * break are left out: a half-uploaded {@code .network.adjlist.Xy12ab} is no part of a
   * snapshot under the default names ({@link IngestibleFileNames#defaults}).
   *
   * @param what how the user set the pattern, named in the error (e.g. {@code --networkInput
   *     or FIELDFLOW_NETWORK})
   * @throws IllegalArgumentException if nothing matches, or the pattern is one {@link
   *     LocalPatterns#checkInput} refuses, naming the pattern and the option
   */
  public static List<MatchResult.Metadata> matchOrFail(String input, String what,
      IngestibleFileNames names) throws IOException {
    if (input == null || input.isBlank()) {
      throw new IllegalArgumentException("no input given: set " + what);
    }
    String pattern = asPattern(input);
    LocalPatterns.checkInput(pattern, what);
    MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
    List<MatchResult.Metadata> files = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    if (result.status() == MatchResult.Status.OK) {
      for (MatchResult.Metadata m : result.metadata()) {
        String path = FileVersion.path(m);
        if (m.resourceId().isDirectory()) {
          continue;
        }
        if (names.isIngested(path) && IngestibleFileNames.isAddressable(path)) {
          files.add(m);
        } else {
          ignored.add(IngestibleFileNames.printable(path));
        }
      }
    } else if (result.status() != MatchResult.Status.NOT_FOUND) {
      throw new IOException("cannot list " + pattern + ": " + listingError(result)
          + "; check the path and your access to it");
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no file matches " + pattern
          + (ignored.isEmpty() ? "" : " but " + ignored.size() + " ignored or unaddressable"
              + " name(s) (" + ignored.get(0) + "): --ignoreFileNames says which names are not"
              + " read")
          + "; check " + what);
    }
    files.sort(Comparator.comparing(FileVersion::path));
    return files;
  }

  /**
   * What went wrong in a listing that failed, as its file system said it: S3's "The specified
   * bucket does not exist (Service: S3, Status Code: 404, …)", not only "ERROR".
   */
  static String listingError(MatchResult failed) {
    try {
      failed.metadata();
      return failed.status().toString();
    } catch (IOException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String message = root.getMessage() == null ? root.getClass().getSimpleName()
          : root.getMessage().strip().lines().findFirst().orElse("") + " ("
              + root.getClass().getSimpleName() + ")";
      return message;
    }
  }
}
