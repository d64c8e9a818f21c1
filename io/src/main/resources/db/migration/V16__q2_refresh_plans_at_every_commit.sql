-- The refresh of second_visit_successes at commit (V13) is planned at every commit, and finds
-- each task's visits 1 and 2 by their primary key.
--
-- PL/pgSQL caches a generic plan of the refresh's INSERT after five commits of a session. On a
-- fresh database that plan is made while visits holds a few thousand rows and has no
-- statistics: it estimated 10 queued tasks and 3 failed first visits, and joined every queued
-- task with every failed first visit. As the first backfill grew visits, the same plan became
-- quadratic: commits took 4-11 s each (100 files of 10,000 visits, 2 loading at once) until
-- autovacuum analysed visits and the plan was made again. A custom plan sees the queued tasks
-- (the array is a constant then) and the table's current size; LATERAL ... LIMIT 1 (the key is
-- unique, so it drops nothing) keeps each look-up one index probe per task whatever the
-- estimates, as the merge's tasks upsert does (VisitMerge.UPSERT_TASKS).

CREATE OR REPLACE FUNCTION fieldflow.second_visit_successes_refresh() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
  tasks bigint[];
BEGIN
  -- The two-integer form of the key (class 'fieldflow q2', 0) lives apart from the bigint keys
  -- of the pipeline runs (V8).
  PERFORM pg_advisory_xact_lock(hashtext('fieldflow.second_visit_successes'), 0);
  WITH done AS (
    DELETE FROM fieldflow.second_visit_pending p WHERE p.xact = pg_current_xact_id()
    RETURNING p.task_id)
  SELECT array_agg(task_id ORDER BY task_id) INTO tasks FROM done;
  DELETE FROM fieldflow.second_visit_commits c WHERE c.xact = pg_current_xact_id();
  IF tasks IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM fieldflow.second_visit_successes s WHERE s.task_id = ANY (tasks);
  INSERT INTO fieldflow.second_visit_successes (task_id, shared_tokens)
    SELECT t.task_id,
           -- Distinct tokens present in both notes: intarray's & sorts and de-duplicates, so a
           -- token repeated in one note counts once.
           intarray.icount(first.note_tokens OPERATOR(intarray.&) second.note_tokens)
    FROM unnest(tasks) AS t (task_id)
    CROSS JOIN LATERAL (
      SELECT v.note_tokens FROM fieldflow.visits v
      WHERE v.task_id = t.task_id AND v.visit_id = 1 AND v.outcome = 'FAIL' LIMIT 1) first
    CROSS JOIN LATERAL (
      SELECT v.note_tokens FROM fieldflow.visits v
      WHERE v.task_id = t.task_id AND v.visit_id = 2 AND v.outcome = 'SUCCESS' LIMIT 1) second;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.second_visit_successes_refresh() IS
  'Deferred trigger (at commit): recomputes the rows of second_visit_successes of the tasks the transaction queued in second_visit_pending, one transaction at a time; planned at every commit (V16).';
