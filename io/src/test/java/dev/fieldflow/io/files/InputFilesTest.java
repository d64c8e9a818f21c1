package dev.fieldflow.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The network's input, resolved up front: what a snapshot is made of. */
class InputFilesTest {
  private static final String OPTION = "--networkInput or FIELDFLOW_NETWORK";

  @TempDir Path dir;

  @BeforeEach
  void fileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  private List<String> names(String input) throws Exception {
    return InputFiles.matchOrFail(input, OPTION, IngestibleFileNames.defaults()).stream()
        .map(m -> m.resourceId().getFilename()).toList();
  }

  /** An upload in progress (rsync's .NAME.XXXXXX) found beside the network merged into it. */
  @Test
  void aDirectoryMeansItsFilesButNotTheHiddenAndTemporaryOnesAProducerLeaves() throws Exception {
    for (String name : List.of("network-1.adjlist", "network-2.adjlist", ".network.adjlist.Xy12ab",
        "_SUCCESS", "network-3.adjlist.tmp", "line\nbreak.adjlist")) {
      Files.writeString(dir.resolve(name), "1 2\n");
    }

    assertThat(names(dir.toString()), equalTo(List.of("network-1.adjlist", "network-2.adjlist")));
    assertThat(names(dir + "/"), equalTo(List.of("network-1.adjlist", "network-2.adjlist")));
    assertThat(names(dir + "/*"), equalTo(List.of("network-1.adjlist", "network-2.adjlist")));
  }

  @Test
  void onlyHiddenFilesIsNoFileSayingWhatWasLeftOut() throws Exception {
    Files.writeString(dir.resolve(".network.adjlist.part"), "1 2\n");

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> names(dir.toString()));

    assertThat(refused.getMessage(), equalTo("no file matches " + dir + "/* but 1 ignored or"
        + " unaddressable name(s) (" + dir + "/.network.adjlist.part): --ignoreFileNames says"
        + " which names are not read; check " + OPTION));
  }

  @Test
  void theIgnoredNamesAreTheOnesGiven() throws Exception {
    for (String name : List.of("network-1.adjlist", ".network.adjlist", "network.adjlist.bak")) {
      Files.writeString(dir.resolve(name), "1 2\n");
    }

    List<String> read = InputFiles.matchOrFail(dir.toString(), OPTION,
            IngestibleFileNames.ignoring(".*\\.bak")).stream()
        .map(m -> m.resourceId().getFilename())
        .toList();

    assertThat(read, equalTo(List.of(".network.adjlist", "network-1.adjlist")));
  }
}
