-- The q2 summary (second_visit_successes, V13) costs less on every visit file loaded.
--
-- Measured on a throwaway local server with pg_stat_user_functions (track_functions = pl),
-- 1,000,000 bench visits in 100 files of 10,000, DirectRunner, three alternating runs each
-- (2026-11-30): the q2 triggers cost 3.4-5.7 PostgreSQL core-seconds per 1,000,000 visits
-- (runs without them: 23.1-24.2 core-s; with them: 27.3-29.9). The marking trigger took
-- 1.1-1.2 s, inserting about 400,000 (transaction, task) rows into the shared UNLOGGED
-- second_visit_pending and its primary key; the refresh at commit took 3.0-3.3 s, of which
-- deleting those rows again and two look-ups per task. With the changes below: marking
-- 0.22 s, refresh 2.55-2.74 s, PostgreSQL 25.8-26.8 core-s (1.9-3.7 above the runs without
-- the triggers), wall time 0.3-2.4 s less in each pair.
--
-- 1. The work list lives in the writing session: a temporary table, pg_temp.second_visit_queue,
--    made by the marking trigger the first time a session writes visits (the writer may create
--    temporary tables: the loads stage in them), emptied at every commit (ON COMMIT DELETE
--    ROWS: an in-place truncation, so no dead rows pile up in a long-lived session) and gone
--    with the session. No key, no shared buffers, no WAL; a task queued twice is refreshed
--    once. A rolled-back statement's rows vanish with it, as before. A transaction that
--    writes visits cannot be prepared for two-phase commit (it touched a temporary table);
--    no fieldflow writer uses two-phase commit.
-- 2. The refresh finds a task's visits 1 and 2 with one probe of the primary key (task_id,
--    visit_id <= 2) instead of one probe each.
--
-- Unchanged: second_visit_commits and its deferred trigger queue one refresh per writing
-- transaction; refreshes take the same advisory lock, one at a time, and read what committed
-- before them (READ COMMITTED), so two writers of one task's visits 1 and 2 still leave the
-- right row; the rows and the triggers on visits are the same.

CREATE OR REPLACE FUNCTION fieldflow.second_visit_successes_mark() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF to_regclass('pg_temp.second_visit_queue') IS NULL THEN
    CREATE TEMPORARY TABLE second_visit_queue (task_id bigint NOT NULL) ON COMMIT DELETE ROWS;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pg_temp.second_visit_queue (task_id)
      SELECT w.task_id FROM written w
      WHERE (w.visit_id = 1 AND w.outcome = 'FAIL') OR (w.visit_id = 2 AND w.outcome = 'SUCCESS');
  ELSIF TG_OP = 'UPDATE' THEN
    -- Keys never change (no role may), but if one did, the old task is refreshed too.
    INSERT INTO pg_temp.second_visit_queue (task_id)
      SELECT c.task_id
      FROM (SELECT w.task_id, w.visit_id, w.outcome FROM written w
            UNION ALL SELECT r.task_id, r.visit_id, r.outcome FROM replaced r) c
      WHERE (c.visit_id = 1 AND c.outcome = 'FAIL') OR (c.visit_id = 2 AND c.outcome = 'SUCCESS');
  ELSE
    INSERT INTO pg_temp.second_visit_queue (task_id)
      SELECT r.task_id FROM removed r
      WHERE (r.visit_id = 1 AND r.outcome = 'FAIL') OR (r.visit_id = 2 AND r.outcome = 'SUCCESS');
  END IF;
  IF FOUND THEN
    INSERT INTO fieldflow.second_visit_commits (xact) VALUES (pg_current_xact_id())
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.second_visit_successes_mark() IS
  'Statement trigger on visits: queues the tasks whose visit 1 or 2 the statement wrote in the session''s pg_temp.second_visit_queue, for the refresh of second_visit_successes at commit (V20).';

CREATE OR REPLACE FUNCTION fieldflow.second_visit_successes_refresh() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
SET enable_seqscan = off
AS $$
DECLARE
  tasks bigint[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('fieldflow.second_visit_successes'), 0);
  DELETE FROM fieldflow.second_visit_commits c WHERE c.xact = pg_current_xact_id();
  IF to_regclass('pg_temp.second_visit_queue') IS NULL THEN
    RETURN NULL;
  END IF;
  -- Taken off the queue, so that a refresh run early (SET CONSTRAINTS ... IMMEDIATE) is not
  -- repeated by the next one of the same transaction.
  WITH done AS (DELETE FROM pg_temp.second_visit_queue q RETURNING q.task_id)
  SELECT array_agg(DISTINCT done.task_id ORDER BY done.task_id) INTO tasks FROM done;
  IF tasks IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM fieldflow.second_visit_successes s WHERE s.task_id = ANY (tasks);
  INSERT INTO fieldflow.second_visit_successes (task_id, shared_tokens)
    SELECT t.task_id,
           -- Distinct tokens present in both notes: intarray's & sorts and de-duplicates, so a
           -- token repeated in one note counts once.
           intarray.icount(pair.first_tokens OPERATOR(intarray.&) pair.second_tokens)
    FROM unnest(tasks) AS t (task_id)
    CROSS JOIN LATERAL (
      -- Visits 1 and 2 sit next to each other in the primary key (visit_id >= 1 is a check of
      -- V1); each filter matches at most one of them, so max() is that visit's note.
      SELECT max(v.note_tokens) FILTER (WHERE v.visit_id = 1 AND v.outcome = 'FAIL') AS first_tokens,
             max(v.note_tokens) FILTER (WHERE v.visit_id = 2 AND v.outcome = 'SUCCESS') AS second_tokens
      FROM fieldflow.visits v
      WHERE v.task_id = t.task_id AND v.visit_id <= 2) pair
    WHERE pair.first_tokens IS NOT NULL AND pair.second_tokens IS NOT NULL;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.second_visit_successes_refresh() IS
  'Deferred trigger (at commit): recomputes the rows of second_visit_successes of the tasks the transaction queued in pg_temp.second_visit_queue, one transaction at a time, one key probe per task (V20).';

DROP TABLE fieldflow.second_visit_pending;

COMMENT ON TABLE fieldflow.second_visit_commits IS
  'One row per transaction with tasks in its session''s pg_temp.second_visit_queue; inserting it queues the refresh (a deferred trigger) that runs when the transaction commits. Always empty between transactions.';
