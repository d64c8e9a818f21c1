package dev.fieldflow.testdata;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeterminismTest {

  private static final Params PARAMS = Params.defaults().withSeed(42).withVisits(2000)
      .withLinesPerFile(300).withQuirks(true).withBadLines(25).withBadNetworkLines(7)
      .withHardCases(HardCases.analystDefaults());

  @TempDir Path first;
  @TempDir Path second;

  @Test
  void sameSeedAndParamsWriteByteIdenticalFiles() throws IOException {
    Dataset.generate(PARAMS).writeTo(first);
    Dataset.generate(PARAMS).writeTo(second);

    for (String path : Dataset.generate(PARAMS).filePaths()) {
      assertThat(path, Files.readAllBytes(second.resolve(path)),
          equalTo(Files.readAllBytes(first.resolve(path))));
    }
  }

  @Test
  void differentSeedWritesDifferentFiles() throws IOException {
    Dataset.generate(PARAMS).writeTo(first);
    Dataset.generate(PARAMS.withSeed(43)).writeTo(second);

    assertThat(Files.readAllBytes(second.resolve("network/network.adjlist")),
        not(equalTo(Files.readAllBytes(first.resolve("network/network.adjlist")))));
    assertThat(Files.readAllBytes(second.resolve("visits/visits-00002.jsonl")),
        not(equalTo(Files.readAllBytes(first.resolve("visits/visits-00002.jsonl")))));
  }

  @Test
  void sameSeedGivesEqualRecordsInMemory() {
    Dataset a = Dataset.generate(PARAMS);
    Dataset b = Dataset.generate(PARAMS);

    assertThat(b.visits(), equalTo(a.visits()));
    assertThat(b.network().edges(), equalTo(a.network().edges()));
    assertThat(b.manifest(), equalTo(a.manifest()));
  }

  @Test
  void askingForMoreVisitsKeepsTheNetwork() {
    Dataset few = Dataset.generate(PARAMS);
    Dataset many = Dataset.generate(PARAMS.withVisits(3000));

    assertThat(many.network().edges(), equalTo(few.network().edges()));
    assertThat(many.visits().size(), is(few.visits().size() + 1000));
  }
}
