package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IngestibleFileNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"/data/visits/.visits-01.jsonl", "s3://bucket/visits/_SUCCESS",
      "/data/visits/_temporary", "s3://bucket/visits/visits-01.jsonl.tmp",
      "/data/visits/.visits-01.jsonl.crc", "part-0001.crc", ".hidden"})
  void hiddenAndTemporaryNamesAreNotIngestedByDefault(String path) {
    assertThat(IngestibleFileNames.defaults().isIngested(path), is(false));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/data/visits/visits-01.jsonl", "s3://bucket/visits/a.jsonl.gz",
      "s3://bucket/.hidden-dir/visits.jsonl", "/data/_staging/visits.jsonl",
      "visits.tmp.jsonl", "visits_SUCCESS.jsonl", "visits.jsonl.TMPX"})
  void dataFileNamesAreIngestedByDefaultWhateverTheirDirectories(String path) {
    assertThat(IngestibleFileNames.defaults().isIngested(path), is(true));
  }

  @Test
  void anOverridingPatternReplacesTheDefaults() {
    IngestibleFileNames names = IngestibleFileNames.ignoring(".*\\.partial");

    assertThat(names.isIngested("s3://b/visits/a.jsonl.partial"), is(false));
    assertThat(names.isIngested("s3://b/visits/_SUCCESS"), is(true));
  }

  @Test
  void anEmptyPatternIngestsEveryFile() {
    assertThat(IngestibleFileNames.ignoring("").isIngested("/data/.hidden"), is(true));
  }

  @Test
  void aPathEndingInASlashIsADirectoryOrAFolderMarkerAndNeverIngested() {
    assertThat(IngestibleFileNames.defaults().isIngested("s3://bucket/visits/"), is(false));
    assertThat(IngestibleFileNames.ignoring("").isIngested("s3://bucket/visits/"), is(false));
  }

  /** Beam reads these paths' scheme as "file": s3://b/a\nb.jsonl would be a local path. */
  @ParameterizedTest
  @ValueSource(strings = {"s3://b/visits/a\nb.jsonl", "s3://b/visits/a\rb.jsonl",
      "s3://b/visits/a\u0085b.jsonl", "s3://b/visits/a\u2028b.jsonl", "/data/a\u2029b.jsonl"})
  void aPathWithALineBreakIsNotAddressable(String path) {
    assertThat(IngestibleFileNames.isAddressable(path), is(false));
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://b/visits/a b.jsonl", "s3://b/visits/a\tb.jsonl",
      "/data/caf\u00e9 [1] {x} *?.jsonl", "s3://b/%0A.jsonl"})
  void otherUnusualNamesAreAddressable(String path) {
    assertThat(IngestibleFileNames.isAddressable(path), is(true));
  }

  @Test
  void aPrintablePathHasItsControlCharactersEscapedOnOneLine() {
    assertThat(IngestibleFileNames.printable("s3://b/a\nb\u2028c\td\u00e9.jsonl"),
        is("s3://b/a\\u000ab\\u2028c\\u0009d\u00e9.jsonl"));
  }

  @Test
  void aPatternThatIsNotARegularExpressionIsRefusedWithItsValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> IngestibleFileNames.ignoring("*.tmp"));

    assertThat(e.getMessage(), is("ignored file names must be a regular expression, but was"
        + " '*.tmp': Dangling meta character '*' at index 0"));
  }

  @Test
  void itSurvivesJavaSerializationAsADoFnFieldDoes() throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(IngestibleFileNames.ignoring(".*\\.part"));
    }
    IngestibleFileNames copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (IngestibleFileNames) in.readObject();
    }

    assertThat(copy.isIngested("a.part"), is(false));
    assertThat(copy.isIngested("a.jsonl"), is(true));
  }
}
