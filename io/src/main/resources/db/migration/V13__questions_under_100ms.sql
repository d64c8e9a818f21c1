-- Every analysts' question at or under 100 ms median on 1,000,000 visits (issue 13).
--
-- q2 at V7 read, for every question asked, every (visit 1 failed, visit 2 succeeded) pair of
-- the whole table (about 117,000 on 1,000,000 visits) and intersected their notes: 120-220 ms
-- whatever W is. That work depends on the visits only, not on W, so it is now done once per
-- change of a visit instead of once per question: fieldflow.second_visit_successes holds, for
-- every task whose visit 1 failed and visit 2 succeeded, the number of distinct tokens the two
-- notes share, and q2 is a filter on it. Triggers on visits keep it exact (below); the two
-- covering partial indexes V7 added for q2 have no reader any more and are dropped, which pays
-- for the triggers on the write path (see docs/BENCHMARKS.md and the q2 notes in
-- docs/CONSOLE.md).
--
-- q1 probed the failed visits of every candidate successful visit (26,300 probes at the
-- defaults); a visit with visit_id <= K cannot follow K failed visits with smaller, distinct,
-- positive visit_ids, so those are skipped before the probe (5,296 probes at the defaults).

-- ---------------------------------------------------------------------------------------
-- q1: skip the visits that cannot have K failed visits before them.
-- ---------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION analytics.q1(
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
    -- visit_ids are distinct and >= 1 (a check of V1), so at most visit_id - 1 visits come
    -- before this one: fewer than K unless visit_id > K. This only skips visits the count below
    -- would refuse. Written on bigint so that it is no index condition (the planner would
    -- otherwise AND in a bitmap of the primary key, 187,570 entries at K = 2) and never
    -- overflows whatever K is.
    AND v.visit_id::bigint > q1.min_failed
    -- Count the failed attempts before this visit; comparing visit numbers (visit_id > K)
    -- alone is what the origin did, and it is wrong whenever an earlier visit also succeeded.
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
-- q2: the shared tokens of every second-visit success, kept as the visits change.
-- ---------------------------------------------------------------------------------------

CREATE TABLE fieldflow.second_visit_successes (
  task_id       bigint  NOT NULL,
  shared_tokens integer NOT NULL CHECK (shared_tokens >= 0),
  PRIMARY KEY (task_id) INCLUDE (shared_tokens)
);
COMMENT ON TABLE fieldflow.second_visit_successes IS
  'One row per task whose visit 1 failed and visit 2 succeeded: the number of distinct tokens the two notes share. Kept exact by the triggers on visits (fieldflow.second_visit_successes_mark, _refresh); analytics.q2 reads it.';

-- Tasks whose failed visit 1 or successful visit 2 a transaction wrote, refreshed when it
-- commits. Rows live only
-- inside the transaction that wrote them (it deletes them before committing), so the table is
-- UNLOGGED: after a crash it is empty, which is exactly what it must hold. The transaction id
-- is in the key so that concurrent writers of the same task never wait on each other here.
CREATE UNLOGGED TABLE fieldflow.second_visit_pending (
  xact    xid8   NOT NULL,
  task_id bigint NOT NULL,
  PRIMARY KEY (xact, task_id)
);
COMMENT ON TABLE fieldflow.second_visit_pending IS
  'Work list of the q2 summary: tasks whose visit 1 or 2 the transaction xact wrote; emptied by that transaction when it commits. Always empty between transactions.';

-- One row per writing transaction; its deferred trigger does the refresh at commit.
CREATE UNLOGGED TABLE fieldflow.second_visit_commits (
  xact xid8 PRIMARY KEY
);
COMMENT ON TABLE fieldflow.second_visit_commits IS
  'One row per transaction with tasks in second_visit_pending; inserting it queues the refresh (a deferred trigger) that runs when the transaction commits. Always empty between transactions.';

-- After each statement on visits: note the tasks whose row for q2 it may have changed, i.e. it
-- wrote (or replaced, or deleted) a failed visit 1 or a successful visit 2. Any other visit can
-- neither make nor unmake a pair: an inserted row had no earlier version, and for an update
-- both versions are looked at. Cheap and lock-free, so that statements of concurrent merges
-- never wait on each other here.
CREATE FUNCTION fieldflow.second_visit_successes_mark() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO fieldflow.second_visit_pending (xact, task_id)
      SELECT DISTINCT pg_current_xact_id(), w.task_id FROM written w
      WHERE (w.visit_id = 1 AND w.outcome = 'FAIL') OR (w.visit_id = 2 AND w.outcome = 'SUCCESS')
      ON CONFLICT DO NOTHING;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Keys never change (no role may), but if one did, the old task is refreshed too.
    INSERT INTO fieldflow.second_visit_pending (xact, task_id)
      SELECT DISTINCT pg_current_xact_id(), c.task_id
      FROM (SELECT w.task_id, w.visit_id, w.outcome FROM written w
            UNION ALL SELECT r.task_id, r.visit_id, r.outcome FROM replaced r) c
      WHERE (c.visit_id = 1 AND c.outcome = 'FAIL') OR (c.visit_id = 2 AND c.outcome = 'SUCCESS')
      ON CONFLICT DO NOTHING;
  ELSE
    INSERT INTO fieldflow.second_visit_pending (xact, task_id)
      SELECT DISTINCT pg_current_xact_id(), r.task_id FROM removed r
      WHERE (r.visit_id = 1 AND r.outcome = 'FAIL') OR (r.visit_id = 2 AND r.outcome = 'SUCCESS')
      ON CONFLICT DO NOTHING;
  END IF;
  IF FOUND THEN
    INSERT INTO fieldflow.second_visit_commits (xact) VALUES (pg_current_xact_id())
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.second_visit_successes_mark() IS
  'Statement trigger on visits: queues the tasks whose visit 1 or 2 the statement wrote for the refresh of second_visit_successes at commit.';

-- At commit: recompute the queued tasks from the committed visits plus this transaction's.
-- Refreshes of different transactions run one at a time (a transaction-level advisory lock,
-- held to the end of the commit): a refresh that waited then reads, with a new snapshot, the
-- visits the other transaction committed, so two merges that write visit 1 and visit 2 of one
-- task at the same time still leave the right row. Only this short end of a merge is
-- serialized; the merges themselves still run in parallel. This relies on READ COMMITTED (each
-- statement its own snapshot), the isolation of the pipelines' sessions.
CREATE FUNCTION fieldflow.second_visit_successes_refresh() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
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
    SELECT second.task_id,
           -- Distinct tokens present in both notes: intarray's & sorts and de-duplicates, so a
           -- token repeated in one note counts once.
           intarray.icount(first.note_tokens OPERATOR(intarray.&) second.note_tokens)
    FROM unnest(tasks) AS t (task_id)
    JOIN fieldflow.visits second
      ON second.task_id = t.task_id AND second.visit_id = 2 AND second.outcome = 'SUCCESS'
    JOIN fieldflow.visits first
      ON first.task_id = t.task_id AND first.visit_id = 1 AND first.outcome = 'FAIL';
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.second_visit_successes_refresh() IS
  'Deferred trigger (at commit): recomputes the rows of second_visit_successes of the tasks the transaction queued in second_visit_pending, one transaction at a time.';

CREATE FUNCTION fieldflow.second_visit_successes_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  TRUNCATE fieldflow.second_visit_successes;
  RETURN NULL;
END
$$;

CREATE TRIGGER visits_second_visit_inserted AFTER INSERT ON fieldflow.visits
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.second_visit_successes_mark();
CREATE TRIGGER visits_second_visit_updated AFTER UPDATE ON fieldflow.visits
  REFERENCING OLD TABLE AS replaced NEW TABLE AS written FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.second_visit_successes_mark();
CREATE TRIGGER visits_second_visit_deleted AFTER DELETE ON fieldflow.visits
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.second_visit_successes_mark();
CREATE TRIGGER visits_second_visit_truncated AFTER TRUNCATE ON fieldflow.visits
  FOR EACH STATEMENT EXECUTE FUNCTION fieldflow.second_visit_successes_truncate();
-- Fires once per writing transaction (the row is inserted once), when it commits, or at the
-- statement's end under SET CONSTRAINTS ... IMMEDIATE (the refresh deletes the row, so a later
-- statement queues another refresh).
CREATE CONSTRAINT TRIGGER second_visit_commits_refresh AFTER INSERT
  ON fieldflow.second_visit_commits DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION fieldflow.second_visit_successes_refresh();

-- The visits already stored.
INSERT INTO fieldflow.second_visit_successes (task_id, shared_tokens)
  SELECT second.task_id,
         intarray.icount(first.note_tokens OPERATOR(intarray.&) second.note_tokens)
  FROM fieldflow.visits second
  JOIN fieldflow.visits first
    ON first.task_id = second.task_id AND first.visit_id = 1 AND first.outcome = 'FAIL'
  WHERE second.visit_id = 2 AND second.outcome = 'SUCCESS';

-- Whoever writes visits runs the triggers with their own privileges: the pipelines' writer.
GRANT SELECT, INSERT, DELETE ON fieldflow.second_visit_successes, fieldflow.second_visit_pending,
  fieldflow.second_visit_commits TO ${writer_role};
GRANT TRUNCATE ON fieldflow.second_visit_successes TO ${writer_role};
-- The refresh counts shared tokens with intarray's & (V7).
GRANT USAGE ON SCHEMA intarray TO ${writer_role};
GRANT SELECT ON fieldflow.second_visit_successes TO ${analyst_role};
REVOKE ALL ON FUNCTION fieldflow.second_visit_successes_mark(),
  fieldflow.second_visit_successes_refresh(), fieldflow.second_visit_successes_truncate()
  FROM PUBLIC;

CREATE OR REPLACE FUNCTION analytics.q2(min_shared integer DEFAULT 5)
  RETURNS TABLE (task_id bigint, shared_tokens integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- second_visit_successes holds every task whose visit 1 failed and visit 2 succeeded, with
  -- the distinct tokens their notes share, as of the visits this query sees.
  SELECT s.task_id, s.shared_tokens
  FROM fieldflow.second_visit_successes s
  WHERE s.shared_tokens >= q2.min_shared
  ORDER BY s.task_id
$$;
COMMENT ON FUNCTION analytics.q2(integer) IS
  'q2: tasks completed successfully at their second visit (visit 1 failed, visit 2 succeeded) whose two notes share at least min_shared (W, default 5) distinct tokens. Columns task_id, shared_tokens (the number of distinct shared tokens); sorted by task_id. Reads fieldflow.second_visit_successes, which triggers on visits keep.';

-- V7's covering indexes served only q2's pair scan.
DROP INDEX fieldflow.visits_first_visit_failed_notes_idx;
DROP INDEX fieldflow.visits_second_visit_success_notes_idx;
