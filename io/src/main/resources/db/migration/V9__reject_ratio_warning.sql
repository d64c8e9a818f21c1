-- A file whose lines are mostly rejected is loaded (its good lines count) but flagged: it is
-- more likely not visit JSON lines at all, or from a producer that changed its format.
ALTER TABLE fieldflow.ingest_files ADD COLUMN warning text;
COMMENT ON COLUMN fieldflow.ingest_files.warning IS
  'Set on a done file whose reject ratio passed --maxRejectRatio (the message says by how much); shown by manage.sh status and the console.';
