-- A file that kills its reader is not retried forever. Before a load locks its file, it records,
-- in a short transaction of its own, that a load of the current attempt began
-- (load_started_attempt). A load that commits leaves the file done; a reader that dies (killed,
-- out of memory, stopped) leaves the marker behind, and the claim that takes the file over
-- counts a reader death. The second death fails the file (retry_after = infinity); a --once
-- run, which retries failed files at once, tries it again.
ALTER TABLE fieldflow.ingest_files
  ADD COLUMN load_started_attempt integer,
  ADD COLUMN reader_deaths integer NOT NULL DEFAULT 0 CHECK (reader_deaths >= 0);
COMMENT ON COLUMN fieldflow.ingest_files.load_started_attempt IS
  'The attempt whose load last began: if the file is still running for that attempt when another claim takes it, that reader died.';
COMMENT ON COLUMN fieldflow.ingest_files.reader_deaths IS
  'How many readers died while loading this file; at 2 the file is failed instead of retried.';
