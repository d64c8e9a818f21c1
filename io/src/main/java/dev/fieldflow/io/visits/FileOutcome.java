package dev.fieldflow.io.visits;

import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;

/**
 * An attempt at a file that has nothing left in flight: either every line it read is staged or
 * quarantined ({@code error} null) and the file can be committed, or it failed with {@code
 * error}.
 */
@DefaultCoder(SerializableCoder.class)
public record FileOutcome(VisitFile file, long visits, long rejects, String error)
    implements Serializable {

  public static FileOutcome complete(VisitFile file, long visits, long rejects) {
    return new FileOutcome(file, visits, rejects, null);
  }

  public static FileOutcome failed(VisitFile file, String error) {
    return new FileOutcome(file, 0, 0, error);
  }

  public boolean isComplete() {
    return error == null;
  }
}
