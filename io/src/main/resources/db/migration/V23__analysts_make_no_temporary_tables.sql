-- The analysts write nothing, temporary tables included. PostgreSQL grants TEMPORARY on every
-- database to PUBLIC, and temp_file_limit does not cover a temporary table: an analyst (a psql
-- session, or the console's SQL box after a COMMIT; in its text) could write gigabytes with
-- CREATE TEMP TABLE ... AS. TEMPORARY is revoked from PUBLIC and granted to the writer, whose
-- loads stage in temporary tables. Only the database's owner (or a superuser) may; anyone
-- else gets a warning saying what a DBA must run, as V5 does.

DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO ${writer_role}', current_database());
  IF has_database_privilege('${analyst_role}', current_database(), 'TEMPORARY') THEN
    RAISE WARNING 'fieldflow V23: % may not revoke TEMPORARY on database % from PUBLIC; a DBA'
      ' (its owner) must run: REVOKE TEMPORARY ON DATABASE % FROM PUBLIC; GRANT TEMPORARY ON'
      ' DATABASE % TO ${writer_role};', current_user, current_database(), current_database(),
      current_database();
  END IF;
END
$$;
