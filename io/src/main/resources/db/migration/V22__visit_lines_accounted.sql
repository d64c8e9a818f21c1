-- Nothing lost, checked by the database: a visit file done accounts for every data line it had,
-- each loaded, an update, a duplicate or rejected (one record per accepted line). V1's check
-- held the two halves apart (records_read = rows_loaded + updates + duplicates, and
-- lines_read >= rejected), so a done visit file whose lines_read exceeded its records and
-- rejects passed. The network pipeline counts records per neighbour, not per line: not checked.

ALTER TABLE fieldflow.ingest_files ADD CONSTRAINT ingest_files_visit_lines_accounted CHECK (
  status <> 'done' OR pipeline <> 'visit'
  OR lines_read = rows_loaded + updates + duplicates + rejected);
