package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that cannot be read because it went away between its listing and its read is said to
 * be gone (or replaced), not failed with the reader's exception ({@link
 * IngestVisitFiles.LoadVisitFileFn#vanishedOr}).
 */
class VanishedFileTest {
  @TempDir Path dir;

  @Test
  void aFileDeletedAfterItsListingIsSaidToBeGone() {
    Path deleted = dir.resolve("deleted.jsonl");
    VisitFile file = new VisitFile(1, 1, deleted.toString(), "size:10,mtime:1000");

    String error = IngestVisitFiles.LoadVisitFileFn.vanishedOr(file, "FileNotFoundException: " + deleted);

    assertThat(error, is(deleted + " is gone: it was listed, then deleted or moved before it was"
        + " read, so nothing was loaded from it; if that was a mistake, put it back and a later"
        + " run reads it"));
  }

  @Test
  void aFileReplacedAfterItsListingIsSaidToHoldAnotherVersion() throws Exception {
    Path replaced = Files.writeString(dir.resolve("replaced.jsonl"), "{}\n{}\n");
    VisitFile file = new VisitFile(1, 1, replaced.toString(), "size:3,mtime:1000");

    String error = IngestVisitFiles.LoadVisitFileFn.vanishedOr(file, "IOException: stream closed");

    assertThat(error, is(replaced + " holds another version now (size:6,mtime:"
        + Files.getLastModifiedTime(replaced).toMillis() + ", not size:3,mtime:1000): it was"
        + " replaced before this version was read, so nothing was loaded from this version; the"
        + " new version is loaded as a file of its own"));
  }

  @Test
  void aFileStillThereAsListedKeepsTheReadersError() throws Exception {
    Path there = Files.writeString(dir.resolve("there.jsonl"), "{}\n");
    VisitFile file = new VisitFile(1, 1, there.toString(),
        "size:3,mtime:" + Files.getLastModifiedTime(there).toMillis());

    assertThat(IngestVisitFiles.LoadVisitFileFn.vanishedOr(file, "IOException: connection reset"),
        is("IOException: connection reset"));
  }
}
