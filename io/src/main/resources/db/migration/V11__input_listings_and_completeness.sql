-- Event-driven visit ingestion (S3 event notifications, issue #11). Notifications bring new
-- files; a periodic listing of the input (the backfill) takes what they missed. Each complete
-- listing is recorded here: from its claimed_at on, every object present when it began is in
-- the ledger. That gives analysts a completeness they can rely on: the data of an input is
-- complete up to the start of the latest listing whose files are all finished.

CREATE TABLE fieldflow.input_listings (
  listing_id    bigserial   PRIMARY KEY,
  pipeline      text        NOT NULL CHECK (pipeline = 'visit'),
  input         text        NOT NULL,
  prefix        text        NOT NULL,
  listed_at     timestamptz NOT NULL,
  claimed_at    timestamptz NOT NULL,
  files_listed  bigint      NOT NULL CHECK (files_listed >= 0),
  files_claimed bigint      NOT NULL CHECK (files_claimed >= 0 AND files_claimed <= files_listed),
  CHECK (claimed_at >= listed_at),
  CHECK (starts_with(input, prefix))
);
COMMENT ON TABLE fieldflow.input_listings IS
  'One row per complete listing of an input by the backfill (--notifications mode): the listing began at listed_at, and by claimed_at every file it found was in the ledger (taken then, or there already). files_claimed counts those it took, i.e. that no notification had brought.';
COMMENT ON COLUMN fieldflow.input_listings.prefix IS
  'The input up to its first wildcard (s3://bucket/visits/): the ledger paths this input covers start with it.';
CREATE INDEX input_listings_input_idx ON fieldflow.input_listings (pipeline, input, listed_at DESC);

GRANT SELECT, INSERT ON fieldflow.input_listings TO ${writer_role};
GRANT USAGE ON SEQUENCE fieldflow.input_listings_listing_id_seq TO ${writer_role};

-- A ledger row stands between a listing and completeness while it is running, or failed and
-- to be retried; a file refused for good (retry_after infinity: its failure is kept with its
-- reason, quarantined) is finished, as is a done one.
CREATE VIEW fieldflow.input_completeness AS
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
  -- Ingestion lag: a file's arrival (its last-modified time) to its rows committed, over the
  -- input's last 100 files.
  CROSS JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.lag) AS median_seconds,
           max(r.lag) AS max_seconds, count(*) AS files
    FROM (SELECT extract(epoch FROM f.finished_at - coalesce(f.last_modified, f.discovered_at))::double precision AS lag
          FROM fieldflow.ingest_files f
          WHERE f.pipeline = i.pipeline AND f.status = 'done' AND starts_with(f.path, i.prefix)
          ORDER BY f.finished_at DESC LIMIT 100) r) lag;
COMMENT ON VIEW fieldflow.input_completeness IS
  'Per input read with S3 event notifications: complete_through, the time up to which every object of the input is loaded or quarantined (the start of the latest backfill listing all of whose files are finished; null before the first such listing); the latest listing; files still waiting and since when; the ingest lag (last-modified to committed) of its last 100 files, median and max, in seconds.';

GRANT SELECT ON fieldflow.input_completeness TO ${writer_role};

-- Analysts read it beside analytics.status, without the ledger's internals.
CREATE VIEW analytics.input_completeness AS SELECT * FROM fieldflow.input_completeness;
COMMENT ON VIEW analytics.input_completeness IS
  'Completeness and ingest lag per input read with S3 event notifications: see fieldflow.input_completeness.';
REVOKE ALL ON analytics.input_completeness FROM PUBLIC;
GRANT SELECT ON analytics.input_completeness TO ${analyst_role};
