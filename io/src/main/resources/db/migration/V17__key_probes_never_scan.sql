-- The look-ups by key inside the ingest's triggers stay index probes whatever the statistics
-- say.
--
-- The refresh of second_visit_successes at commit (V13, V16) and the set-based reference checks
-- (V4) find rows by key with LATERAL (... LIMIT 1). Under LIMIT 1 the planner prices a
-- sequential scan by how soon it expects a match: statistics that make a key look common
-- (few distinct task ids) make scanning the whole table look cheaper than one index probe, and
-- the scan then runs once per queued task: quadratic. With n_distinct of visits.task_id set to
-- 1, the refresh's INSERT plans a Seq Scan on visits for both look-ups. The bench met a stall of
-- this shape (2026-11-30 01:32 UTC, local cluster, third trial): about ten files into a freshly
-- truncated visits table, the commits of three files took 38, 57 and 96 s, one at a time behind
-- the refresh's lock, with PostgreSQL at 151 core-s for the run against about 45 otherwise;
-- the commits before and after took tens of milliseconds. Its plan was not captured.
--
-- None of these functions has a statement that needs a sequential scan of a stored table (the
-- transition tables and unnest() are not affected), so they run with enable_seqscan off: the
-- planner takes the index whenever there is one.
ALTER FUNCTION fieldflow.second_visit_successes_refresh() SET enable_seqscan = off;
ALTER FUNCTION fieldflow.check_visit_references() SET enable_seqscan = off;
ALTER FUNCTION fieldflow.check_task_references() SET enable_seqscan = off;
