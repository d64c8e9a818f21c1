-- Continuous, exactly-once visit ingestion: who holds a file of the ledger, when a failed file
-- is tried again, and the per-file staging table that makes a file's effect one transaction.

ALTER TABLE fieldflow.ingest_files
  ADD COLUMN run_id      uuid,
  ADD COLUMN claim_id    uuid,
  ADD COLUMN retry_after timestamptz;
COMMENT ON COLUMN fieldflow.ingest_files.run_id IS
  'The pipeline run that took the file last. A running file of another run is an orphan of a stopped or killed run: the next run takes it over and reads it again.';
COMMENT ON COLUMN fieldflow.ingest_files.claim_id IS
  'The discovery poll that took the file: a retried poll (after a lost connection) gets back the files it already took.';
COMMENT ON COLUMN fieldflow.ingest_files.retry_after IS
  'A failed file is tried again by the first poll after this time; the wait doubles with each attempt.';

-- Discovery asks, every poll, which listed file versions still need work.
CREATE INDEX ingest_files_unfinished_idx ON fieldflow.ingest_files (pipeline, status)
  WHERE status <> 'done';
-- Status asks for the latest files done.
CREATE INDEX ingest_files_finished_idx ON fieldflow.ingest_files (pipeline, finished_at);

CREATE TABLE fieldflow.visit_staging (
  file_id                bigint    NOT NULL REFERENCES fieldflow.ingest_files ON DELETE CASCADE,
  line_number            bigint    NOT NULL CHECK (line_number >= 1),
  task_id                bigint    NOT NULL,
  visit_id               integer   NOT NULL,
  node_id                integer   NOT NULL,
  visit_date             date      NOT NULL,
  original_reported_date date      NOT NULL,
  node_age               integer   NOT NULL,
  node_type              integer   NOT NULL,
  task_type              integer   NOT NULL,
  engineer_skill_level   integer   NOT NULL,
  outcome                text      NOT NULL,
  note_tokens            integer[] NOT NULL,
  PRIMARY KEY (file_id, line_number)
);
COMMENT ON TABLE fieldflow.visit_staging IS
  'Parsed visits of files being ingested, one row per accepted line. Writing a line twice is a no-op; when every line of a file is here, one transaction merges the file into nodes, tasks and visits, marks it done in the ledger and deletes its rows.';

GRANT SELECT, INSERT, DELETE ON fieldflow.visit_staging TO ${writer_role};
