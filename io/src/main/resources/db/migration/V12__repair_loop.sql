-- The repair loop (issue 14): replaying one file version, re-admitting quarantined lines after
-- a fix, and the provenance analysts ask for (docs/INGESTING-VISITS.md, "Repair").

-- ---------------------------------------------------------------------------------------
-- The quarantine remembers what left it: a line re-admitted by `manage.sh requeue` (the lines
-- of a reason read again with a newer parser or wider limits) or by `manage.sh replay` (the
-- whole file read again) stays in rejected_records as evidence, marked with when, how and by
-- which fieldflow version. A later read that rejects the line again clears the mark.
-- ---------------------------------------------------------------------------------------

ALTER TABLE fieldflow.rejected_records
  ADD COLUMN readmitted_at  timestamptz,
  ADD COLUMN readmitted_by  text,
  ADD COLUMN readmitted_how text,
  ADD CONSTRAINT rejected_records_readmission_complete CHECK (
    (readmitted_at IS NULL AND readmitted_by IS NULL AND readmitted_how IS NULL)
    OR (readmitted_at IS NOT NULL AND readmitted_by IS NOT NULL
        AND readmitted_how IN ('requeue', 'replay')));
COMMENT ON COLUMN fieldflow.rejected_records.readmitted_at IS
  'When the line was admitted into the model after all (null: still quarantined).';
COMMENT ON COLUMN fieldflow.rejected_records.readmitted_by IS
  'The fieldflow version that admitted the line, e.g. fieldflow 0.2.0.';
COMMENT ON COLUMN fieldflow.rejected_records.readmitted_how IS
  'requeue: only the quarantined lines of a reason were read again; replay: the whole file was read again.';

-- requeue looks up the quarantined lines of one reason that are still quarantined.
CREATE INDEX rejected_records_quarantined_idx ON fieldflow.rejected_records (reason_code, file)
  WHERE readmitted_at IS NULL;

-- ---------------------------------------------------------------------------------------
-- Replays: a done file's ledger row describes its latest complete read; each replay keeps what
-- the row said before, so no read's counts are lost.
-- ---------------------------------------------------------------------------------------

ALTER TABLE fieldflow.ingest_files
  ADD COLUMN replays integer NOT NULL DEFAULT 0 CHECK (replays >= 0);
COMMENT ON COLUMN fieldflow.ingest_files.replays IS
  'How many times manage.sh replay read this file version again (fieldflow.file_replays has each).';

CREATE TABLE fieldflow.file_replays (
  replay_id             bigserial   PRIMARY KEY,
  file_id               bigint      NOT NULL REFERENCES fieldflow.ingest_files ON DELETE CASCADE,
  attempt               integer     NOT NULL CHECK (attempt >= 1),
  why                   text        NOT NULL CHECK (length(why) BETWEEN 1 AND 1000),
  replayed_at           timestamptz NOT NULL DEFAULT now(),
  fieldflow_version     text        NOT NULL,
  lines_read            bigint      NOT NULL CHECK (lines_read >= 0),
  rows_loaded           bigint      NOT NULL CHECK (rows_loaded >= 0),
  updates               bigint      NOT NULL CHECK (updates >= 0),
  duplicates            bigint      NOT NULL CHECK (duplicates >= 0),
  rejected              bigint      NOT NULL CHECK (rejected >= 0),
  readmitted            bigint      NOT NULL CHECK (readmitted >= 0),
  previous_status       text        CHECK (previous_status IN ('running', 'done', 'failed')),
  previous_finished_at  timestamptz,
  previous_lines_read   bigint      NOT NULL DEFAULT 0,
  previous_rows_loaded  bigint      NOT NULL DEFAULT 0,
  previous_updates      bigint      NOT NULL DEFAULT 0,
  previous_duplicates   bigint      NOT NULL DEFAULT 0,
  previous_rejected     bigint      NOT NULL DEFAULT 0,
  CONSTRAINT file_replays_accounted CHECK (lines_read >= rejected
    AND lines_read >= rows_loaded + updates + duplicates)
);
COMMENT ON TABLE fieldflow.file_replays IS
  'One row per manage.sh replay that committed: the attempt, why, when, by which fieldflow version, what the read did (readmitted: quarantined lines the read accepted), and what the ledger row said before (previous_*: null previous_status means the replay was the first load).';
CREATE INDEX file_replays_file_idx ON fieldflow.file_replays (file_id);

GRANT SELECT, INSERT ON fieldflow.file_replays TO ${writer_role};
GRANT USAGE ON SEQUENCE fieldflow.file_replays_replay_id_seq TO ${writer_role};

-- ---------------------------------------------------------------------------------------
-- Provenance for analysts
-- ---------------------------------------------------------------------------------------

CREATE VIEW analytics.visit_provenance AS
  SELECT v.task_id, v.visit_id, v.source_file, v.source_line, v.ingested_at AS loaded_at
  FROM fieldflow.visits v;
COMMENT ON VIEW analytics.visit_provenance IS
  'Where each visit comes from: the file and line that last changed it and when that load (or replay, or requeue) committed. Filter on task_id (and visit_id): the key is indexed.';

CREATE VIEW analytics.file_provenance AS
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
      AND x.readmitted_at IS NOT NULL) q ON true
  WHERE f.pipeline = 'visit';
COMMENT ON VIEW analytics.file_provenance IS
  'What each visit file version contributed. lines_read .. rejected: its latest complete read (the load, or the last replay), with re-admitted lines moved from rejected to loaded, updates or duplicates; readmitted: its quarantined lines admitted since; rows_loaded_all_reads and updates_all_reads: summed over the load and every replay; first_loaded_at: the first load that committed.';

GRANT SELECT ON analytics.visit_provenance, analytics.file_provenance TO ${analyst_role};
