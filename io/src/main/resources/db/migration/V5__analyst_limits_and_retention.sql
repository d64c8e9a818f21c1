-- Nothing an analyst does can slow or stop ingestion (issue 12, item 7), and the writer can
-- prune the quarantine (item 10).
--
-- The analyst role gets:
--   * a connection limit, so analysts cannot use up max_connections and lock the pipelines out;
--   * a statement_timeout and an idle_in_transaction_session_timeout, so a runaway query or a
--     forgotten open transaction does not hold back vacuum on the tables the pipelines write;
--   * a temp_file_limit, so one huge sort or hash cannot fill the disk the pipelines write to.
--     Unlike the two timeouts (which a session may change for itself), temp_file_limit can only
--     be changed by a superuser: the analyst cannot lift it.
-- q3's hop count is capped (q4 and q5 walk through q3), and the large-object functions are not
-- executable by PUBLIC any more: any role could otherwise fill pg_largeobject, and with it the
-- disk, with lo_create/lo_put/lo_from_bytea.
--
-- Role settings and grants on pg_catalog functions need privileges a plain schema owner may lack
-- (CREATEROLE with ADMIN OPTION on the analyst role; SET privilege on temp_file_limit, which only
-- a superuser has by default; ownership of pg_catalog's functions, i.e. the superuser). When the
-- migration runs without them it does everything else and logs a WARNING naming the exact
-- statement a DBA must run; docs/OPERATIONS.md lists them all.

DO $$
DECLARE
  limits text[] := ARRAY[
    'ALTER ROLE ${analyst_role} CONNECTION LIMIT 10',
    'ALTER ROLE ${analyst_role} SET statement_timeout = ''5min''',
    'ALTER ROLE ${analyst_role} SET idle_in_transaction_session_timeout = ''15min''',
    'ALTER ROLE ${analyst_role} SET temp_file_limit = ''1GB'''];
  statement text;
BEGIN
  FOREACH statement IN ARRAY limits LOOP
    BEGIN
      EXECUTE statement;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'fieldflow V5: % as %: %; a DBA must run: %;',
        'not allowed to limit the analyst role', current_user, SQLERRM, statement;
    END;
  END LOOP;
END
$$;

-- What PUBLIC can still execute afterwards is checked, not the REVOKE: by a role that does not
-- own the function it is not an error, only a server warning ("no privileges could be revoked").
DO $$
DECLARE
  large_object_functions CONSTANT text :=
    'SELECT p.oid::regprocedure AS f, p.proacl FROM pg_proc p'
    ' WHERE p.pronamespace = ''pg_catalog''::regnamespace'
    ' AND (p.proname LIKE ''lo\_%'' OR p.proname IN (''loread'', ''lowrite''))';
  f regprocedure;
  still_public text[];
BEGIN
  -- Only their owner (a superuser) can; anyone else would get a warning per function.
  FOR f IN EXECUTE 'SELECT f FROM (' || large_object_functions || ') lo'
      ' WHERE pg_has_role((SELECT proowner FROM pg_proc WHERE oid = lo.f), ''USAGE'')' LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
  -- A NULL acl is the default one, in which PUBLIC may execute; grantee 0 is PUBLIC.
  EXECUTE 'SELECT array_agg(f::text ORDER BY f::text) FROM (' || large_object_functions || ') lo'
    ' WHERE lo.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(lo.proacl) a'
    '   WHERE a.grantee = 0 AND a.privilege_type = ''EXECUTE'')'
    INTO still_public;
  IF still_public IS NOT NULL THEN
    RAISE WARNING 'fieldflow V5: % may not revoke the large-object functions from PUBLIC; a DBA'
      ' (superuser) must run, in this database: REVOKE EXECUTE ON FUNCTION % FROM PUBLIC;',
      current_user, array_to_string(still_public, ', ');
  END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- q3's hop cap
-- ---------------------------------------------------------------------------------------

CREATE FUNCTION analytics.q3_max_hops_within_cap(max_hops integer)
  RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
  IF max_hops > 6 THEN
    RAISE EXCEPTION 'max_hops % is above the cap of 6', max_hops
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'ask for 6 hops or fewer; the default network reaches most nodes within 6';
  END IF;
  RETURN true;
END
$$;
COMMENT ON FUNCTION analytics.q3_max_hops_within_cap(integer) IS
  'Raises invalid_parameter_value when max_hops is above q3''s cap of 6, else true: a walk of many hops over a dense network costs far more than any answer is worth.';

CREATE OR REPLACE FUNCTION analytics.q3(origin integer DEFAULT 94, max_hops integer DEFAULT 2)
  RETURNS TABLE (node_id integer, hops integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- As in V3, plus the cap. The walk itself stops at 6 hops whatever happens, so the cost is
  -- bounded; the check in the final WHERE has no column in it, so PostgreSQL evaluates it once,
  -- before the walk, and a caller asking for more gets the error instead of a shorter answer.
  WITH RECURSIVE walk (node_id, hops) AS (
    SELECT e.adj_node_id, 1
    FROM fieldflow.network_edges e
    WHERE e.node_id = q3.origin AND q3.max_hops >= 1
    UNION
    SELECT e.adj_node_id, w.hops + 1
    FROM walk w
    JOIN fieldflow.network_edges e ON e.node_id = w.node_id
    WHERE w.hops < least(q3.max_hops, 6)
  )
  SELECT w.node_id, min(w.hops)::integer AS hops
  FROM walk w
  WHERE analytics.q3_max_hops_within_cap(q3.max_hops)
    AND w.node_id <> q3.origin
  GROUP BY w.node_id
  ORDER BY w.node_id
$$;
COMMENT ON FUNCTION analytics.q3(integer, integer) IS
  'q3: the nodes within max_hops hops (H, default 2, at most 6) of node origin (N, default 94) in the undirected network, origin itself excluded, each with its distance in hops. Columns node_id, hops; sorted by node_id.';

REVOKE ALL ON FUNCTION analytics.q3_max_hops_within_cap(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.q3_max_hops_within_cap(integer) TO ${analyst_role};

-- ---------------------------------------------------------------------------------------
-- Retention: `manage.sh prune` runs as the writer and deletes quarantined lines past the
-- horizon (the writer already deletes network staging rows, V1).
-- ---------------------------------------------------------------------------------------

GRANT DELETE ON fieldflow.rejected_records TO ${writer_role};
