package dev.fieldflow.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.LocalDate;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordCodersTest {

  static final Visit VISIT = new Visit(4167, 2, 487, LocalDate.of(2019, 10, 3),
      LocalDate.of(2019, 9, 16), 23, 2, 6, 4, new int[] {196, 195, 150, 131, 6, 206, 53},
      Outcome.SUCCESS, "visits-003.jsonl", 17);

  /** Each coder with two equal but distinct values and a different one. */
  static Stream<Arguments> coders() {
    return Stream.of(
        arguments(SourceLineCoder.of(), SourceLine.class,
            new SourceLine("visits-003.jsonl", 17, "{\"task_id\": \"TASK1\"}"),
            new SourceLine("visits-003.jsonl", 17, "{\"task_id\": \"TASK1\"}"),
            new SourceLine("visits-003.jsonl", 18, "")),
        arguments(VisitCoder.of(), Visit.class,
            VISIT,
            new Visit(4167, 2, 487, LocalDate.of(2019, 10, 3), LocalDate.of(2019, 9, 16), 23, 2,
                6, 4, new int[] {196, 195, 150, 131, 6, 206, 53}, Outcome.SUCCESS,
                "visits-003.jsonl", 17),
            new Visit(Long.MAX_VALUE, Integer.MAX_VALUE, 0, LocalDate.of(-5, 1, 1),
                LocalDate.of(9999, 12, 31), 0, 0, 0, 0, new int[0], Outcome.FAIL, "", 0)),
        arguments(AdjacencyLineCoder.of(), AdjacencyLine.class,
            new AdjacencyLine("network/adjacency.txt", 3, 1, new int[] {3, 5, 8}),
            new AdjacencyLine("network/adjacency.txt", 3, 1, new int[] {3, 5, 8}),
            new AdjacencyLine("network/adjacency.txt", 4, 7, new int[0])),
        arguments(RejectedLineCoder.of(), RejectedLine.class,
            new RejectedLine("visits-003.jsonl", 17, "{\"visit_date\": \"2020-13-45\"}", 30,
                RejectReason.BAD_DATE, "visit_date '2020-13-45' is not a calendar date"),
            new RejectedLine("visits-003.jsonl", 17, "{\"visit_date\": \"2020-13-45\"}", 30,
                RejectReason.BAD_DATE, "visit_date '2020-13-45' is not a calendar date"),
            new RejectedLine("network/adjacency.txt", 9, "NODE1 x", 7,
                RejectReason.CONFLICTING_FIELD, "")));
  }

  @ParameterizedTest
  @MethodSource("coders")
  <T> void decodingAnEncodedValueGivesItBack(Coder<T> coder, Class<T> type, T value,
      T equalValue, T otherValue) throws Exception {
    CoderProperties.coderDecodeEncodeEqual(coder, value);
    CoderProperties.coderDecodeEncodeEqual(coder, otherValue);
  }

  @ParameterizedTest
  @MethodSource("coders")
  <T> void equalValuesEncodeToEqualBytes(Coder<T> coder, Class<T> type, T value, T equalValue,
      T otherValue) throws Exception {
    CoderProperties.coderDeterministic(coder, value, equalValue);
    CoderProperties.coderConsistentWithEquals(coder, value, equalValue);
    CoderProperties.coderConsistentWithEquals(coder, value, otherValue);
  }

  @ParameterizedTest
  @MethodSource("coders")
  <T> void structuralValueAgreesWithEquals(Coder<T> coder, Class<T> type, T value,
      T equalValue, T otherValue) throws Exception {
    CoderProperties.structuralValueDecodeEncodeEqual(coder, value);
    CoderProperties.structuralValueConsistentWithEquals(coder, value, equalValue);
    CoderProperties.structuralValueConsistentWithEquals(coder, value, otherValue);
  }

  @ParameterizedTest
  @MethodSource("coders")
  <T> void coderIsDeterministicSoItCanEncodeKeys(Coder<T> coder, Class<T> type, T value,
      T equalValue, T otherValue) throws Exception {
    coder.verifyDeterministic(); // throws NonDeterministicException otherwise
  }

  @ParameterizedTest
  @MethodSource("coders")
  <T> void coderSurvivesJavaSerializationAsPartOfAPipeline(Coder<T> coder, Class<T> type,
      T value, T equalValue, T otherValue) {
    CoderProperties.coderSerializable(coder);
  }

  @ParameterizedTest
  @MethodSource("coders")
  <T> void coderIsTheRecordsDefaultCoder(Coder<T> coder, Class<T> type, T value,
      T equalValue, T otherValue) throws Exception {
    assertThat(CoderRegistry.createDefault().getCoder(type), instanceOf(coder.getClass()));
  }

  @Test
  void contractExampleVisitEncodesInFortySevenBytes() throws Exception {
    // 2+1+2 ids, 3+3 dates, 1+1+1+1 small ints, 1+12 note, 1 outcome, 1+16 file, 1 line
    assertThat(CoderUtils.encodeToByteArray(VisitCoder.of(), VISIT).length, is(47));
  }

  @Test
  void adjacencyLineWireFormatIsFileLineNodeThenCountedNeighbours() throws Exception {
    byte[] bytes = CoderUtils.encodeToByteArray(AdjacencyLineCoder.of(),
        new AdjacencyLine("f", 2, 3, new int[] {4, 300}));
    // "f" as length 1 + 0x66; line 2; node 3; two neighbours: 4, 300 (varint ac 02)
    assertThat(HexFormat.of().formatHex(bytes), is("016602030204ac02"));
  }

  @Test
  void visitDatesAreEncodedAsEpochDays() throws Exception {
    assertThat(HexFormat.of().formatHex(
        CoderUtils.encodeToByteArray(EpochDayCoder.of(), LocalDate.of(1970, 1, 2))), is("01"));
  }
}
