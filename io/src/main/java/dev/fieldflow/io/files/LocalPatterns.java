package dev.fieldflow.io.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystemUtils;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * What Beam's local file system does with a pattern before it does it. Beam matches a local
 * pattern by walking, depth first, the whole tree under the directory that holds its first
 * wildcard ({@code LocalFileSystem.matchOne}, BEAM-1309), and a path without wildcards that
 * does not exist is looked for the same way, under its parent. So {@code /nonexistent} or
 * {@code /*.jsonl} walks every file of the machine, {@code /proc} included: the command
 * seemed to hang, using a core, without a word. And a directory whose own name holds a
 * wildcard character is read as a pattern, not as its name. A local input is therefore checked
 * first.
 */
public final class LocalPatterns {
  /** The characters that make a pattern a glob, as Beam's matching reads them (and braces). */
  private static final String WILDCARDS = "*?[{";

  private LocalPatterns() {}

  /**
   * Refuses a local input pattern that names nothing, whose match would walk the whole
   * filesystem, or that runs through a directory whose own name has a wildcard character;
   * anything else, and every non-local pattern ({@code s3://}), passes.
   *
   * @param option how the user gave the pattern, named in the message
   * @throws IllegalArgumentException saying what is wrong and what to give instead
   */
  public static void checkInput(String pattern, String option) {
    Optional<String> local = localPath(pattern);
    if (local.isEmpty()) {
      return;
    }
    String path = local.get();
    int wildcard = firstWildcard(path);
    if (wildcard < 0) {
      if (!exists(path)) {
        throw new IllegalArgumentException(option + " " + pattern + ": no such file or directory;"
            + " give an existing directory, a glob within one (DIR/*) or an"
            + " s3://bucket/prefix/");
      }
      return;
    }
    literalDirectoryWithWildcards(path, wildcard).ifPresent(directory -> {
      throw new IllegalArgumentException(option + " " + pattern + ": the directory " + directory
          + " has a wildcard character (* ? [ {) in its name, which Beam's matching reads as a"
          + " pattern rather than as its name; rename it, or give a link to it whose name has"
          + " none");
    });
    Path root = walkRoot(path.substring(0, wildcard));
    if (root.getParent() == null) {
      throw new IllegalArgumentException(option + " " + pattern + ": its first wildcard is in "
          + root + ", so matching it would search every file of the machine; start it with the"
          + " directory that holds the files (DIR/*)");
    }
  }

  /**
   * Whether {@code path} is a local path without wildcards that does not exist: Beam would
   * search the tree of its parent for it, and the answer is known without that.
   */
  public static boolean isMissingLocalFile(String path) {
    Optional<String> local = localPath(path);
    return local.isPresent() && firstWildcard(local.get()) < 0 && !exists(local.get());
  }

  /**
   * Whether {@code path} is a local path naming an existing regular file, wildcard characters
   * and all: Beam matches such a path as that file, before it reads it as a pattern.
   */
  public static boolean isLocalFile(String path) {
    Optional<String> local = localPath(path);
    try {
      return local.isPresent() && Files.isRegularFile(Path.of(local.get()));
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /**
   * {@link FileSystems#match(List)} of files named one by one (no wildcards), on any mix of file
   * systems, without Beam's search for the ones that are local and missing: those are {@code
   * NOT_FOUND} at once (a ledger can hold many paths whose file was deleted, and each would walk
   * its parent's tree). Beam refuses a batch that mixes schemes, so each scheme's paths are
   * looked at in a batch of their own; a path Beam cannot address ({@link
   * IngestibleFileNames#isAddressable}) is {@code NOT_FOUND} too.
   *
   * @return one result per path, in the order given
   */
  public static List<MatchResult> matchEach(List<String> paths) throws IOException {
    MatchResult[] results = new MatchResult[paths.size()];
    Map<String, List<Integer>> byScheme = new LinkedHashMap<>();
    for (int i = 0; i < paths.size(); i++) {
      String path = paths.get(i);
      if (isMissingLocalFile(path) || !IngestibleFileNames.isAddressable(path)) {
        results[i] = MatchResult.create(MatchResult.Status.NOT_FOUND, List.of());
      } else {
        byScheme.computeIfAbsent(scheme(path), k -> new ArrayList<>()).add(i);
      }
    }
    for (List<Integer> group : byScheme.values()) {
      List<String> specs = new ArrayList<>(group.size());
      group.forEach(i -> specs.add(paths.get(i)));
      List<MatchResult> found = FileSystems.match(specs);
      for (int j = 0; j < group.size(); j++) {
        results[group.get(j)] = found.get(j);
      }
    }
    return Arrays.asList(results);
  }

  /** The scheme Beam gives an addressable path: {@code file} for a local one. */
  private static String scheme(String path) {
    return localPath(path).isPresent() ? "file"
        : path.strip().substring(0, path.strip().indexOf("://")).toLowerCase(Locale.ROOT);
  }

  /**
   * Whether a path as the ledger records it ({@link FileVersion#path}: absolute for a local
   * file) is one {@code pattern} matches, by Beam's wildcards ({@code *} within a directory,
   * {@code **} across); a relative local pattern is taken from the working directory, as Beam
   * matches it. No listing: a filter of paths already known.
   */
  public static Predicate<String> matcher(String pattern) {
    Pattern regex = Pattern.compile(FileSystemUtils.wildcardToRegexp(canonical(pattern)));
    return path -> regex.matcher(path).matches();
  }

  /**
   * One spelling of {@code pattern}: a local one absolute and without {@code .} or {@code ..}
   * parts ({@code /data/./visits/*}, {@code visits/*} from /data and {@code /data/visits/*} are
   * one input); another scheme's as it is.
   */
  public static String canonical(String pattern) {
    return localPath(pattern).map(p -> Path.of(p).toAbsolutePath().normalize().toString())
        .orElse(pattern.strip());
  }

  /** The path of a local pattern ({@code file:} scheme or none), or empty for another scheme. */
  static Optional<String> localPath(String pattern) {
    if (pattern == null) {
      return Optional.empty();
    }
    String spec = pattern.strip();
    if (spec.regionMatches(true, 0, "file:", 0, "file:".length())) {
      spec = spec.substring("file:".length());
      while (spec.startsWith("//")) {
        spec = spec.substring(1);
      }
      return Optional.of(spec);
    }
    return spec.contains("://") ? Optional.empty() : Optional.of(spec);
  }

  /**
   * The first directory named in {@code path}, from its first wildcard on, that exists under
   * exactly that name: {@code /data/run[1]/*} when {@code run[1]} is a directory. Beam would
   * read the brackets as a pattern and match {@code /data/run1/} instead.
   */
  private static Optional<String> literalDirectoryWithWildcards(String path, int firstWildcard) {
    for (int slash = path.indexOf('/', firstWildcard); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String directory = path.substring(0, slash);
      try {
        if (Files.isDirectory(Path.of(directory))) {
          return Optional.of(directory);
        }
      } catch (InvalidPathException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Whether {@code path} holds a character that Beam's matching reads as a wildcard. */
  public static boolean hasWildcard(String path) {
    return firstWildcard(path) >= 0;
  }

  private static int firstWildcard(String path) {
    for (int i = 0; i < path.length(); i++) {
      if (WILDCARDS.indexOf(path.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** The directory a walk for a pattern with this text before its first wildcard starts in. */
  private static Path walkRoot(String prefix) {
    Path absolute = Path.of(prefix.isEmpty() ? "." : prefix).toAbsolutePath().normalize();
    if (prefix.endsWith("/")) {
      return absolute;
    }
    Path parent = absolute.getParent();
    return parent == null ? absolute : parent;
  }

  private static boolean exists(String path) {
    try {
      return Files.exists(Path.of(path));
    } catch (InvalidPathException e) {
      return false;
    }
  }
}
