-- The monitor role: what the console's operator pages (Ingestion, /metrics) read, and nothing
-- more. Until now they read the ledger and the quarantine on the writer's login, which can also
-- write the model. The monitor can read the ledger, the quarantine and the completeness view,
-- and write nothing; the model, the network and the analysts' schema are not its to read.
-- The role name is a Flyway placeholder, like the writer's and the analyst's (V1).

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${monitor_role}') THEN
    CREATE ROLE ${monitor_role} NOLOGIN;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA fieldflow TO ${monitor_role};
GRANT SELECT ON fieldflow.ingest_files, fieldflow.rejected_records, fieldflow.input_completeness
  TO ${monitor_role};
