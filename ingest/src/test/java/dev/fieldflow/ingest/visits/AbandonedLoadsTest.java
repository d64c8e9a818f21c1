package dev.fieldflow.ingest.visits;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PeriodicImpulse;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads of a live run that nobody holds: {@link VisitLedger#unheldLoads} finds them on a real
 * ledger (not a load holding its row, not a file still queued, not another run's), {@link
 * AbandonedLoads} calls one abandoned only when two looks a grace apart see it unchanged, {@link
 * VisitLedger#takeOver} takes it as a new attempt counted as a reader death, and the ledger
 * check ({@link ReclaimVisitFiles}) does all of it long before the claim lease.
 */
@ExtendWith(TestPipelineExtension.class)
class AbandonedLoadsTest {
  @RegisterExtension static final EmbeddedPostgresExtension POSTGRES = new EmbeddedPostgresExtension();

  private static final Duration LEASE = Duration.ofMinutes(10);

  @TempDir Path dir;

  @BeforeEach
  void emptyLedger() {
    POSTGRES.execute("DELETE FROM fieldflow.ingest_files");
  }

  private VisitFile claim(UUID run, String name) throws Exception {
    Path file = Files.writeString(dir.resolve(name), VisitLedgerLeaseTest.tenVisits());
    VisitLedger.Listed listed = ClaimVisitFiles.listed(FileSystems.matchSingleFileSpec(file.toString()));
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      return VisitLedger.claim(c, run, List.of(new VisitLedger.Claim(listed, UUID.randomUUID())),
          false, LEASE).get(0);
    }
  }

  /** Marks {@code file}'s load started, as a loader does, in a session that then ends. */
  private static void startThenDie(VisitFile file) throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      VisitLedger.markLoadStarted(c, file);
    }
  }

  /** A live load: its session holds the ledger row, as {@code VisitFileLoad} does until commit. */
  private static Connection holding(VisitFile file) throws Exception {
    Connection c = POSTGRES.writer().dataSource().getConnection();
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT 1 FROM fieldflow.ingest_files WHERE file_id = ? FOR UPDATE")) {
      ps.setLong(1, file.fileId());
      ps.executeQuery().close();
    }
    return c;
  }

  private static List<VisitLedger.UnheldLoad> unheld(UUID run) throws Exception {
    try (Connection c = POSTGRES.writer().dataSource().getConnection()) {
      return VisitLedger.unheldLoads(c, run, 100);
    }
  }

  @Test
  void onlyAStartedLoadOfThisRunThatNoSessionHoldsIsUnheld() throws Exception {
    UUID run = UUID.randomUUID();
    VisitFile dead = claim(run, "dead.jsonl");
    VisitFile live = claim(run, "live.jsonl");
    VisitFile queued = claim(run, "queued.jsonl");
    UUID other = UUID.randomUUID();
    VisitFile othersDead = claim(other, "others.jsonl");
    startThenDie(dead);
    startThenDie(othersDead);
    startThenDie(live);
    try (Connection load = holding(live)) {
      List<VisitLedger.UnheldLoad> found = unheld(run);
      assertThat(found.stream().map(VisitLedger.UnheldLoad::fileId).toList(), contains(dead.fileId()));
      assertThat(found.get(0).attempt(), is(1));
      load.rollback();
    }
    assertThat("the live load's transaction ended without a commit: unheld now",
        unheld(run).stream().map(VisitLedger.UnheldLoad::fileId).toList(),
        contains(dead.fileId(), live.fileId()));
  }

  @Test
  void aLoadIsAbandonedOnlyWhenTwoLooksAGraceApartSeeItUnheldAndUnchanged() {
    AbandonedLoads loads = new AbandonedLoads(Duration.ofSeconds(30));
    long s = 1_000_000_000L;
    VisitLedger.UnheldLoad a = new VisitLedger.UnheldLoad(1, 1, Instant.parse("2026-12-02T10:00:00Z"));
    VisitLedger.UnheldLoad b = new VisitLedger.UnheldLoad(2, 1, Instant.parse("2026-12-02T10:00:00Z"));
    assertThat(loads.look(List.of(a, b), 0), is(empty()));
    assertThat(loads.look(List.of(a, b), 29 * s), is(empty()));
    // b was held in between, and is unheld again: a new first sighting.
    assertThat(loads.look(List.of(a), 29 * s + 1), is(empty()));
    assertThat(loads.look(List.of(a, b), 30 * s), contains(a));
    // a's load started again (a retry marks its start): seen anew, not abandoned.
    VisitLedger.UnheldLoad aRetried = new VisitLedger.UnheldLoad(1, 1, Instant.parse("2026-12-02T10:00:31Z"));
    assertThat(loads.look(List.of(aRetried, b), 31 * s), is(empty()));
    assertThat(loads.look(List.of(aRetried, b), 59 * s), is(empty()));
    assertThat(loads.look(List.of(aRetried, b), 60 * s), contains(b));
    loads.forget(List.of(b));
    assertThat(loads.look(List.of(aRetried), 61 * s), contains(aRetried));
  }

  @Test
  void takingOverAnAbandonedLoadIsANewAttemptAndAReaderDeathUnlessItChangedOrIsHeld() throws Exception {
    UUID run = UUID.randomUUID();
    VisitFile dead = claim(run, "dead.jsonl");
    VisitFile restarted = claim(run, "restarted.jsonl");
    VisitFile held = claim(run, "held.jsonl");
    startThenDie(dead);
    startThenDie(restarted);
    startThenDie(held);
    List<VisitLedger.UnheldLoad> seen = unheld(run);
    assertThat(seen.size(), is(3));
    Thread.sleep(5); // started_at is now(): a start marked again is a later instant
    startThenDie(restarted);
    List<VisitFile> taken;
    try (Connection load = holding(held);
        Connection c = POSTGRES.writer().dataSource().getConnection()) {
      taken = VisitLedger.takeOver(c, run, seen);
      load.rollback();
    }
    assertThat(taken, equalTo(List.of(new VisitFile(dead.fileId(), 2, dead.path(), dead.version()))));
    assertThat(POSTGRES.rows("SELECT path, status, attempts, reader_deaths FROM fieldflow.ingest_files"
            + " ORDER BY file_id"),
        equalTo(List.of(
            List.of(dead.path(), "running", 2, 1),
            List.of(restarted.path(), "running", 1, 0),
            List.of(held.path(), "running", 1, 0))));
  }

  @Test
  void theLedgerCheckTakesOverAnAbandonedLoadLongBeforeTheLease(TestPipeline p) throws Exception {
    UUID run = UUID.randomUUID();
    VisitFile dead = claim(run, "dead.jsonl");
    claim(run, "queued.jsonl");
    startThenDie(dead);
    // Ticks every 250 ms for 8 s: a runner that starts late emits the ticks it missed at once,
    // and those after still span more than the grace.
    org.joda.time.Instant now = org.joda.time.Instant.now();

    PCollection<String> taken = p
        .apply(PeriodicImpulse.create().startAt(now).stopAt(now.plus(org.joda.time.Duration.millis(8_000)))
            .withInterval(org.joda.time.Duration.millis(250)))
        .apply(ReclaimVisitFiles.forRun(new LedgerClaims(run, POSTGRES.writer(), Duration.ofSeconds(30),
            LEASE, Duration.ofSeconds(1))))
        .apply(MapElements.into(TypeDescriptors.strings()).via(f -> f.path() + " #" + f.attempt()));
    PAssert.that(taken).containsInAnyOrder(dead.path() + " #2");
    PipelineResult result = p.run();
    result.waitUntilFinish();

    assertThat(ReclaimVisitFilesTest.counter(result, "loads_abandoned"), is(1L));
    assertThat(POSTGRES.rows("SELECT path, attempts, reader_deaths FROM fieldflow.ingest_files ORDER BY file_id"),
        equalTo(List.of(List.of(dead.path(), 2, 1), List.of(dir.resolve("queued.jsonl").toString(), 1, 0))));
  }
}
