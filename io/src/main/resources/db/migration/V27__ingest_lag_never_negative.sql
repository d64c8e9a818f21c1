-- An ingest lag is never negative: a file's arrival is its last-modified time, or when the
-- ledger first saw it if that is earlier.
--
-- A probe touched a file to a day ahead (a producer's clock, or `touch -d`): its lag was
-- finished_at - last_modified = -86,396 s in fieldflow_ingest_lag_seconds, the console and
-- manage.sh status, and a "lag above 600 s" alert could not fire while it lasted. A file
-- cannot have arrived after the ledger first saw it (discovered_at), so that bounds its arrival.
-- The console's and status's own lag queries change the same way (Ingestion, Status).

CREATE OR REPLACE VIEW fieldflow.input_completeness AS
  SELECT i.input,
         complete.listed_at                       AS complete_through,
         last.listed_at                           AS last_listed_at,
         last.files_listed                        AS last_listing_files,
         waiting.files                            AS files_waiting,
         waiting.oldest_since                     AS oldest_waiting_since,
         lag.median_seconds                       AS ingest_lag_seconds,
         lag.max_seconds                          AS ingest_lag_max_seconds,
         lag.files                                AS ingest_lag_files
  FROM (SELECT DISTINCT pipeline, input, prefix FROM fieldflow.input_listings) i
  CROSS JOIN LATERAL (
    SELECT l.listed_at, l.files_listed FROM fieldflow.input_listings l
    WHERE l.pipeline = i.pipeline AND l.input = i.input
    ORDER BY l.listed_at DESC LIMIT 1) last
  -- The latest listing none of whose files (those in the ledger when it ended) is unfinished.
  LEFT JOIN LATERAL (
    SELECT l.listed_at FROM fieldflow.input_listings l
    WHERE l.pipeline = i.pipeline AND l.input = i.input
      AND NOT EXISTS (
        SELECT 1 FROM fieldflow.ingest_files f
        WHERE f.pipeline = i.pipeline AND f.status <> 'done'
          AND (f.status = 'running' OR f.retry_after IS DISTINCT FROM 'infinity')
          AND starts_with(f.path, i.prefix) AND f.discovered_at <= l.claimed_at)
    ORDER BY l.listed_at DESC LIMIT 1) complete ON true
  CROSS JOIN LATERAL (
    SELECT count(*) AS files, min(f.discovered_at) AS oldest_since
    FROM fieldflow.ingest_files f
    WHERE f.pipeline = i.pipeline AND f.status <> 'done'
      AND (f.status = 'running' OR f.retry_after IS DISTINCT FROM 'infinity') AND starts_with(f.path, i.prefix)) waiting
  -- Ingestion lag: a file's arrival to its rows committed, over the input's last 100 files. It
  -- arrived at its last-modified time, or when the ledger first saw it if that is earlier.
  CROSS JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.lag) AS median_seconds,
           max(r.lag) AS max_seconds, count(*) AS files
    FROM (SELECT extract(epoch FROM f.finished_at - least(f.last_modified, f.discovered_at))::double precision AS lag
          FROM fieldflow.ingest_files f
          WHERE f.pipeline = i.pipeline AND f.status = 'done' AND starts_with(f.path, i.prefix)
          ORDER BY f.finished_at DESC LIMIT 100) r) lag;
COMMENT ON VIEW fieldflow.input_completeness IS
  'Per input read with S3 event notifications: complete_through, the time up to which every object of the input is loaded or quarantined (the start of the latest backfill listing all of whose files are finished; null before the first such listing); the latest listing; files still waiting and since when; the ingest lag (arrival: last-modified, or when the ledger first saw the file if earlier; to committed) of its last 100 files, median and max, in seconds.';

