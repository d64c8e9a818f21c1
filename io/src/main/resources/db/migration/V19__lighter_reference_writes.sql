-- Less work for PostgreSQL on every visit file loaded (docs/INGESTING-VISITS.md, "What is
-- left"). Measured on a throwaway local server, 1,000,000 bench visits in 100 files of 10,000,
-- DirectRunner, alternating runs (2026-11-30).

-- 1. tasks_node_id_idx (V1) served the foreign key from tasks to nodes, which V4 replaced by a
--    statement trigger that probes nodes by its primary key. No question, view, trigger or
--    pipeline reads tasks by node, yet every task inserted maintained it: about 1.5-2.4
--    PostgreSQL core-seconds and 0.9-1.1 s of wall time per 1,000,000 visits (two pairs).
--    An analyst's ad-hoc "tasks at node N" now scans tasks: 24 ms for 560,000 tasks.
--    IF EXISTS: an operator may have dropped it already.
DROP INDEX IF EXISTS fieldflow.tasks_node_id_idx;

-- 2. The set-based reference checks (V4, V17) probed the referenced key once per row written:
--    a 10,000-line file probed nodes 10,000 times for its 499 nodes. They now probe each
--    distinct key of the statement once. Same rule, same SQLSTATE (23503), same message.
CREATE OR REPLACE FUNCTION fieldflow.check_visit_references() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  missing_task bigint;
  missing_node integer;
  orphan record;
BEGIN
  -- A nested loop of index probes (LATERAL ... LIMIT 1), never a scan of the referenced table.
  SELECT n.task_id INTO missing_task
    FROM (SELECT DISTINCT w.task_id FROM written w) n
    LEFT JOIN LATERAL (SELECT true AS found FROM fieldflow.tasks x
                       WHERE x.task_id = n.task_id LIMIT 1) t ON true
    WHERE t.found IS NULL
    LIMIT 1;
  IF FOUND THEN
    SELECT w.task_id, w.visit_id INTO orphan FROM written w WHERE w.task_id = missing_task LIMIT 1;
    RAISE EXCEPTION 'visit (task %, visit %) references a missing task %', orphan.task_id,
        orphan.visit_id, orphan.task_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT n.node_id INTO missing_node
    FROM (SELECT DISTINCT w.node_id FROM written w) n
    LEFT JOIN LATERAL (SELECT true AS found FROM fieldflow.nodes x
                       WHERE x.node_id = n.node_id LIMIT 1) d ON true
    WHERE d.found IS NULL
    LIMIT 1;
  IF FOUND THEN
    SELECT w.task_id, w.visit_id, w.node_id INTO orphan FROM written w
      WHERE w.node_id = missing_node LIMIT 1;
    RAISE EXCEPTION 'visit (task %, visit %) references a missing node %', orphan.task_id,
        orphan.visit_id, orphan.node_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION fieldflow.check_task_references() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  missing_node integer;
  orphan record;
BEGIN
  SELECT n.node_id INTO missing_node
    FROM (SELECT DISTINCT w.node_id FROM written w) n
    LEFT JOIN LATERAL (SELECT true AS found FROM fieldflow.nodes x
                       WHERE x.node_id = n.node_id LIMIT 1) d ON true
    WHERE d.found IS NULL
    LIMIT 1;
  IF FOUND THEN
    SELECT w.task_id, w.node_id INTO orphan FROM written w WHERE w.node_id = missing_node LIMIT 1;
    RAISE EXCEPTION 'task % references a missing node %', orphan.task_id, orphan.node_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
