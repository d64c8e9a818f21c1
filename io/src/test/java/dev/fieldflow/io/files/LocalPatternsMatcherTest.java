package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** {@link LocalPatterns#matcher}: the input's glob as a filter of recorded paths. */
class LocalPatternsMatcherTest {
  @Test
  void aLocalGlobMatchesFilesDirectlyInItsDirectoryOnly() {
    Predicate<String> input = LocalPatterns.matcher("/data/visits/*");

    assertThat(input.test("/data/visits/a.jsonl"), is(true));
    assertThat(input.test("/data/visits/2026/a.jsonl"), is(false));
    assertThat(input.test("/data/other/a.jsonl"), is(false));
  }

  @Test
  void twoStarsReachSubdirectories() {
    assertThat(LocalPatterns.matcher("/data/visits/**").test("/data/visits/2026/a.jsonl"), is(true));
  }

  @Test
  void aRelativeLocalGlobIsTakenFromTheWorkingDirectoryAsTheLedgerRecordsAbsolutePaths() {
    String absolute = Path.of("in/a.jsonl").toAbsolutePath().toString();

    assertThat(LocalPatterns.matcher("in/*.jsonl").test(absolute), is(true));
    assertThat(LocalPatterns.matcher("file:in/*.jsonl").test(absolute), is(true));
  }

  @Test
  void anS3GlobMatchesKeysUnderItsPrefix() {
    Predicate<String> input = LocalPatterns.matcher("s3://bucket/visits/*.jsonl");

    assertThat(input.test("s3://bucket/visits/a.jsonl"), is(true));
    assertThat(input.test("s3://bucket/visits-old/a.jsonl"), is(false));
  }
}
