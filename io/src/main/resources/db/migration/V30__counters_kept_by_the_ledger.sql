-- The /metrics counters kept in the ledger row itself, so that no path of a read can lower them.
--
-- V29 summed each row's current counts, what each replay replaced (file_replays.previous_*)
-- and the lines requeue re-admitted. A probe found a path it missed: a replay killed mid-file
-- writes no file_replays row and leaves its row running with the counts of its last read; the
-- next read of the file (the pipeline's, or another replay, which records no previous counts
-- for a running row) then replaced those counts, and fieldflow_rows_loaded_total fell from
-- 666,431 to 409,727.
--
-- Now each row carries counted_* columns that only grow, kept by a trigger on every write of
-- the ledger, whoever writes it:
--   * a read that completes (the row becomes done with a new finished_at: a load, a replay, a
--     network snapshot's commit) adds its counts;
--   * a change to a done row that keeps its finished_at (requeue moving re-admitted lines from
--     rejected to loaded, updates or duplicates) adds what grew, and nothing for what fell;
--   * anything else (a claim, a failure, a failed replay giving the row its state back, with
--     its old finished_at) adds nothing.
-- /metrics sums them; they fall only if ledger rows are deleted (prune --ledger).

ALTER TABLE fieldflow.ingest_files
  ADD COLUMN counted_rows_loaded bigint NOT NULL DEFAULT 0 CHECK (counted_rows_loaded >= 0),
  ADD COLUMN counted_updates     bigint NOT NULL DEFAULT 0 CHECK (counted_updates >= 0),
  ADD COLUMN counted_duplicates  bigint NOT NULL DEFAULT 0 CHECK (counted_duplicates >= 0),
  ADD COLUMN counted_rejected    bigint NOT NULL DEFAULT 0 CHECK (counted_rejected >= 0);
COMMENT ON COLUMN fieldflow.ingest_files.counted_rows_loaded IS
  'Rows this file version inserted over every read of it (loads, replays, requeues): only grows; /metrics sums it (fieldflow_rows_loaded_total). counted_updates, counted_duplicates and counted_rejected likewise; a line requeue admitted later stays counted as rejected.';

-- What the rows say so far: each row's counts, what replays replaced, and requeue's re-admitted
-- lines as rejected (V29's sums, which were exact before any killed replay).
UPDATE fieldflow.ingest_files f SET
  counted_rows_loaded = f.rows_loaded + coalesce(r.rows_loaded, 0),
  counted_updates = f.updates + coalesce(r.updates, 0),
  counted_duplicates = f.duplicates + coalesce(r.duplicates, 0),
  counted_rejected = f.rejected + f.requeued + coalesce(r.rejected, 0)
FROM fieldflow.ingest_files x
LEFT JOIN (SELECT file_id, sum(previous_rows_loaded) AS rows_loaded, sum(previous_updates) AS updates,
                  sum(previous_duplicates) AS duplicates, sum(previous_rejected) AS rejected
           FROM fieldflow.file_replays WHERE previous_status = 'done' GROUP BY file_id) r
       ON r.file_id = x.file_id
WHERE x.file_id = f.file_id;

CREATE FUNCTION fieldflow.ingest_files_count_reads() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.status = 'done' AND (TG_OP = 'INSERT' OR NEW.finished_at IS DISTINCT FROM OLD.finished_at) THEN
    -- A read completed: its counts add.
    NEW.counted_rows_loaded := coalesce(OLD.counted_rows_loaded, 0) + NEW.rows_loaded;
    NEW.counted_updates := coalesce(OLD.counted_updates, 0) + NEW.updates;
    NEW.counted_duplicates := coalesce(OLD.counted_duplicates, 0) + NEW.duplicates;
    NEW.counted_rejected := coalesce(OLD.counted_rejected, 0) + NEW.rejected;
  ELSIF TG_OP = 'UPDATE' AND NEW.status = 'done' AND OLD.status = 'done' THEN
    -- The same read amended (requeue): what grew adds.
    NEW.counted_rows_loaded := OLD.counted_rows_loaded + greatest(NEW.rows_loaded - OLD.rows_loaded, 0);
    NEW.counted_updates := OLD.counted_updates + greatest(NEW.updates - OLD.updates, 0);
    NEW.counted_duplicates := OLD.counted_duplicates + greatest(NEW.duplicates - OLD.duplicates, 0);
    NEW.counted_rejected := OLD.counted_rejected + greatest(NEW.rejected - OLD.rejected, 0);
  ELSIF TG_OP = 'UPDATE' THEN
    -- A claim, a failure, a state given back: nothing read, nothing counted, nothing lost.
    NEW.counted_rows_loaded := OLD.counted_rows_loaded;
    NEW.counted_updates := OLD.counted_updates;
    NEW.counted_duplicates := OLD.counted_duplicates;
    NEW.counted_rejected := OLD.counted_rejected;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION fieldflow.ingest_files_count_reads() IS
  'Keeps ingest_files.counted_*: a completed read (done with a new finished_at) adds its counts, an amendment of a done row adds what grew, anything else keeps them.';

CREATE TRIGGER ingest_files_count_reads BEFORE INSERT OR UPDATE ON fieldflow.ingest_files
  FOR EACH ROW EXECUTE FUNCTION fieldflow.ingest_files_count_reads();
