package dev.fieldflow.io.visits;

import dev.fieldflow.io.db.DatabaseConfig;
import dev.fieldflow.io.write.BatchSettings;
import dev.fieldflow.transforms.RejectedLineCoder;
import dev.fieldflow.transforms.VisitCoder;
import java.time.Duration;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Ingests claimed visit files, each exactly once in effect.
 *
 * <p>In: files taken from the ledger ({@link ClaimVisitFiles}). Each is read and parsed; its
 * visits are staged and its rejected lines quarantined in batches; when every line of the file
 * is written, one transaction merges it into the model and marks it done. Out: one summary per
 * committed file.
 *
 * <pre>
 * files ─► SpreadFiles ─► ReadVisitFiles ─┬─ visits ──► StageVisits ──────┐
 *                                         ├─ rejects ─► QuarantineRejects ┼─► TrackFileCompletion ─► CommitFiles
 *                                         └─ totals ──────────────────────┘
 * </pre>
 *
 * <p>Counters (namespace of this class): files_read, files_unreadable, files_done,
 * files_failed, lines_read, visits_parsed, rejected_&lt;code&gt;, visits_staged(_batches),
 * rejects_stored(_batches), rows_loaded, updates, duplicates, rejected; {@code db_retries} of
 * {@link RetryingDatabase} (claims and commits); and JdbcIO's own batch metrics.
 */
public final class IngestVisitFiles
    extends PTransform<PCollection<VisitFile>, PCollection<VisitMerge.Summary>> {
  private final DatabaseConfig db;
  private final BatchSettings batching;
  private final Duration outageTolerance;
  private final Duration retryDelay;

  /**
   * @param outageTolerance how long claims and commits keep retrying while PostgreSQL is
   *     unreachable before the pipeline fails (a batch write fails its bundle at once: see
   *     {@link WriteInBatches})
   * @param retryDelay how long a failed file waits before its first retry (doubling after)
   */
  public IngestVisitFiles(
      DatabaseConfig db, BatchSettings batching, Duration outageTolerance, Duration retryDelay) {
    this.db = db;
    this.batching = batching;
    this.outageTolerance = outageTolerance;
    this.retryDelay = retryDelay;
  }

  @Override
  public PCollection<VisitMerge.Summary> expand(PCollection<VisitFile> files) {
    PCollectionTuple read =
        files
            // A poll takes many files at once: spread them over the workers.
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply("ReadVisitFiles",
                ParDo.of(new ReadVisitFileFn())
                    .withOutputTags(ReadVisitFileFn.VISITS,
                        TupleTagList.of(ReadVisitFileFn.REJECTS).and(ReadVisitFileFn.PROGRESS)));

    PCollection<FileProgress> staged =
        read.get(ReadVisitFileFn.VISITS)
            .setCoder(FileLine.LineCoder.of(VisitCoder.of()))
            .apply("StageVisits",
                new WriteInBatches<>(new VisitStagingStatement(), FileProgress.Kind.STAGED, db,
                    batching));
    PCollection<FileProgress> quarantined =
        read.get(ReadVisitFileFn.REJECTS)
            .setCoder(FileLine.LineCoder.of(RejectedLineCoder.of()))
            .apply("QuarantineRejects",
                new WriteInBatches<>(new QuarantineStatement(), FileProgress.Kind.QUARANTINED, db,
                    batching));

    return PCollectionList.of(read.get(ReadVisitFileFn.PROGRESS).setCoder(FileProgress.ProgressCoder.of()))
        .and(staged)
        .and(quarantined)
        .apply("AllProgress", Flatten.pCollections())
        .apply("KeyByFile",
            WithKeys.of(FileProgress::fileId).withKeyType(TypeDescriptors.longs()))
        .setCoder(KvCoder.of(VarLongCoder.of(), FileProgress.ProgressCoder.of()))
        .apply("TrackFileCompletion", ParDo.of(new TrackFileCompletion()))
        .setCoder(FileOutcome.OutcomeCoder.of())
        .apply("CommitFiles", ParDo.of(new CommitVisitFileFn(db, outageTolerance, retryDelay)))
        .setCoder(VisitMerge.Summary.SummaryCoder.of());
  }
}
