package dev.fieldflow.analytics.console;

import dev.fieldflow.io.db.EmbeddedPostgresExtension;

/**
 * What the console tests read: a small network (94 - 1 - 2 - 3), one task with two visits, a
 * ledger with done, failed and running files of both pipelines and two quarantined lines, with
 * times fixed so that lag and freshness are exact at {@link ConsoleHttpTest#NOW}.
 */
final class ConsoleFixture {
  private ConsoleFixture() {}

  /** {@code /metrics} for these rows at 2026-01-01T12:00:00Z. */
  static final String METRICS =
      "# HELP fieldflow_console_database_up Whether the console could read the ledger.\n"
          + "# TYPE fieldflow_console_database_up gauge\n"
          + "fieldflow_console_database_up 1\n"
          + "# HELP fieldflow_files Files of the ingestion ledger by status (superseded: failed"
          + " versions of a file whose later version is done, not counted as failed).\n"
          + "# TYPE fieldflow_files gauge\n"
          + "fieldflow_files{pipeline=\"visit\",status=\"done\"} 2\n"
          + "fieldflow_files{pipeline=\"visit\",status=\"failed\"} 1\n"
          + "fieldflow_files{pipeline=\"visit\",status=\"running\"} 1\n"
          + "fieldflow_files{pipeline=\"visit\",status=\"superseded\"} 0\n"
          + "fieldflow_files{pipeline=\"network\",status=\"done\"} 1\n"
          + "fieldflow_files{pipeline=\"network\",status=\"failed\"} 0\n"
          + "fieldflow_files{pipeline=\"network\",status=\"running\"} 0\n"
          + "fieldflow_files{pipeline=\"network\",status=\"superseded\"} 0\n"
          + "# HELP fieldflow_backlog_files Files a pipeline has still to finish: running, or failed and to be retried.\n"
          + "# TYPE fieldflow_backlog_files gauge\n"
          + "fieldflow_backlog_files{pipeline=\"visit\"} 2\n"
          + "fieldflow_backlog_files{pipeline=\"network\"} 0\n"
          + "# HELP fieldflow_rows_loaded_total Rows inserted, over every read of the files (loads, replays, requeues).\n"
          + "# TYPE fieldflow_rows_loaded_total counter\n"
          + "fieldflow_rows_loaded_total{pipeline=\"visit\"} 11\n"
          + "fieldflow_rows_loaded_total{pipeline=\"network\"} 3\n"
          + "# HELP fieldflow_rows_updated_total Rows replaced with a changed version, over every read of the files.\n"
          + "# TYPE fieldflow_rows_updated_total counter\n"
          + "fieldflow_rows_updated_total{pipeline=\"visit\"} 1\n"
          + "fieldflow_rows_updated_total{pipeline=\"network\"} 0\n"
          + "# HELP fieldflow_rows_duplicate_total Records identical to a stored row, over every read of the files.\n"
          + "# TYPE fieldflow_rows_duplicate_total counter\n"
          + "fieldflow_rows_duplicate_total{pipeline=\"visit\"} 1\n"
          + "fieldflow_rows_duplicate_total{pipeline=\"network\"} 0\n"
          + "# HELP fieldflow_lines_rejected_total Lines that could not be loaded when read, over every read of the files (a line a requeue admitted later stays counted).\n"
          + "# TYPE fieldflow_lines_rejected_total counter\n"
          + "fieldflow_lines_rejected_total{pipeline=\"visit\"} 2\n"
          + "fieldflow_lines_rejected_total{pipeline=\"network\"} 0\n"
          + "# HELP fieldflow_ingest_lag_seconds From the last committed file's arrival (last-modified time) to its rows committed.\n"
          + "# TYPE fieldflow_ingest_lag_seconds gauge\n"
          + "fieldflow_ingest_lag_seconds{pipeline=\"visit\"} 2.5\n"
          + "fieldflow_ingest_lag_seconds{pipeline=\"network\"} 60\n"
          + "# HELP fieldflow_freshness_seconds Seconds since the pipeline last committed a file.\n"
          + "# TYPE fieldflow_freshness_seconds gauge\n"
          + "fieldflow_freshness_seconds{pipeline=\"visit\"} 2997.5\n"
          + "fieldflow_freshness_seconds{pipeline=\"network\"} 10800\n"
          + "# HELP fieldflow_last_commit_timestamp_seconds When the pipeline last committed a file (Unix time).\n"
          + "# TYPE fieldflow_last_commit_timestamp_seconds gauge\n"
          + "fieldflow_last_commit_timestamp_seconds{pipeline=\"visit\"} 1767265802.5\n"
          + "fieldflow_last_commit_timestamp_seconds{pipeline=\"network\"} 1767258000\n";

  static void insert(EmbeddedPostgresExtension db) {
    db.execute("INSERT INTO fieldflow.nodes (node_id, node_type) VALUES (94, 1), (1, 2), (2, NULL),"
        + " (3, NULL)");
    db.execute("INSERT INTO fieldflow.network_edges VALUES (94, 1), (1, 94), (1, 2), (2, 1),"
        + " (2, 3), (3, 2)");
    db.execute("INSERT INTO fieldflow.tasks VALUES (7, 1, 1, DATE '2020-03-01')");
    db.execute(
        "INSERT INTO fieldflow.visits (task_id, visit_id, node_id, visit_date, node_age,"
            + " engineer_skill_level, outcome, note_tokens, source_file, source_line) VALUES"
            + " (7, 1, 1, DATE '2020-03-02', 3, 3, 'FAIL', '{126,1,2}', 'visits/a.jsonl', 1),"
            + " (7, 2, 1, DATE '2020-03-03', 3, 3, 'SUCCESS', '{1,2,126}', 'visits/a.jsonl', 2)");
    db.execute(
        "INSERT INTO fieldflow.ingest_files (pipeline, path, version, status, attempts,"
            + " lines_read, records_read, rows_loaded, updates, duplicates, rejected, error,"
            + " last_modified, discovered_at, started_at, finished_at, retry_after) VALUES"
            + " ('visit', 'visits/a.jsonl', 'v1', 'done', 1, 10, 8, 6, 1, 1, 2, NULL,"
            + "  '2026-01-01 10:00:00Z', '2026-01-01 10:00:05Z', '2026-01-01 10:00:06Z',"
            + "  '2026-01-01 10:00:30Z', NULL),"
            + " ('visit', 'visits/b.jsonl', 'v1', 'done', 1, 5, 5, 5, 0, 0, 0, NULL,"
            + "  '2026-01-01 11:10:00Z', '2026-01-01 11:10:01Z', '2026-01-01 11:10:01Z',"
            + "  '2026-01-01 11:10:02.5Z', NULL),"
            + " ('visit', 'visits/c.jsonl.gz', 'v1', 'failed', 3, 0, 0, 0, 0, 0, 0,"
            + "  'visits/c.jsonl.gz: unexpected end of gzip stream',"
            + "  '2026-01-01 11:00:00Z', '2026-01-01 11:00:01Z', '2026-01-01 11:29:00Z',"
            + "  '2026-01-01 11:30:00Z', '2026-01-01 12:30:00Z'),"
            + " ('visit', 'visits/d.jsonl', 'v1', 'running', 1, 0, 0, 0, 0, 0, 0, NULL,"
            + "  '2026-01-01 11:58:00Z', '2026-01-01 11:59:00Z', '2026-01-01 11:59:00Z', NULL,"
            + "  NULL),"
            + " ('network', 'network/edges.txt', 'v1', 'done', 1, 3, 3, 3, 0, 0, 0, NULL,"
            + "  '2026-01-01 08:59:00Z', '2026-01-01 08:59:30Z', '2026-01-01 08:59:30Z',"
            + "  '2026-01-01 09:00:00Z', NULL)");
    db.execute(
        "INSERT INTO fieldflow.rejected_records (pipeline, file, file_version, line_number,"
            + " raw_text, original_length, reason_code, message) VALUES"
            + " ('visit', 'visits/a.jsonl', 'v1', 4, '{\"visit_date\":\"2020-13-45\"}', 27,"
            + "  'bad_date', 'visit_date ''2020-13-45'' is not a calendar date'),"
            + " ('visit', 'visits/a.jsonl', 'v1', 7, 'not json', 8, 'bad_json',"
            + "  'not a JSON object')");
  }
}
