package dev.fieldflow.ingest.notifications;

import dev.fieldflow.ingest.visits.LedgerClaims;
import dev.fieldflow.ingest.visits.RetryingDatabase;
import dev.fieldflow.ingest.visits.VisitFile;
import dev.fieldflow.ingest.visits.VisitLedger;
import dev.fieldflow.io.files.IngestibleFileNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The visit files S3 event notifications announce, taken from the ledger. Out: the file versions
 * that need work, each {@code running} for this run, as {@link
 * dev.fieldflow.ingest.visits.ClaimVisitFiles} gives them.
 *
 * <p>Every second a tick long-polls the queue (up to 10 messages, draining a burst). For each
 * batch of messages, in this order: parse ({@link S3EventMessage}); look at each announced
 * object that is under the input (a HEAD: its version now, or that it is gone); claim those
 * versions in the ledger and commit; emit the files taken; only then delete the messages. So a
 * message is never deleted before its file is durably in the ledger, whatever the runner and
 * its checkpoints, and a crash anywhere before the delete only brings the message back, which
 * the ledger then answers with "seen already". Beam's {@code SqsIO} deletes when a checkpoint is
 * finalized instead, which on the DirectRunner follows its own output bundle, not this claim:
 * see docs/INGESTING-VISITS.md.
 *
 * <p>A message is left in the queue (for its dead-letter redrive) when it cannot be
 * understood, logged and counted on its first receive only, or when an object could not be
 * looked at (S3 unreachable: it is tried again when the message comes back). While S3 cannot
 * be looked at, no message is received at all: every receive counts toward the queue's
 * dead-letter redrive, so an outage longer than the visibility timeout times its {@code
 * maxReceiveCount} would otherwise send valid notifications there. The object that could not
 * be looked at is looked at again, backing off from one second to a minute, and receiving
 * resumes when S3 answers. Everything else is
 * deleted once handled: test events, removals, keys outside the input or with ignored names
 * (counted), objects that are gone (counted), and files the ledger has already.
 */
public final class ReadS3Notifications extends PTransform<PBegin, PCollection<VisitFile>> {
  private static final Duration TICK = Duration.standardSeconds(1);

  private final String queueUrl;
  private final InputPattern input;
  private final LedgerClaims claims;

  private ReadS3Notifications(String queueUrl, InputPattern input, LedgerClaims claims) {
    this.queueUrl = queueUrl;
    this.input = input;
    this.claims = claims;
  }

  /** Files of {@code input} announced on queue {@code queueUrl}, claimed as {@code claims} says. */
  public static ReadS3Notifications from(String queueUrl, InputPattern input, LedgerClaims claims) {
    NotificationQueue.endpoint(queueUrl);
    return new ReadS3Notifications(queueUrl, input, claims);
  }

  @Override
  public PCollection<VisitFile> expand(PBegin begin) {
    return begin
        .apply("EverySecond", PeriodicImpulse.create().withInterval(TICK))
        .apply("ReceiveAndClaim", ParDo.of(new ReceiveAndClaimFn(queueUrl, input, claims)));
  }

  /** Counters of what notifications brought, for the runner's metrics and the tests. */
  public static final class Counters {
    public static final String NAMESPACE = ReadS3Notifications.class.getName();
    public static final String MESSAGES = "notification_messages";
    public static final String UNREADABLE = "notification_messages_unreadable";
    public static final String TEST_EVENTS = "notification_test_events";
    public static final String OUTSIDE_INPUT = "notification_keys_outside_input";
    public static final String IGNORED_NAMES = "notification_keys_ignored_names";
    /** Keys with a line break, which Beam cannot address: warned about, never claimed. */
    public static final String UNADDRESSABLE = "notification_keys_unaddressable";
    public static final String GONE = "notification_objects_gone";
    public static final String CLAIMED = "notification_files_claimed";
    public static final String DELETED = "notification_messages_deleted";

    private Counters() {}
  }

  static final class ReceiveAndClaimFn extends DoFn<Instant, VisitFile> {
    private static final Logger LOG = LoggerFactory.getLogger(ReadS3Notifications.class);
    /** A tick this far behind is catching up: poll without waiting. */
    private static final long LATE_MILLIS = 2 * TICK.getMillis();
    /** One tick drains a burst for at most this long, so checkpoints are not held back. */
    private static final long DRAIN_MILLIS = 3_000;
    /** How often the counts so far are logged, when they changed (the runner's metrics aside). */
    private static final long SUMMARY_MILLIS = 60_000;
    /** The longest wait between two looks at S3 while it does not answer. */
    private static final long MAX_S3_BACKOFF_MILLIS = 60_000;

    private final String queueUrl;
    private final InputPattern input;
    private final LedgerClaims claims;
    private final Counter messages = counter(Counters.MESSAGES);
    private final Counter unreadable = counter(Counters.UNREADABLE);
    private final Counter testEvents = counter(Counters.TEST_EVENTS);
    private final Counter outside = counter(Counters.OUTSIDE_INPUT);
    private final Counter ignoredNames = counter(Counters.IGNORED_NAMES);
    private final Counter unaddressable = counter(Counters.UNADDRESSABLE);
    private final Counter gone = counter(Counters.GONE);
    private final Counter claimed = counter(Counters.CLAIMED);
    private final Counter deleted = counter(Counters.DELETED);
    private transient NotificationQueue queue;
    private transient RetryingDatabase database;
    /**
     * This reader's counts so far, by counter name: logged every minute they change, since a
     * DirectRunner's Beam counters show nowhere an operator looks.
     */
    private transient Map<String, Long> tally;
    private transient long lastSummaryMillis;
    private transient boolean tallyChanged;
    /** While S3 does not answer: an object to look at before receiving again; else null. */
    private transient String s3Probe;
    private transient long s3DownSinceMillis;
    private transient long s3BackoffMillis;
    private transient long nextS3LookMillis;

    ReceiveAndClaimFn(String queueUrl, InputPattern input, LedgerClaims claims) {
      this.queueUrl = queueUrl;
      this.input = input;
      this.claims = claims;
    }

    private static Counter counter(String name) {
      return Metrics.counter(Counters.NAMESPACE, name);
    }

    @Setup
    public void setup() {
      database = claims.open();
    }

    @StartBundle
    public void startBundle(StartBundleContext context) {
      if (queue == null) {
        queue = NotificationQueue.open(queueUrl, context.getPipelineOptions().as(AwsOptions.class));
      }
    }

    @ProcessElement
    public void process(@Element Instant tick, OutputReceiver<VisitFile> out) throws Exception {
      long started = System.currentTimeMillis();
      summarize(started);
      if (s3Probe != null && !s3AnswersAgain(started)) {
        return;
      }
      boolean late = tick.getMillis() < started - LATE_MILLIS;
      List<Message> batch;
      try {
        batch = queue.receive(late ? 0 : (int) TICK.getStandardSeconds());
      } catch (software.amazon.awssdk.core.exception.SdkException e) {
        // SQS unreachable for a while: nothing is lost (messages wait in the queue); next tick.
        LOG.warn("cannot receive from {}: {}; trying again in a second", queueUrl, e.getMessage());
        return;
      }
      while (!batch.isEmpty()) {
        handle(batch, out);
        if (s3Probe != null || batch.size() < NotificationQueue.MAX_MESSAGES
            || System.currentTimeMillis() - started > DRAIN_MILLIS) {
          break;
        }
        try {
          batch = queue.receive(0);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
          LOG.warn("cannot receive from {}: {}; trying again in a second", queueUrl, e.getMessage());
          return;
        }
      }
    }

    /** Parse, look at, claim and commit, emit, then delete: the order is the guarantee. */
    private void handle(List<Message> batch, OutputReceiver<VisitFile> out)
        throws IOException, java.sql.SQLException {
      count(messages, Counters.MESSAGES, batch.size());
      List<Message> done = new ArrayList<>();
      List<Message> kept = new ArrayList<>();
      Map<String, String> sightingByPath = new LinkedHashMap<>();
      Map<String, List<Message>> messagesByPath = new LinkedHashMap<>();
      for (Message m : batch) {
        S3EventMessage parsed = S3EventMessage.parse(m.body());
        if (parsed instanceof S3EventMessage.Unreadable u) {
          if (firstReceive(m)) {
            count(unreadable, Counters.UNREADABLE, 1);
            LOG.warn("SQS message {} on {} is not an S3 event notification ({}); left in the"
                + " queue for its dead-letter redrive. Body starts: {}", m.messageId(), queueUrl,
                u.reason(), excerpt(m.body()));
          } else {
            LOG.debug("SQS message {} received again, still unreadable", m.messageId());
          }
        } else if (parsed instanceof S3EventMessage.TestEvent) {
          count(testEvents, Counters.TEST_EVENTS, 1);
          done.add(m);
        } else if (parsed instanceof S3EventMessage.ObjectsCreated created) {
          if (!created.unreadableRecords().isEmpty()) {
            // Its readable records are taken below; the message stays for its redrive.
            kept.add(m);
            if (firstReceive(m)) {
              count(unreadable, Counters.UNREADABLE, 1);
              LOG.warn("SQS message {} on {} has records that are not S3 event records ({}); its"
                  + " other records are taken, and it is left in the queue for its dead-letter"
                  + " redrive. Body starts: {}", m.messageId(), queueUrl,
                  String.join("; ", created.unreadableRecords()), excerpt(m.body()));
            }
          }
          boolean wanted = false;
          for (S3EventMessage.CreatedObject o : created.objects()) {
            String path = o.uri();
            if (!input.covers(path)) {
              count(outside, Counters.OUTSIDE_INPUT, 1);
            } else if (!input.ingests(path)) {
              count(ignoredNames, Counters.IGNORED_NAMES, 1);
            } else if (!IngestibleFileNames.isAddressable(path)) {
              count(unaddressable, Counters.UNADDRESSABLE, 1);
              LOG.warn("announced: {}", IngestibleFileNames.unaddressable(path));
            } else {
              wanted = true;
              sightingByPath.putIfAbsent(path, m.messageId());
              messagesByPath.computeIfAbsent(path, p -> new ArrayList<>()).add(m);
            }
          }
          if (!wanted && !kept.contains(m)) {
            done.add(m);
          }
        } else {
          done.add(m); // removals and other events: nothing to ingest
        }
      }
      // One HEAD per object: its version now (a redelivered, duplicate or out-of-order message
      // finds the latest version, which the ledger may have already), or that it is gone.
      List<String> paths = new ArrayList<>(sightingByPath.keySet());
      List<VisitLedger.Claim> toClaim = new ArrayList<>();
      List<Message> unresolved = new ArrayList<>();
      if (!paths.isEmpty()) {
        List<MatchResult> looked;
        try {
          looked = FileSystems.match(paths);
        } catch (IOException | RuntimeException e) {
          // Nothing is claimed or deleted: the messages come back after the visibility timeout,
          // and a message that never resolves ends in the dead-letter queue, not in a crash.
          boolean answered = s3Answered(e);
          LOG.warn("cannot look at {} announced object(s) ({}); their messages come back after the"
              + " queue's visibility timeout{}", paths.size(), e.toString(),
              answered ? "" : ", and no message is received until S3 answers again");
          if (!answered) {
            s3DoesNotAnswer(paths.get(0));
          }
          return;
        }
        for (int i = 0; i < paths.size(); i++) {
          String path = paths.get(i);
          MatchResult r = looked.get(i);
          MatchResult.Metadata found = null;
          if (r.status() == MatchResult.Status.OK) {
            for (MatchResult.Metadata m : r.metadata()) {
              if (m.resourceId().toString().equals(path)) {
                found = m;
              }
            }
          }
          if (found != null) {
            toClaim.add(claims.claim(sightingByPath.get(path), LedgerClaims.listedBySizeAndTime(found)));
          } else if (r.status() == MatchResult.Status.OK || r.status() == MatchResult.Status.NOT_FOUND) {
            count(gone, Counters.GONE, 1);
            LOG.info("{} was announced but is gone; nothing to ingest", path);
          } else {
            unresolved.addAll(messagesByPath.get(path));
            IOException error = errorOf(r);
            boolean answered = s3Answered(error);
            LOG.warn("cannot look at {} ({}); its message comes back after the queue's visibility"
                + " timeout and it is tried again{}", path, error,
                answered ? "" : "; no message is received until S3 answers again");
            if (!answered) {
              s3DoesNotAnswer(path);
            }
          }
        }
      }
      List<VisitFile> taken = claims.take(database, toClaim);
      count(claimed, Counters.CLAIMED, taken.size());
      for (VisitFile f : taken) {
        out.output(f);
      }
      // Now every announced file is in the ledger (committed): its message may go.
      for (Message m : batch) {
        if (messagesByPath.values().stream().anyMatch(l -> l.contains(m)) && !unresolved.contains(m)
            && !done.contains(m) && !kept.contains(m)) {
          done.add(m);
        }
      }
      int refused;
      try {
        refused = queue.delete(done);
      } catch (software.amazon.awssdk.core.exception.SdkException e) {
        // The files are in the ledger: the messages come back and are answered "seen already".
        LOG.warn("cannot delete {} handled message(s) from {}: {}; they return after the"
            + " visibility timeout and change nothing", done.size(), queueUrl, e.getMessage());
        return;
      }
      count(deleted, Counters.DELETED, done.size() - refused);
      if (refused > 0) {
        LOG.info("{} message(s) could not be deleted (received again meanwhile); the ledger"
            + " answers their next delivery", refused);
      }
    }

    private void count(Counter counter, String name, long n) {
      counter.inc(n);
      if (n != 0) {
        if (tally == null) {
          tally = new LinkedHashMap<>();
          lastSummaryMillis = System.currentTimeMillis();
        }
        tally.merge(name, n, Long::sum);
        tallyChanged = true;
      }
    }

    /** Logs the counts so far once a minute, if they changed since the last time. */
    private void summarize(long now) {
      if (!tallyChanged || now - lastSummaryMillis < SUMMARY_MILLIS) {
        return;
      }
      LOG.info("notifications on {} since this reader started: {}", queueUrl,
          tally.entrySet().stream().map(e -> e.getKey().replace("notification_", "") + " "
              + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
      lastSummaryMillis = now;
      tallyChanged = false;
    }

    private void s3DoesNotAnswer(String path) {
      long now = System.currentTimeMillis();
      if (s3Probe == null) {
        s3DownSinceMillis = now;
      }
      s3Probe = path;
      s3BackoffMillis = TICK.getMillis();
      nextS3LookMillis = now + s3BackoffMillis;
    }

    /** Looks at {@link #s3Probe} when its time has come; true once S3 answers. */
    private boolean s3AnswersAgain(long now) {
      if (now < nextS3LookMillis) {
        return false;
      }
      boolean answers;
      try {
        MatchResult looked = FileSystems.match(List.of(s3Probe)).get(0);
        answers = looked.status() != MatchResult.Status.ERROR || s3Answered(errorOf(looked));
      } catch (IOException | RuntimeException e) {
        answers = s3Answered(e);
      }
      if (!answers) {
        s3BackoffMillis = Math.min(MAX_S3_BACKOFF_MILLIS, 2 * s3BackoffMillis);
        nextS3LookMillis = now + s3BackoffMillis;
        LOG.debug("S3 does not answer yet for {}; looking again in {} ms", s3Probe, s3BackoffMillis);
        return false;
      }
      LOG.info("S3 answers again ({} looked at, {} s after it did not); receiving notifications"
          + " again", s3Probe, (now - s3DownSinceMillis) / 1000);
      s3Probe = null;
      return true;
    }

    /** The error of a look that failed, as Beam keeps it in the result. */
    private static IOException errorOf(MatchResult failed) {
      try {
        failed.metadata();
        return new IOException("status " + failed.status());
      } catch (IOException e) {
        return e;
      }
    }

    /**
     * True when S3 answered the failed look with an error of its own (access denied, a bad
     * request): that object's problem, whose message goes to the dead-letter queue as before.
     * False when no answer came (connection refused, a timeout): S3 is down for every object.
     */
    static boolean s3Answered(Throwable failure) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof software.amazon.awssdk.core.exception.SdkServiceException) {
          return true;
        }
      }
      return false;
    }

    private static boolean firstReceive(Message m) {
      String count = m.attributesAsStrings().get("ApproximateReceiveCount");
      return count == null || count.equals("1");
    }

    private static String excerpt(String body) {
      String oneLine = body == null ? "" : body.replaceAll("\\s+", " ");
      return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }

    @Teardown
    public void teardown() {
      if (queue != null) {
        queue.close();
      }
      if (database != null) {
        database.close();
      }
    }
  }
}
