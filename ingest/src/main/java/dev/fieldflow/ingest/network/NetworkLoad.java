package dev.fieldflow.ingest.network;

import dev.fieldflow.io.files.FileVersion;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * One network load: the files that together form the new snapshot, fixed when the load
 * starts, and the id that ties its staged rows to its commit.
 */
public final class NetworkLoad implements Serializable {
  private final String loadId;
  private final long startedAtMillis;
  private final List<StagedFile> files;

  /** A file of the snapshot with the version the ledger will record. */
  public record StagedFile(String path, String version, long sizeBytes, long lastModifiedMillis)
      implements Serializable {}

  private NetworkLoad(String loadId, long startedAtMillis, List<StagedFile> files) {
    this.loadId = loadId;
    this.startedAtMillis = startedAtMillis;
    this.files = List.copyOf(files);
  }

  /** A new load of exactly {@code matched}, under a fresh random id. */
  public static NetworkLoad of(List<MatchResult.Metadata> matched) {
    List<StagedFile> files = new ArrayList<>();
    for (MatchResult.Metadata m : matched) {
      files.add(
          new StagedFile(
              FileVersion.path(m), FileVersion.of(m), m.sizeBytes(), m.lastModifiedMillis()));
    }
    return new NetworkLoad(UUID.randomUUID().toString(), System.currentTimeMillis(), files);
  }

  public String loadId() {
    return loadId;
  }

  /** When the load started: the ledger's started_at for its files. */
  public long startedAtMillis() {
    return startedAtMillis;
  }

  public List<StagedFile> files() {
    return files;
  }

  /** The version of each file of the load, by path. */
  public Map<String, String> versions() {
    Map<String, String> versions = new TreeMap<>();
    files.forEach(f -> versions.put(f.path(), f.version()));
    return versions;
  }
}
