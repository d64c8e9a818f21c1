-- V29's ingest_files.requeued and the monitor's read of file_replays served V29's sums for the
-- /metrics counters; V30's counted_* columns replaced those sums (and were filled from them),
-- so nothing reads either any more: the column goes, and the monitor reads the ledger, the
-- quarantine and the completeness view again, as V21 gave it.
ALTER TABLE fieldflow.ingest_files DROP COLUMN requeued;
REVOKE SELECT ON fieldflow.file_replays FROM ${monitor_role};
