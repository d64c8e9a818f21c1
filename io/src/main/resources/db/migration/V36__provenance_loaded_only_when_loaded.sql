-- file_provenance gave a file version that failed, and never loaded, a first_loaded_at and a
-- last_loaded_at: the time of its failure (finished_at is when any attempt ended). Both are now
-- those of committed reads only: a failed or running version that no read committed has none;
-- a version replayed after a committed load keeps the load's time as its first (a replay that
-- fails restores the ledger row as it was, so a done row stays done).

CREATE OR REPLACE VIEW analytics.file_provenance AS
  SELECT f.path, f.version, f.status,
         CASE WHEN f.status = 'done' OR r.first_finished_at IS NOT NULL
              THEN coalesce(r.first_finished_at, f.finished_at) END AS first_loaded_at,
         CASE WHEN f.status = 'done' THEN f.finished_at END AS last_loaded_at,
         f.lines_read, f.rows_loaded, f.updates, f.duplicates, f.rejected,
         coalesce(q.readmitted, 0) AS readmitted,
         f.replays,
         r.last_replayed_at,
         f.rows_loaded + coalesce(r.previous_rows_loaded, 0) AS rows_loaded_all_reads,
         f.updates + coalesce(r.previous_updates, 0) AS updates_all_reads
  FROM fieldflow.ingest_files f
  LEFT JOIN LATERAL (
    SELECT min(x.previous_finished_at) AS first_finished_at, max(x.replayed_at) AS last_replayed_at,
           sum(x.previous_rows_loaded)::bigint AS previous_rows_loaded,
           sum(x.previous_updates)::bigint AS previous_updates
    FROM fieldflow.file_replays x WHERE x.file_id = f.file_id) r ON f.replays > 0
  LEFT JOIN LATERAL (
    SELECT count(*) AS readmitted FROM fieldflow.rejected_records x
    WHERE x.pipeline = f.pipeline AND x.file = f.path AND x.file_version = f.version
      AND x.readmitted_how IN ('requeue', 'replay')) q ON true
  WHERE f.pipeline = 'visit';

COMMENT ON VIEW analytics.file_provenance IS
  'What each visit file version contributed. lines_read .. rejected: its latest complete read (the load, or the last replay), with re-admitted lines moved from rejected to loaded, updates or duplicates; readmitted: its quarantined lines admitted since; rows_loaded_all_reads and updates_all_reads: summed over the load and every replay; first_loaded_at: the first read that committed, last_loaded_at: the last (both null for a version no read committed: failed or running).';
