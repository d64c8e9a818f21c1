-- The end of a `visit --once` run sums the files of its run ids (VisitLedger.summarizeRuns). With
-- no index on run_id that was a scan of the whole ledger, once per run: 131 ms with 300,000 old
-- files in it (a parallel sequential scan), and the ledger keeps every file version for as long
-- as the retention allows. With this index it reads the run's own rows. It costs an index entry
-- when a claim sets run_id; the updates that leave run_id alone (a load starting, a file
-- finishing) stay as they were.
CREATE INDEX ingest_files_run_idx ON fieldflow.ingest_files (run_id);
