-- The analyst's timeouts live where the analyst cannot change them (issue 12, item 7).
--
-- V13's watchdog read the limits from the analyst role's own settings (ALTER ROLE ... SET). A
-- role may change its own settings: `ALTER ROLE fieldflow_analyst SET statement_timeout = 0`,
-- run by the analyst, is allowed, and so is the same `IN DATABASE fieldflow`. A probe did it:
-- the watchdog then read 0 ("no limit") and let a 340 s statement and a 15-minute idle
-- transaction run, and every new analyst session (psql, a BI tool) started with no timeout.
--
-- Now the limits are rows of fieldflow.analyst_limits, which only the schema owner (the
-- migrations' login) may change, and the watchdog's sweep enforces those, whatever the role or
-- the session says. The sweep also puts the role's defaults back to them when they differ (and
-- drops a per-database override), so a new analyst session starts limited again; it reports
-- each such repair as 'restored'.

CREATE TABLE fieldflow.analyst_limits (
  setting text     PRIMARY KEY
                   CHECK (setting IN ('statement_timeout', 'idle_in_transaction_session_timeout')),
  value   interval NOT NULL CHECK (value >= interval '0')
);
COMMENT ON TABLE fieldflow.analyst_limits IS
  'The analyst role''s timeouts, held by the watchdog (fieldflow.stop_analyst_overruns): analyst statements and idle transactions past them are stopped, and the role''s defaults are put back to them. 0 means no limit. Only the schema owner changes them (UPDATE); an ALTER ROLE ... SET of these settings on the analyst role is undone at the next sweep.';

-- The role's value when an operator set one (V5 set 5 and 15 minutes); a missing value, or 0,
-- which may be an analyst's doing, gives V5's.
INSERT INTO fieldflow.analyst_limits (setting, value)
SELECT d.setting, coalesce(nullif(fieldflow.analyst_limit(d.setting), interval '0'), d.v5)
FROM (VALUES ('statement_timeout', interval '5 minutes'),
             ('idle_in_transaction_session_timeout', interval '15 minutes')) AS d (setting, v5);

REVOKE ALL ON fieldflow.analyst_limits FROM PUBLIC;
GRANT SELECT ON fieldflow.analyst_limits TO ${writer_role}, ${analyst_role};

-- V13's reader of the role's settings, kept under a name that says so: the sweep compares.
ALTER FUNCTION fieldflow.analyst_limit(text) RENAME TO analyst_role_setting;
COMMENT ON FUNCTION fieldflow.analyst_role_setting(text) IS
  'The analyst role''s own value (ALTER ROLE ... SET, this database''s first) of a time setting, as an interval; NULL when not set. The analyst can change it: the limit is fieldflow.analyst_limit().';

CREATE FUNCTION fieldflow.analyst_limit(setting text) RETURNS interval
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT l.value FROM fieldflow.analyst_limits l WHERE l.setting = $1
$$;
COMMENT ON FUNCTION fieldflow.analyst_limit(text) IS
  'The analyst role''s limit for a time setting (fieldflow.analyst_limits), as an interval; NULL for a setting without one, 0 for no limit.';

CREATE FUNCTION fieldflow.restore_analyst_defaults()
  RETURNS SETOF text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  l record;
  role_value text;
  has_database_value boolean;
  differs boolean;
BEGIN
  FOR l IN SELECT a.setting, a.value FROM fieldflow.analyst_limits a ORDER BY a.setting LOOP
    SELECT substr(c.config, length(l.setting) + 2) INTO role_value
    FROM pg_db_role_setting s CROSS JOIN unnest(s.setconfig) AS c (config)
    WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}')
      AND s.setdatabase = 0 AND c.config LIKE l.setting || '=%';
    SELECT count(*) > 0 INTO has_database_value
    FROM pg_db_role_setting s CROSS JOIN unnest(s.setconfig) AS c (config)
    WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}')
      AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND c.config LIKE l.setting || '=%';
    BEGIN
      differs := role_value IS NULL OR (CASE WHEN role_value ~ '^[0-9]+$'
          THEN (role_value || ' ms')::interval ELSE role_value::interval END) <> l.value;
    EXCEPTION WHEN others THEN
      differs := true; -- not a time PostgreSQL reads back as one: put the limit there
    END;
    BEGIN
      IF has_database_value THEN
        EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET %I', '${analyst_role}',
            current_database(), l.setting);
        RETURN NEXT format('%s set for the analyst role in database %s: removed', l.setting,
            current_database());
      END IF;
      IF differs THEN
        EXECUTE format('ALTER ROLE %I SET %I = %s', '${analyst_role}', l.setting,
            (extract(epoch FROM l.value) * 1000)::bigint);
        RETURN NEXT format('%s of the analyst role was %s: put back to %s', l.setting,
            coalesce(role_value, 'not set'), l.value);
      END IF;
    EXCEPTION WHEN insufficient_privilege THEN
      -- The sweep still enforces the limit on every analyst session; only new sessions start
      -- with the role's changed default. OPERATIONS.md says which privilege the owner needs.
      RAISE WARNING 'fieldflow: % cannot put the analyst role''s % back (%)', current_user,
          l.setting, SQLERRM;
    END;
  END LOOP;
END
$$;
COMMENT ON FUNCTION fieldflow.restore_analyst_defaults() IS
  'Puts the analyst role''s defaults of its timeouts back to fieldflow.analyst_limits (and removes a per-database override); returns what it changed. Called by each watchdog sweep.';

-- V13's sweep, with the limits from the table and the role's defaults put back first.
CREATE OR REPLACE FUNCTION fieldflow.stop_analyst_overruns(grace interval DEFAULT interval '1 second')
  RETURNS TABLE (pid integer, action text, running interval, query text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  statement_limit CONSTANT interval := fieldflow.analyst_limit('statement_timeout');
  idle_limit CONSTANT interval := fieldflow.analyst_limit('idle_in_transaction_session_timeout');
  analyst CONSTANT oid := (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}');
  a record;
  restored text;
BEGIN
  FOR restored IN SELECT r FROM fieldflow.restore_analyst_defaults() AS r LOOP
    pid := NULL; action := 'restored'; running := NULL; query := restored;
    RETURN NEXT;
  END LOOP;
  -- Sessions logged in as the analyst role itself: the limits apply to them, and to no other
  -- login.
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
  'The watchdog''s sweep: puts the analyst role''s timeout defaults back to fieldflow.analyst_limits (action restored), cancels every statement of the analyst role running longer than its statement_timeout limit (plus grace), and ends every analyst session idle in a transaction longer than its idle_in_transaction_session_timeout limit (plus grace), whatever the role or the session set. Returns what it did.';

REVOKE ALL ON FUNCTION fieldflow.analyst_limit(text), fieldflow.analyst_role_setting(text),
  fieldflow.restore_analyst_defaults() FROM PUBLIC;
