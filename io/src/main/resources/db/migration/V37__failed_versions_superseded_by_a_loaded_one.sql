-- A failed version of a file whose later version is done is superseded: the file's rows come
-- from its later version (a .gz read while its writer was still writing it, then loaded whole;
-- a version replaced between listing and read; a refused file re-sent fixed), and nothing waits
-- for a person. analytics.status counted it in files_failed for good. Now files_failed leaves
-- it out and files_superseded (a new last column) counts it: the rule of the console, /metrics
-- and manage.sh status (dev.fieldflow.analytics.console.Ingestion#superseded). "Later" is a
-- greater file_id, i.e. discovered later; the row itself stays in the ledger.

CREATE OR REPLACE VIEW analytics.status AS
  SELECT p.pipeline,
         count(f.file_id) FILTER (WHERE f.status = 'done')    AS files_done,
         count(f.file_id) FILTER (WHERE f.status = 'failed' AND NOT f.superseded)
                                                                AS files_failed,
         count(f.file_id) FILTER (WHERE f.status = 'running') AS files_running,
         coalesce(sum(f.rows_loaded) FILTER (WHERE f.status = 'done'), 0)::bigint AS rows_loaded,
         coalesce(sum(f.rejected) FILTER (WHERE f.status = 'done'), 0)::bigint    AS rejected_lines,
         (SELECT count(*) FROM fieldflow.rejected_records r
          WHERE r.pipeline = p.pipeline AND r.readmitted_at IS NULL)
                                                                AS quarantined_records,
         last_done.path        AS last_file,
         last_done.finished_at AS last_file_finished_at,
         count(f.file_id) FILTER (WHERE f.superseded)          AS files_superseded
  FROM (VALUES ('visit'), ('network')) p (pipeline)
  LEFT JOIN (
    SELECT i.*,
           i.status = 'failed' AND EXISTS (
             SELECT 1 FROM fieldflow.ingest_files later
             WHERE later.pipeline = i.pipeline AND later.path = i.path
               AND later.file_id > i.file_id AND later.status = 'done') AS superseded
    FROM fieldflow.ingest_files i
  ) f ON f.pipeline = p.pipeline
  LEFT JOIN LATERAL (
    SELECT d.path, d.finished_at
    FROM fieldflow.ingest_files d
    WHERE d.pipeline = p.pipeline AND d.status = 'done'
    ORDER BY d.finished_at DESC NULLS LAST, d.file_id DESC
    LIMIT 1
  ) last_done ON true
  GROUP BY p.pipeline, last_done.path, last_done.finished_at
  ORDER BY p.pipeline;
COMMENT ON VIEW analytics.status IS
  'Ingestion progress per pipeline (visit, network): files done, failed and running; rows loaded and lines rejected by the finished files (their latest complete read); records still in the quarantine (re-admitted lines not counted); the last file finished and when; files_superseded: failed versions of a file whose later version is done (not counted in files_failed). The ledger and quarantine tables themselves are not readable by analysts.';
