-- The quarantine counts what is still quarantined: a line re-admitted by ./manage.sh requeue or
-- replay (V12) keeps its row, marked readmitted_at, but is no longer a rejected line. The view
-- is analytics.status of V3 with that filter; its columns are unchanged.

CREATE OR REPLACE VIEW analytics.status AS
  SELECT p.pipeline,
         count(f.file_id) FILTER (WHERE f.status = 'done')    AS files_done,
         count(f.file_id) FILTER (WHERE f.status = 'failed')  AS files_failed,
         count(f.file_id) FILTER (WHERE f.status = 'running') AS files_running,
         coalesce(sum(f.rows_loaded) FILTER (WHERE f.status = 'done'), 0)::bigint AS rows_loaded,
         coalesce(sum(f.rejected) FILTER (WHERE f.status = 'done'), 0)::bigint    AS rejected_lines,
         (SELECT count(*) FROM fieldflow.rejected_records r
          WHERE r.pipeline = p.pipeline AND r.readmitted_at IS NULL)
                                                                AS quarantined_records,
         last_done.path        AS last_file,
         last_done.finished_at AS last_file_finished_at
  FROM (VALUES ('visit'), ('network')) p (pipeline)
  LEFT JOIN fieldflow.ingest_files f ON f.pipeline = p.pipeline
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
  'Ingestion progress per pipeline (visit, network): files done, failed and running; rows loaded and lines rejected by the finished files (their latest complete read); records still in the quarantine (re-admitted lines not counted); the last file finished and when. The ledger and quarantine tables themselves are not readable by analysts.';
