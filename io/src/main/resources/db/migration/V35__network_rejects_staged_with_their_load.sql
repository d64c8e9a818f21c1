-- A network load that does not commit keeps nothing but its ledger rows, as a visit file that is
-- refused or fails keeps nothing but its ledger row (its load is one transaction). Before V35 a
-- network load wrote its rejected lines straight into the quarantine while it read, before its
-- commit decided: a snapshot the shrink guard refused left its bad_node lines in
-- rejected_records while its ledger rows counted 0 rejected, and the console counted them as
-- rejects of a network that was never loaded. Rejected lines are now staged with the load, like
-- its parsed lines, and the commit moves them into the quarantine in the transaction that swaps
-- the snapshot in; a load that does not commit has its staged rejects removed with its staging.
CREATE TABLE fieldflow.network_staging_rejects (
  load_id         uuid        NOT NULL,
  file            text        NOT NULL,
  file_version    text        NOT NULL,
  line_number     bigint      NOT NULL CHECK (line_number >= 1),
  raw_text        text        NOT NULL CHECK (length(raw_text) <= 65536),
  original_length integer     NOT NULL CHECK (original_length >= length(raw_text)),
  reason_code     text        NOT NULL,
  message         text        NOT NULL,
  staged_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (load_id, file, line_number)
);
COMMENT ON TABLE fieldflow.network_staging_rejects IS
  'Rejected lines of a network load in progress; moved into rejected_records when the load commits, removed when it does not.';

GRANT SELECT, INSERT, DELETE ON fieldflow.network_staging_rejects TO ${writer_role};
