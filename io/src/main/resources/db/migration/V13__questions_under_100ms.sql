-- Every analysts' question at or under 100 ms median on 1,000,000 visits (issue 13), and the
-- analyst role's timeouts held by a watchdog (issue 12, item 7).
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

-- ---------------------------------------------------------------------------------------
-- The analyst role's timeouts, held (issue 12, item 7).
--
-- V5 gave the analyst role a statement_timeout and an idle_in_transaction_session_timeout as
-- role defaults, and PostgreSQL has no way to stop a session from changing its own
-- (`SET statement_timeout = 0`, `options=-c statement_timeout=0` in a connection URL, or
-- set_config()): both are user-settable, and GRANT SET ON PARAMETER only governs
-- superuser-only settings. So the limits are enforced from outside the analyst's session: the
-- watchdog (`fieldflow watchdog`, started with the local database by `manage.sh db start`)
-- calls fieldflow.stop_analyst_overruns() every few seconds, which cancels an analyst's
-- statement that has run longer than the role's statement_timeout and ends an analyst's
-- session idle in a transaction longer than the role's idle_in_transaction_session_timeout,
-- whatever the session set for itself. The limits are read from the role's settings
-- (ALTER ROLE ... SET), so an operator changes them in one place.
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION fieldflow.analyst_limit(setting text) RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  -- The analyst role's own setting (ALTER ROLE ... SET), the one for this database first; a
  -- bare number is in milliseconds, as for both timeouts. NULL when none is set; 0 is none.
  SELECT CASE WHEN x.value ~ '^[0-9]+$' THEN (x.value || ' ms')::interval
              ELSE x.value::interval END
  FROM (
    SELECT substr(c.config, length(setting) + 2) AS value
    FROM pg_db_role_setting s
    CROSS JOIN unnest(s.setconfig) AS c (config)
    WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}')
      AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
      AND c.config LIKE setting || '=%'
    ORDER BY s.setdatabase DESC
    LIMIT 1) x
$$;
COMMENT ON FUNCTION fieldflow.analyst_limit(text) IS
  'The analyst role''s configured value (ALTER ROLE ... SET) of a time setting such as statement_timeout, as an interval; NULL when not set, 0 when none.';

CREATE FUNCTION fieldflow.stop_analyst_overruns(grace interval DEFAULT interval '1 second')
  RETURNS TABLE (pid integer, action text, running interval, query text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  statement_limit CONSTANT interval := fieldflow.analyst_limit('statement_timeout');
  idle_limit CONSTANT interval := fieldflow.analyst_limit('idle_in_transaction_session_timeout');
  analyst CONSTANT oid := (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}');
  a record;
BEGIN
  -- Sessions logged in as the analyst role itself: the role settings apply to them, and to no
  -- other login.
  FOR a IN
    SELECT s.pid, s.state, clock_timestamp() - s.query_start AS statement_age,
           clock_timestamp() - s.state_change AS state_age, left(s.query, 200) AS query
    FROM pg_stat_activity s
    WHERE s.usesysid = analyst AND s.backend_type = 'client backend' AND s.pid <> pg_backend_pid()
  LOOP
    IF a.state IN ('active', 'fastpath function call')
        AND statement_limit > interval '0' AND a.statement_age > statement_limit + grace THEN
      IF pg_cancel_backend(a.pid) THEN
        pid := a.pid; action := 'cancelled'; running := a.statement_age; query := a.query;
        RETURN NEXT;
      END IF;
    ELSIF a.state IN ('idle in transaction', 'idle in transaction (aborted)')
        AND idle_limit > interval '0' AND a.state_age > idle_limit + grace THEN
      IF pg_terminate_backend(a.pid) THEN
        pid := a.pid; action := 'terminated'; running := a.state_age; query := a.query;
        RETURN NEXT;
      END IF;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION fieldflow.stop_analyst_overruns(interval) IS
  'The watchdog''s sweep: cancels every statement of the analyst role running longer than the role''s statement_timeout (plus grace), and ends every analyst session idle in a transaction longer than its idle_in_transaction_session_timeout (plus grace), whatever the session set for itself. Returns what it stopped.';

REVOKE ALL ON FUNCTION fieldflow.analyst_limit(text), fieldflow.stop_analyst_overruns(interval)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fieldflow.stop_analyst_overruns(interval) TO ${writer_role};

-- The function runs as its owner (the migrations' login), which must see the analyst's
-- sessions and signal them: a superuser can; any other owner needs the analyst's privileges
-- (membership) or pg_read_all_stats and pg_signal_backend. Without them the sweep would see
-- nothing and stop nothing, so the migration says what a DBA must run.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
      AND NOT pg_has_role(current_user, '${analyst_role}', 'USAGE')
      AND NOT (pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
               AND pg_has_role(current_user, 'pg_signal_backend', 'USAGE')) THEN
    RAISE WARNING 'fieldflow V13: % cannot see or stop the analyst''s sessions, so the watchdog'
      ' (fieldflow.stop_analyst_overruns) would stop nothing; a DBA must run: GRANT'
      ' pg_read_all_stats, pg_signal_backend TO %;', current_user, current_user;
  END IF;
END
$$;
