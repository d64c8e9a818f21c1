-- The analysts' layer: the five questions of POSTGRES-MODEL.md as set-returning functions
-- (with parameters) and views (at the defaults) in schema analytics, the indexes that serve
-- them, a status view over the ingestion ledger, and the analyst role's read-only access.
--
-- The origin answered all five wrongly: it compared visit numbers instead of counting failed
-- attempts, exploded notes into one row per token (so repeated tokens counted twice and a
-- token search matched by text), and followed network edges in one direction only. Here:
-- failed attempts are counted, shared tokens are DISTINCT tokens, token search is whole-token
-- int[] containment (@>, served by the GIN index), and hops walk network_edges, which stores
-- every undirected edge in both directions.
--
-- The functions are plain SQL, STABLE and SECURITY INVOKER, so the planner inlines them into
-- the caller's query and they read with the caller's privileges: an analyst can run them only
-- because the analyst may read the model.

CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS
  'The analysts'' questions over the fieldflow model: functions q1..q5 (with parameters), views q1_default..q5_default (at the documented defaults), and status (ingestion progress).';

-- ---------------------------------------------------------------------------------------
-- Indexes that serve the questions (V1 already has visits (node_id, visit_date),
-- visits (visit_date), GIN on visits.note_tokens and the primary keys).
-- ---------------------------------------------------------------------------------------

-- q1 reads the successful visits of a date range and skill levels: an index-only scan here
-- (about 3x faster than visits_date_idx plus the table on 1M visits).
CREATE INDEX visits_success_date_skill_idx
  ON fieldflow.visits (visit_date, engineer_skill_level) INCLUDE (task_id, visit_id, node_id)
  WHERE outcome = 'SUCCESS';

-- q1 then counts each task's failed visits before the successful one: index-only.
CREATE INDEX visits_failed_task_visit_idx ON fieldflow.visits (task_id, visit_id)
  WHERE outcome = 'FAIL';

-- q4 counts failed visits per node within a year: index-only, one range per node.
CREATE INDEX visits_failed_node_date_idx ON fieldflow.visits (node_id, visit_date)
  WHERE outcome = 'FAIL';

-- q2 starts from the tasks whose visit 2 succeeded; this small partial index lists them.
CREATE INDEX visits_second_visit_success_idx ON fieldflow.visits (task_id)
  WHERE visit_id = 2 AND outcome = 'SUCCESS';

-- ---------------------------------------------------------------------------------------
-- q3: the neighbourhood every network question starts from.
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION analytics.q3(origin integer DEFAULT 94, max_hops integer DEFAULT 2)
  RETURNS TABLE (node_id integer, hops integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- Breadth by walks: level k holds the distinct nodes reachable by a walk of exactly k edges
  -- (UNION removes repeats, so a level never exceeds the number of nodes). The shortest walk
  -- to a node is its shortest path, so min(hops) is the distance. Edges are stored in both
  -- directions, so following node_id -> adj_node_id is following the undirected edge.
  WITH RECURSIVE walk (node_id, hops) AS (
    SELECT e.adj_node_id, 1
    FROM fieldflow.network_edges e
    WHERE e.node_id = q3.origin AND q3.max_hops >= 1
    UNION
    SELECT e.adj_node_id, w.hops + 1
    FROM walk w
    JOIN fieldflow.network_edges e ON e.node_id = w.node_id
    WHERE w.hops < q3.max_hops
  )
  SELECT w.node_id, min(w.hops)::integer AS hops
  FROM walk w
  WHERE w.node_id <> q3.origin
  GROUP BY w.node_id
  ORDER BY w.node_id
$$;
COMMENT ON FUNCTION analytics.q3(integer, integer) IS
  'q3: the nodes within max_hops hops (H, default 2) of node origin (N, default 94) in the undirected network, origin itself excluded, each with its distance in hops. Columns node_id, hops; sorted by node_id.';

-- ---------------------------------------------------------------------------------------
-- q1
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION analytics.q1(
    skill_above integer DEFAULT 2,
    date_from   date    DEFAULT DATE '2020-01-01',
    date_to     date    DEFAULT DATE '2020-03-31',
    min_failed  integer DEFAULT 2)
  RETURNS TABLE (task_id bigint, visit_id integer, node_id integer, visit_date date,
                 engineer_skill_level integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT v.task_id, v.visit_id, v.node_id, v.visit_date, v.engineer_skill_level
  FROM fieldflow.visits v
  WHERE v.outcome = 'SUCCESS'
    AND v.engineer_skill_level > q1.skill_above
    AND v.visit_date BETWEEN q1.date_from AND q1.date_to
    -- Count the failed attempts before this visit; comparing visit numbers (visit_id > K)
    -- is what the origin did, and it is wrong whenever an earlier visit also succeeded.
    AND (SELECT count(*)
         FROM fieldflow.visits f
         WHERE f.task_id = v.task_id
           AND f.visit_id < v.visit_id
           AND f.outcome = 'FAIL') >= q1.min_failed
  ORDER BY v.task_id, v.visit_id
$$;
COMMENT ON FUNCTION analytics.q1(integer, date, date, integer) IS
  'q1: successful visits by engineers with skill level above skill_above (L, default 2), dated within [date_from, date_to] (both included; default 2020-01-01 to 2020-03-31), that followed at least min_failed (K, default 2) failed visits of the same task (failed visits with a smaller visit_id). Columns task_id, visit_id, node_id, visit_date, engineer_skill_level; sorted by task_id, visit_id.';

-- ---------------------------------------------------------------------------------------
-- q2
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION analytics.q2(min_shared integer DEFAULT 5)
  RETURNS TABLE (task_id bigint, shared_tokens integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT second.task_id, shared.tokens AS shared_tokens
  FROM fieldflow.visits second
  JOIN fieldflow.visits first
    ON first.task_id = second.task_id AND first.visit_id = 1 AND first.outcome = 'FAIL'
  -- Distinct tokens present in both notes: a token repeated in one note counts once.
  CROSS JOIN LATERAL (
    SELECT count(DISTINCT token)::integer AS tokens
    FROM unnest(first.note_tokens) AS token
    WHERE token = ANY (second.note_tokens)
  ) shared
  WHERE second.visit_id = 2
    AND second.outcome = 'SUCCESS'
    AND shared.tokens >= q2.min_shared
  ORDER BY second.task_id
$$;
COMMENT ON FUNCTION analytics.q2(integer) IS
  'q2: tasks completed successfully at their second visit (visit 1 failed, visit 2 succeeded) whose two notes share at least min_shared (W, default 5) distinct tokens. Columns task_id, shared_tokens (the number of distinct shared tokens); sorted by task_id.';

-- ---------------------------------------------------------------------------------------
-- q4, q5: questions about the neighbourhood of q3.
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION analytics.q4(
    origin      integer DEFAULT 94,
    max_hops    integer DEFAULT 2,
    min_failed  integer DEFAULT 10,
    year        integer DEFAULT 2020)
  RETURNS TABLE (node_id integer, failed_visits bigint)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT n.node_id, failed.visits AS failed_visits
  FROM analytics.q3(q4.origin, q4.max_hops) n
  -- A count per node (not an inner join) so that min_failed <= 0 also lists nodes without
  -- failed visits, with 0.
  CROSS JOIN LATERAL (
    SELECT count(*) AS visits
    FROM fieldflow.visits v
    WHERE v.node_id = n.node_id
      AND v.outcome = 'FAIL'
      AND v.visit_date >= make_date(q4.year, 1, 1)
      AND v.visit_date < make_date(q4.year + 1, 1, 1)
  ) failed
  WHERE failed.visits >= q4.min_failed
  ORDER BY n.node_id
$$;
COMMENT ON FUNCTION analytics.q4(integer, integer, integer, integer) IS
  'q4: the nodes of q3 (within max_hops (H, default 2) hops of origin (N, default 94), origin excluded) with at least min_failed (F, default 10) failed visits dated in year (Y, default 2020). Columns node_id, failed_visits; sorted by node_id.';

CREATE FUNCTION analytics.q5(
    origin    integer DEFAULT 94,
    max_hops  integer DEFAULT 2,
    date_from date    DEFAULT DATE '2020-03-01',
    date_to   date    DEFAULT DATE '2020-03-31',
    token     integer DEFAULT 126)
  RETURNS TABLE (node_id integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT n.node_id
  FROM analytics.q3(q5.origin, q5.max_hops) n
  WHERE EXISTS (
    SELECT
    FROM fieldflow.visits v
    WHERE v.node_id = n.node_id
      AND v.visit_date BETWEEN q5.date_from AND q5.date_to
      -- Whole-token containment on the int[] (GIN-indexable): 1260 does not contain 126,
      -- which a text search on the note would claim.
      AND v.note_tokens @> ARRAY[q5.token])
  ORDER BY n.node_id
$$;
COMMENT ON FUNCTION analytics.q5(integer, integer, date, date, integer) IS
  'q5: the nodes of q3 (within max_hops (H, default 2) hops of origin (N, default 94), origin excluded) with at least one visit dated within [date_from, date_to] (both included; default 2020-03-01 to 2020-03-31) whose note contains the whole token (T, default 126). Column node_id; sorted.';

-- ---------------------------------------------------------------------------------------
-- The questions at their defaults, as plain views for clients that browse views.
-- ---------------------------------------------------------------------------------------

CREATE VIEW analytics.q1_default AS SELECT * FROM analytics.q1();
COMMENT ON VIEW analytics.q1_default IS
  'q1 at its defaults: successful visits by engineers with skill level above 2, dated 2020-01-01 to 2020-03-31 (both included), that followed at least 2 failed visits of the same task.';

CREATE VIEW analytics.q2_default AS SELECT * FROM analytics.q2();
COMMENT ON VIEW analytics.q2_default IS
  'q2 at its defaults: tasks completed successfully at their second visit (visit 1 failed, visit 2 succeeded) whose two notes share at least 5 distinct tokens.';

CREATE VIEW analytics.q3_default AS SELECT * FROM analytics.q3();
COMMENT ON VIEW analytics.q3_default IS
  'q3 at its defaults: the nodes within 2 hops of node 94 in the undirected network, node 94 excluded, with their distance.';

CREATE VIEW analytics.q4_default AS SELECT * FROM analytics.q4();
COMMENT ON VIEW analytics.q4_default IS
  'q4 at its defaults: the nodes within 2 hops of node 94 (94 excluded) with at least 10 failed visits dated in 2020.';

CREATE VIEW analytics.q5_default AS SELECT * FROM analytics.q5();
COMMENT ON VIEW analytics.q5_default IS
  'q5 at its defaults: the nodes within 2 hops of node 94 (94 excluded) with at least one visit dated 2020-03-01 to 2020-03-31 (both included) whose note contains the token 126.';

-- ---------------------------------------------------------------------------------------
-- Ingestion status for analysts: how far the data goes, without the ledger's internals.
-- ---------------------------------------------------------------------------------------

CREATE VIEW analytics.status AS
  SELECT p.pipeline,
         count(f.file_id) FILTER (WHERE f.status = 'done')    AS files_done,
         count(f.file_id) FILTER (WHERE f.status = 'failed')  AS files_failed,
         count(f.file_id) FILTER (WHERE f.status = 'running') AS files_running,
         coalesce(sum(f.rows_loaded) FILTER (WHERE f.status = 'done'), 0)::bigint AS rows_loaded,
         coalesce(sum(f.rejected) FILTER (WHERE f.status = 'done'), 0)::bigint    AS rejected_lines,
         (SELECT count(*) FROM fieldflow.rejected_records r WHERE r.pipeline = p.pipeline)
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
  'Ingestion progress per pipeline (visit, network): files done, failed and running; rows loaded and lines rejected by the finished files; records in the quarantine; the last file finished and when. The ledger and quarantine tables themselves are not readable by analysts.';

-- ---------------------------------------------------------------------------------------
-- Privileges: analysts read the model (V1) and everything in analytics, nothing else.
-- ---------------------------------------------------------------------------------------

-- PostgreSQL 15+ no longer lets every role create objects in schema public; older servers
-- (and databases upgraded from them) still do. Analysts create nothing anywhere.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') THEN
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  END IF;
END
$$;

REVOKE ALL ON SCHEMA analytics FROM PUBLIC;
GRANT USAGE ON SCHEMA analytics TO ${analyst_role};

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA analytics FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA analytics TO ${analyst_role};
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO ${analyst_role};
