-- Runs stopped on purpose, so that a graceful stop is not taken for a reader death.
--
-- A load records that it began (V10) before it locks its file; if the file is still running
-- for that attempt when another claim takes it, the reader is counted as dead, and a file whose
-- reader died twice is failed. A pipeline stopped by a signal (./manage.sh stop, Ctrl-C, a
-- service manager) while it loads a file is not such a death: its shutdown hook records the run
-- here first (VisitLedger.recordStop), and a claim taking over that run's files counts nothing.
-- A run that fails (an OutOfMemoryError, an error that ends the pipeline) records nothing.
-- Rows are a few bytes per stop; recording a stop drops those older than a day whose run has no
-- running file left.

CREATE TABLE fieldflow.stopped_runs (
  run_id     uuid        PRIMARY KEY,
  stopped_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE fieldflow.stopped_runs IS
  'Visit pipeline runs stopped on purpose (a signal while running): their unfinished loads are not reader deaths.';

GRANT SELECT, INSERT, DELETE ON fieldflow.stopped_runs TO ${writer_role};
