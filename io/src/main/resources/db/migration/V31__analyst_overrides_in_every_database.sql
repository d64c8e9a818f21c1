-- The watchdog removes the analyst's override of its timeouts in every database, not only
-- fieldflow's: a probe ran `ALTER ROLE fieldflow_analyst IN DATABASE postgres SET
-- statement_timeout = 0` and it stayed (the sweep still cancelled the statements there past the
-- limit, as it watches every database's sessions). V26's function, with that loop.

CREATE OR REPLACE FUNCTION fieldflow.restore_analyst_defaults()
  RETURNS SETOF text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  l record;
  role_value text;
  other_database text;
  differs boolean;
BEGIN
  FOR l IN SELECT a.setting, a.value FROM fieldflow.analyst_limits a ORDER BY a.setting LOOP
    SELECT substr(c.config, length(l.setting) + 2) INTO role_value
    FROM pg_db_role_setting s CROSS JOIN unnest(s.setconfig) AS c (config)
    WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}')
      AND s.setdatabase = 0 AND c.config LIKE l.setting || '=%';
    BEGIN
      differs := role_value IS NULL OR (CASE WHEN role_value ~ '^[0-9]+$'
          THEN (role_value || ' ms')::interval ELSE role_value::interval END) <> l.value;
    EXCEPTION WHEN others THEN
      differs := true; -- not a time PostgreSQL reads back as one: put the limit there
    END;
    BEGIN
      -- An override in any database: a session there starts with it (the sweep still stops
      -- its statements, since pg_stat_activity shows every database's).
      FOR other_database IN
        SELECT d.datname FROM pg_db_role_setting s
        JOIN pg_database d ON d.oid = s.setdatabase
        CROSS JOIN unnest(s.setconfig) AS c (config)
        WHERE s.setrole = (SELECT oid FROM pg_roles WHERE rolname = '${analyst_role}')
          AND c.config LIKE l.setting || '=%'
        ORDER BY d.datname
      LOOP
        EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET %I', '${analyst_role}',
            other_database, l.setting);
        RETURN NEXT format('%s set for the analyst role in database %s: removed', l.setting,
            other_database);
      END LOOP;
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
  'Puts the analyst role''s defaults of its timeouts back to fieldflow.analyst_limits (and removes an override in any database); returns what it changed. Called by each watchdog sweep.';
