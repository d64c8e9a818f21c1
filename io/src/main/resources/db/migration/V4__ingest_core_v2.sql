-- Ingest core v2 (ingest/, visits/VisitFileLoad): a visit file is read, staged, merged and recorded
-- done in ONE transaction of the loading session.

-- 1. The stage is a temporary table of that session (pg_temp.visit_stage, made by the
--    pipeline: no WAL, no index, emptied at commit), so the shared, WAL-logged staging table
--    of V2 is gone. An attempt that dies leaves nothing behind to clean up.
DROP TABLE fieldflow.visit_staging;

-- 2. Referential integrity of the ingest tables is checked once per statement, set-based,
--    instead of once per row. A per-row foreign key runs a look-up and takes a KEY SHARE row
--    lock on the referenced task and node for every visit written: measured on 200,000 visits,
--    the visits merge took 20.7 s with the two foreign keys and 11.3 s without them (see
--    docs/BENCHMARKS.md). The rule stays a rule: these constraint triggers refuse, with
--    SQLSTATE 23503 like a foreign key, any statement that leaves a visit without its task or
--    node, or a task without its node. No row lock is needed for that because no role may
--    delete a node or a task or change their keys (the writer has INSERT and UPDATE only; the
--    update statements of the pipelines never set a key).
ALTER TABLE fieldflow.visits DROP CONSTRAINT visits_task_id_fkey;
ALTER TABLE fieldflow.visits DROP CONSTRAINT visits_node_id_fkey;
ALTER TABLE fieldflow.tasks DROP CONSTRAINT tasks_node_id_fkey;

CREATE FUNCTION fieldflow.check_visit_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  orphan record;
BEGIN
  -- A nested loop of index probes (LATERAL ... LIMIT 1), never a scan of the referenced table.
  SELECT n.task_id, n.visit_id, n.node_id, t.found AS task_found, d.found AS node_found
    INTO orphan
    FROM written n
    LEFT JOIN LATERAL (SELECT true AS found FROM fieldflow.tasks x
                       WHERE x.task_id = n.task_id LIMIT 1) t ON true
    LEFT JOIN LATERAL (SELECT true AS found FROM fieldflow.nodes x
                       WHERE x.node_id = n.node_id LIMIT 1) d ON true
    WHERE t.found IS NULL OR d.found IS NULL
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'visit (task %, visit %) references a missing %', orphan.task_id,
        orphan.visit_id,
        CASE WHEN orphan.task_found IS NULL THEN 'task ' || orphan.task_id
             ELSE 'node ' || orphan.node_id END
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.check_visit_references() IS
  'Set-based foreign key check of the visits a statement wrote: their task and node exist.';

CREATE TRIGGER visits_references_inserted AFTER INSERT ON fieldflow.visits
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.check_visit_references();
CREATE TRIGGER visits_references_updated AFTER UPDATE ON fieldflow.visits
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.check_visit_references();

CREATE FUNCTION fieldflow.check_task_references() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  orphan record;
BEGIN
  SELECT n.task_id, n.node_id INTO orphan
    FROM written n
    LEFT JOIN LATERAL (SELECT true AS found FROM fieldflow.nodes x
                       WHERE x.node_id = n.node_id LIMIT 1) d ON true
    WHERE d.found IS NULL
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'task % references a missing node %', orphan.task_id, orphan.node_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION fieldflow.check_task_references() IS
  'Set-based foreign key check of the tasks a statement wrote: their node exists.';

CREATE TRIGGER tasks_references_inserted AFTER INSERT ON fieldflow.tasks
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.check_task_references();
CREATE TRIGGER tasks_references_updated AFTER UPDATE ON fieldflow.tasks
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT
  EXECUTE FUNCTION fieldflow.check_task_references();

REVOKE ALL ON FUNCTION fieldflow.check_visit_references(), fieldflow.check_task_references()
  FROM PUBLIC;
