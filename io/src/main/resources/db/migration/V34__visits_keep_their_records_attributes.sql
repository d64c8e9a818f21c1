-- A re-sent identical record changes nothing (docs/DATA-CONTRACT.md, "Duplicates"), not even the
-- task and node it names. Each visit line also carries its task's attributes (task_type,
-- original_reported_date) and its node's type; the tasks and nodes tables keep the values of
-- the last line that named them. Before V34 a line whose visit was stored as it was (a
-- duplicate) still wrote its task's and node's attributes: re-sending an old file, re-reading a
-- file appended to in place, or replaying one put back attributes a later file had changed,
-- while the ledger counted those lines as duplicates.
--
-- A visit now keeps the task and node attributes of the record that last wrote it, so that
-- "identical" means the whole record: a line identical to the stored one (visit and
-- attributes) is a duplicate and changes nothing; a line that differs in any of them is an
-- update, and it alone moves its task's and node's attributes (VisitMerge).
ALTER TABLE fieldflow.visits
  ADD COLUMN task_type              integer CHECK (task_type >= 0),
  ADD COLUMN original_reported_date date,
  ADD COLUMN node_type              integer CHECK (node_type >= 0);

-- The visits stored before: the attributes their task and node have now, the best knowledge of
-- what their records said (a re-sent record that differs is counted an update once). This
-- rewrites every stored visit once (and queues the q2 summary of every task for the commit):
-- on a large database, let it run when no load is running.
UPDATE fieldflow.visits v
   SET task_type = t.task_type, original_reported_date = t.original_reported_date,
       node_type = n.node_type
  FROM fieldflow.tasks t, fieldflow.nodes n
 WHERE t.task_id = v.task_id AND n.node_id = v.node_id;

COMMENT ON COLUMN fieldflow.visits.task_type IS
  'The task_type of the record that last wrote this visit (its task''s own may be newer). NULL for a row written outside the pipelines.';
COMMENT ON COLUMN fieldflow.visits.original_reported_date IS
  'The original_reported_date of the record that last wrote this visit (its task''s own may be newer). NULL for a row written outside the pipelines.';
COMMENT ON COLUMN fieldflow.visits.node_type IS
  'The node_type of the record that last wrote this visit (its node''s own may be newer). NULL for a row written outside the pipelines.';
COMMENT ON TABLE fieldflow.visits IS
  'One visit per (task_id, visit_id); a re-sent identical record (visit, task and node attributes) changes nothing, a changed one replaces the row and its task''s and node''s attributes (last ingested wins). note_tokens keeps the note''s integer tokens in order.';
