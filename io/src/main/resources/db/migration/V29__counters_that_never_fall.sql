-- /metrics exports the ledger's rows and lines as Prometheus counters (fieldflow_*_total), which
-- must never fall: Prometheus reads a fall as a reset, and increase() in an alert jumps. They
-- were sums of the finished files' current counts, which a repair lowers: a requeue moves
-- re-admitted lines from rejected to loaded (fieldflow_lines_rejected_total fell from 14 to 11
-- in a probe), a replay replaces a file's counts with its new read's (rows_loaded falls to 0
-- when every row is a duplicate the second time), and a replay in flight left the sum
-- altogether while its row was running.
--
-- The counters now sum every read: each row's counts whatever its status (a row keeps the
-- counts of its last complete read while a replay reads it again; a row never finished has
-- none), what each replay replaced (file_replays.previous_*, which the monitor may now read),
-- and, for rejected lines, the lines requeue re-admitted (ingest_files.requeued, kept by
-- requeue, filled here from the quarantine's marks). They fall only if ledger rows are deleted
-- (prune --ledger).

ALTER TABLE fieldflow.ingest_files
  ADD COLUMN requeued bigint NOT NULL DEFAULT 0 CHECK (requeued >= 0);
COMMENT ON COLUMN fieldflow.ingest_files.requeued IS
  'Quarantined lines of this file version that manage.sh requeue admitted since (moved from rejected to rows_loaded, updates or duplicates): /metrics counts them as rejected still, so that its rejected counter never falls.';

UPDATE fieldflow.ingest_files f SET requeued = q.lines
FROM (SELECT pipeline, file, file_version, count(*) AS lines
      FROM fieldflow.rejected_records WHERE readmitted_how = 'requeue'
      GROUP BY pipeline, file, file_version) q
WHERE f.pipeline = q.pipeline AND f.path = q.file AND f.version = q.file_version;

GRANT SELECT ON fieldflow.file_replays TO ${monitor_role};
