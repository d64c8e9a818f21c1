package dev.fieldflow.ingest.write;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.GroupIntoBatches;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Groups rows into write batches: each row gets one of {@link BatchSettings#shards()} keys, and
 * {@link GroupIntoBatches} collects rows per key until a batch is full or its oldest row has
 * waited the buffering time; the runner also flushes at bundle and checkpoint boundaries.
 *
 * <p>In: rows. Out: batches, one element each, keyed by shard.
 */
public final class ShardedBatches<T> extends PTransform<PCollection<T>, PCollection<KV<Integer, Iterable<T>>>> {
  private final BatchSettings settings;

  private ShardedBatches(BatchSettings settings) {
    this.settings = settings;
  }

  public static <T> ShardedBatches<T> of(BatchSettings settings) {
    return new ShardedBatches<>(settings);
  }

  @Override
  public PCollection<KV<Integer, Iterable<T>>> expand(PCollection<T> rows) {
    int shards = settings.shards();
    SerializableFunction<T, Integer> shardOf = row -> Math.floorMod(row.hashCode(), shards);
    return rows.apply("KeyByShard", WithKeys.of(shardOf).withKeyType(TypeDescriptors.integers()))
        .setCoder(KvCoder.of(VarIntCoder.of(), rows.getCoder()))
        .apply(
            "GroupIntoBatches",
            GroupIntoBatches.<Integer, T>ofSize(settings.maxRows())
                .withMaxBufferingDuration(settings.maxBuffering()));
  }
}
