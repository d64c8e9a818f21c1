-- fieldflow's normalized model: the network, tasks and visits that analysts query, plus the
-- ingestion ledger and quarantine that make every load auditable.
-- Role names are Flyway placeholders (${writer_role}, ${analyst_role}) so that an operator
-- can map them onto roles a DBA already manages. Roles are created without LOGIN and without
-- a password: passwords are set outside the repository (manage.sh db start, or the DBA).

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${writer_role}') THEN
    CREATE ROLE ${writer_role} NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${analyst_role}') THEN
    CREATE ROLE ${analyst_role} NOLOGIN;
  END IF;
END
$$;

COMMENT ON SCHEMA fieldflow IS
  'fieldflow''s normalized model of field-service visits and the node network, and its ingestion ledger.';

-- ---------------------------------------------------------------------------------------
-- The model
-- ---------------------------------------------------------------------------------------

CREATE TABLE fieldflow.nodes (
  node_id       integer     PRIMARY KEY CHECK (node_id >= 0),
  node_type     integer     CHECK (node_type >= 0),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE fieldflow.nodes IS
  'Every node seen in the network or in a visit. node_type comes from visits (NODE TYPE<n>) and is null for a node only the network names.';

CREATE TABLE fieldflow.network_edges (
  node_id     integer NOT NULL REFERENCES fieldflow.nodes,
  adj_node_id integer NOT NULL REFERENCES fieldflow.nodes,
  PRIMARY KEY (node_id, adj_node_id),
  CONSTRAINT network_edges_no_self_loop CHECK (node_id <> adj_node_id),
  -- Edges are undirected: every edge is stored in both directions, checked at commit.
  CONSTRAINT network_edges_both_directions FOREIGN KEY (adj_node_id, node_id)
    REFERENCES fieldflow.network_edges (node_id, adj_node_id) DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE fieldflow.network_edges IS
  'The current network snapshot as undirected edges stored in both directions (a-b and b-a), no self-loops. Replaced atomically by each network load.';

CREATE TABLE fieldflow.network_snapshots (
  snapshot_id        uuid        PRIMARY KEY,
  committed_at       timestamptz NOT NULL DEFAULT now(),
  files              integer     NOT NULL CHECK (files >= 0),
  nodes              integer     NOT NULL CHECK (nodes >= 0),
  edges              integer     NOT NULL CHECK (edges >= 0),
  rejected_lines     bigint      NOT NULL CHECK (rejected_lines >= 0),
  dropped_self_loops bigint      NOT NULL CHECK (dropped_self_loops >= 0),
  dropped_duplicates bigint      NOT NULL CHECK (dropped_duplicates >= 0)
);
COMMENT ON TABLE fieldflow.network_snapshots IS
  'One row per committed network load; the latest is what network_edges holds. edges counts undirected edges.';

CREATE TABLE fieldflow.tasks (
  task_id                bigint      PRIMARY KEY CHECK (task_id >= 0),
  task_type              integer     NOT NULL CHECK (task_type >= 0),
  node_id                integer     NOT NULL REFERENCES fieldflow.nodes,
  original_reported_date date        NOT NULL,
  updated_at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE fieldflow.tasks IS
  'One job at one node, possibly needing several visits; attributes upserted from its visits (last ingested wins).';
CREATE INDEX tasks_node_id_idx ON fieldflow.tasks (node_id);

CREATE TABLE fieldflow.ingest_files (
  file_id        bigserial   PRIMARY KEY,
  pipeline       text        NOT NULL CHECK (pipeline IN ('visit', 'network')),
  path           text        NOT NULL,
  version        text        NOT NULL,
  size_bytes     bigint      CHECK (size_bytes >= 0),
  last_modified  timestamptz,
  status         text        NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  attempts       integer     NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  lines_read     bigint      NOT NULL DEFAULT 0 CHECK (lines_read >= 0),
  records_read   bigint      NOT NULL DEFAULT 0 CHECK (records_read >= 0),
  rows_loaded    bigint      NOT NULL DEFAULT 0 CHECK (rows_loaded >= 0),
  updates        bigint      NOT NULL DEFAULT 0 CHECK (updates >= 0),
  duplicates     bigint      NOT NULL DEFAULT 0 CHECK (duplicates >= 0),
  rejected       bigint      NOT NULL DEFAULT 0 CHECK (rejected >= 0),
  error          text,
  discovered_at  timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  UNIQUE (pipeline, path, version),
  -- Nothing lost: a finished file accounts for every data line it had.
  CONSTRAINT ingest_files_accounted CHECK (
    status <> 'done'
    OR (lines_read >= rejected AND records_read = rows_loaded + updates + duplicates)),
  CONSTRAINT ingest_files_failed_has_error CHECK (status <> 'failed' OR error IS NOT NULL)
);
COMMENT ON TABLE fieldflow.ingest_files IS
  'The ledger: one row per file version (path + etag, or size and mtime) per pipeline. lines_read counts data lines (not blank, not comment-only); records_read = rows_loaded + updates + duplicates. Visits: one record per accepted line, so lines_read = rows_loaded + updates + duplicates + rejected. Network: a record is one neighbour written on a line; rows_loaded counts undirected edges first written by this file, duplicates the repeated edges and self-loops dropped.';

CREATE TABLE fieldflow.visits (
  task_id              bigint      NOT NULL REFERENCES fieldflow.tasks,
  visit_id             integer     NOT NULL CHECK (visit_id >= 1),
  node_id              integer     NOT NULL REFERENCES fieldflow.nodes,
  visit_date           date        NOT NULL,
  node_age             integer     NOT NULL CHECK (node_age >= 0),
  engineer_skill_level integer     NOT NULL CHECK (engineer_skill_level >= 0),
  outcome              text        NOT NULL CHECK (outcome IN ('SUCCESS', 'FAIL')),
  note_tokens          integer[]   NOT NULL DEFAULT '{}'
                         CHECK (array_ndims(note_tokens) IS NULL OR array_ndims(note_tokens) = 1),
  source_file          text        NOT NULL,
  source_line          bigint      NOT NULL CHECK (source_line >= 1),
  ingested_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, visit_id)
);
COMMENT ON TABLE fieldflow.visits IS
  'One visit per (task_id, visit_id); a re-sent identical visit changes nothing, a changed one replaces the row (last ingested wins). note_tokens keeps the note''s integer tokens in order.';
COMMENT ON COLUMN fieldflow.visits.note_tokens IS
  'The engineer''s note as integer tokens in note order; repeated tokens kept. See visit_note_tokens for one row per token.';
CREATE INDEX visits_node_date_idx ON fieldflow.visits (node_id, visit_date);
CREATE INDEX visits_date_idx ON fieldflow.visits (visit_date);
CREATE INDEX visits_note_tokens_idx ON fieldflow.visits USING gin (note_tokens);

CREATE VIEW fieldflow.visit_note_tokens AS
  SELECT v.task_id, v.visit_id, t.position::integer AS position, t.token
  FROM fieldflow.visits v
  CROSS JOIN LATERAL unnest(v.note_tokens) WITH ORDINALITY AS t(token, position);
COMMENT ON VIEW fieldflow.visit_note_tokens IS
  'The relational form of visit notes: one row per token, position 1-based in note order.';

CREATE TABLE fieldflow.rejected_records (
  reject_id       bigserial   PRIMARY KEY,
  pipeline        text        NOT NULL CHECK (pipeline IN ('visit', 'network')),
  file            text        NOT NULL,
  file_version    text        NOT NULL,
  line_number     bigint      NOT NULL CHECK (line_number >= 1),
  raw_text        text        NOT NULL CHECK (length(raw_text) <= 65536),
  original_length integer     NOT NULL CHECK (original_length >= length(raw_text)),
  reason_code     text        NOT NULL,
  message         text        NOT NULL,
  rejected_at     timestamptz NOT NULL DEFAULT now(),
  -- A re-read of the same file version does not store its rejects twice.
  UNIQUE (pipeline, file, file_version, line_number)
);
COMMENT ON TABLE fieldflow.rejected_records IS
  'The quarantine: every input line that could not be loaded, with its raw text (first 64 KiB characters; original_length tells what was cut), where it came from, and why.';
CREATE INDEX rejected_records_reason_idx ON fieldflow.rejected_records (reason_code);

-- ---------------------------------------------------------------------------------------
-- Staging: network loads write here first; one transaction then swaps the snapshot in.
-- ---------------------------------------------------------------------------------------

CREATE TABLE fieldflow.network_staging_files (
  load_id       uuid        NOT NULL,
  path          text        NOT NULL,
  version       text        NOT NULL,
  size_bytes    bigint,
  last_modified timestamptz,
  staged_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (load_id, path)
);
COMMENT ON TABLE fieldflow.network_staging_files IS
  'Files of a network load being committed; filled and emptied inside the commit transaction.';

CREATE TABLE fieldflow.network_staging (
  load_id     uuid      NOT NULL,
  file        text      NOT NULL,
  line_number bigint    NOT NULL,
  node_id     integer   NOT NULL CHECK (node_id >= 0),
  neighbours  integer[] NOT NULL,
  staged_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (load_id, file, line_number)
);
COMMENT ON TABLE fieldflow.network_staging IS
  'Parsed adjacency lines of a network load in progress; emptied when the load commits.';

-- ---------------------------------------------------------------------------------------
-- Privileges: the pipelines write, the analysts read the model, nobody else gets anything.
-- ---------------------------------------------------------------------------------------

REVOKE ALL ON SCHEMA fieldflow FROM PUBLIC;
GRANT USAGE ON SCHEMA fieldflow TO ${writer_role}, ${analyst_role};

GRANT SELECT, INSERT, UPDATE ON fieldflow.nodes, fieldflow.tasks, fieldflow.visits,
  fieldflow.ingest_files, fieldflow.rejected_records, fieldflow.network_snapshots
  TO ${writer_role};
GRANT SELECT, INSERT, DELETE ON fieldflow.network_edges, fieldflow.network_staging,
  fieldflow.network_staging_files TO ${writer_role};
GRANT USAGE ON SEQUENCE fieldflow.ingest_files_file_id_seq,
  fieldflow.rejected_records_reject_id_seq TO ${writer_role};

GRANT SELECT ON fieldflow.nodes, fieldflow.network_edges, fieldflow.tasks, fieldflow.visits,
  fieldflow.visit_note_tokens TO ${analyst_role};
