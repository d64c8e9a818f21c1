-- A line a producer was still writing when a version of a file was read (its end missing, so
-- not_json; or cut inside a character, bad_encoding) stayed in the quarantine after a newer
-- version of the file loaded it whole: a probe's continuous run over files written in two
-- writes per line left 15 such rows, counted by status as still quarantined. A load now marks
-- them no longer quarantined, readmitted_how = 'superseded' (VisitFileLoad.supersedeCutLines):
-- the earlier versions' not_json and bad_encoding rejects at line numbers the newer version
-- accepted. readmitted_by then names that newer file version.
--
-- file_provenance's readmitted counts the lines a file version's own repair admitted (requeue,
-- replay), not those a newer version superseded.

ALTER TABLE fieldflow.rejected_records
  DROP CONSTRAINT rejected_records_readmission_complete,
  ADD CONSTRAINT rejected_records_readmission_complete CHECK (
    (readmitted_at IS NULL AND readmitted_by IS NULL AND readmitted_how IS NULL)
    OR (readmitted_at IS NOT NULL AND readmitted_by IS NOT NULL
        AND readmitted_how IN ('requeue', 'replay', 'superseded')));
COMMENT ON COLUMN fieldflow.rejected_records.readmitted_how IS
  'requeue: only the quarantined lines of a reason were read again; replay: the whole file was read again; superseded: a newer version of the file accepted a line of that number, which this version had cut (not_json, bad_encoding), readmitted_by naming that version.';

CREATE OR REPLACE VIEW analytics.file_provenance AS
  SELECT f.path, f.version, f.status,
         coalesce(r.first_finished_at, f.finished_at) AS first_loaded_at,
         f.finished_at AS last_loaded_at,
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
