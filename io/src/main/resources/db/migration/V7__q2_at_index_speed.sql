-- q2 at index speed. q2 compares the notes of the first two visits of every task whose visit 1
-- failed and visit 2 succeeded, so it reads every such pair whatever W is (about 117,000 on
-- 1,000,000 visits). V3 read both visits from the table and counted the shared tokens with
-- unnest, sort and count(DISTINCT) per pair: 448-478 ms. Here both visits come from two
-- covering partial indexes in task order (an index-only merge join, no table access), and the
-- distinct shared tokens are counted by intarray's & (sorted, de-duplicated intersection, in C).
--
-- intarray lives in its own schema, outside every search_path: installed in public it would
-- replace the built-in @> and && for integer[] with its own operators, which the GIN index on
-- note_tokens (array_ops) cannot serve, and q5 and the analysts' token searches would stop
-- using it. It is a trusted extension (PostgreSQL 13+): the migrations' owner may create it.
-- intarray refuses arrays with NULL elements; note_tokens never has one (tokens are parsed
-- integers).
--
-- Cost on the write path: the two partial indexes hold the notes of first failed and second
-- successful visits (about 27% and 13% of the visits; 22 MB and 11 MB on 1,000,000 visits).

CREATE SCHEMA intarray;
COMMENT ON SCHEMA intarray IS
  'The intarray extension, kept off the search_path so that its operators do not replace the built-in integer[] operators the GIN index on visits.note_tokens serves. analytics.q2 calls OPERATOR(intarray.&).';
CREATE EXTENSION intarray WITH SCHEMA intarray;
REVOKE ALL ON SCHEMA intarray FROM PUBLIC;
GRANT USAGE ON SCHEMA intarray TO ${analyst_role};

-- Visit 1 of a task, when it failed, with its note: q2's first visits, index-only.
CREATE INDEX visits_first_visit_failed_notes_idx
  ON fieldflow.visits (task_id) INCLUDE (note_tokens)
  WHERE visit_id = 1 AND outcome = 'FAIL';

-- Visit 2 of a task, when it succeeded, with its note: replaces V3's index on the task alone.
CREATE INDEX visits_second_visit_success_notes_idx
  ON fieldflow.visits (task_id) INCLUDE (note_tokens)
  WHERE visit_id = 2 AND outcome = 'SUCCESS';
DROP INDEX fieldflow.visits_second_visit_success_idx;

CREATE OR REPLACE FUNCTION analytics.q2(min_shared integer DEFAULT 5)
  RETURNS TABLE (task_id bigint, shared_tokens integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT second.task_id, shared.tokens AS shared_tokens
  FROM fieldflow.visits second
  JOIN fieldflow.visits first
    ON first.task_id = second.task_id AND first.visit_id = 1 AND first.outcome = 'FAIL'
  -- Distinct tokens present in both notes: & de-duplicates, so a token repeated in one note
  -- counts once.
  CROSS JOIN LATERAL (
    SELECT intarray.icount(first.note_tokens OPERATOR(intarray.&) second.note_tokens) AS tokens
  ) shared
  WHERE second.visit_id = 2
    AND second.outcome = 'SUCCESS'
    AND shared.tokens >= q2.min_shared
  ORDER BY second.task_id
$$;
COMMENT ON FUNCTION analytics.q2(integer) IS
  'q2: tasks completed successfully at their second visit (visit 1 failed, visit 2 succeeded) whose two notes share at least min_shared (W, default 5) distinct tokens. Columns task_id, shared_tokens (the number of distinct shared tokens); sorted by task_id.';
