-- Which pipeline runs are alive, so that a run takes over only the files of dead runs.
--
-- Every database session of a visit pipeline run holds a SHARED session-level advisory lock
-- keyed by its run id (RetryingDatabase.forRun). PostgreSQL drops a session's locks when the
-- session ends, however it ends (stop, kill -9, a lost network), so "some session holds the
-- run's lock" is exactly "the run is alive". A file 'running' for a live run is never taken as
-- an orphan: a continuous run and a --once backfill on the same database leave each other's
-- queued files alone. Only the claim lease (a file claimed but lost inside a live run, e.g.
-- after a Flink restore) still takes a file of a live run.
--
-- Advisory locks are refused to every other role (PUBLIC), so an analyst can neither fake a
-- live run nor hold a lock the pipelines wait for.

CREATE FUNCTION fieldflow.run_lock_key(run uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- The run id's first 64 bits, as Java's UUID.getMostSignificantBits().
  SELECT ('x' || left(replace(run::text, '-', ''), 16))::bit(64)::bigint
$$;
COMMENT ON FUNCTION fieldflow.run_lock_key(uuid) IS
  'The advisory lock key of a pipeline run: the first 64 bits of its id.';

CREATE FUNCTION fieldflow.run_is_alive(run uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT run IS NOT NULL AND EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      -- A bigint key is split into classid (high 32 bits) and objid (low 32 bits).
      AND ((l.classid::text::bigint << 32) | l.objid::text::bigint) = fieldflow.run_lock_key(run))
$$;
COMMENT ON FUNCTION fieldflow.run_is_alive(uuid) IS
  'Whether some session of pipeline run RUN is connected (holds the run''s advisory lock).';

REVOKE ALL ON FUNCTION fieldflow.run_lock_key(uuid), fieldflow.run_is_alive(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fieldflow.run_lock_key(uuid), fieldflow.run_is_alive(uuid)
  TO ${writer_role};

-- Advisory locks for the writer only. Revoking them from PUBLIC needs their owner (a
-- superuser); without that the migration goes on and says what a DBA must run.
DO $$
DECLARE
  f regprocedure;
  still_public text[];
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
      WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory%'
        AND pg_has_role(p.proowner, 'USAGE') LOOP
    EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ${writer_role}', f);
  END LOOP;
  SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) INTO still_public FROM pg_proc p
    WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory%'
      AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a
        WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'));
  IF still_public IS NOT NULL THEN
    RAISE WARNING 'fieldflow V8: % may not revoke the advisory-lock functions from PUBLIC; a DBA'
      ' (superuser) must run, in this database: REVOKE EXECUTE ON FUNCTION % FROM PUBLIC; and'
      ' GRANT EXECUTE ON the same functions TO ${writer_role};',
      current_user, array_to_string(still_public, ', ');
  END IF;
END
$$;
