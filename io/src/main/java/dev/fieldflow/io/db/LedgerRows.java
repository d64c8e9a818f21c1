package dev.fieldflow.io.db;

/**
 * Rules about the rows of the ingestion ledger ({@code fieldflow.ingest_files}, defined by this
 * module's migrations) that more than one reader applies: the pipelines' ledger checks, the
 * console and {@code /metrics}, and {@code manage.sh status}. Each is a SQL condition on a row
 * named by its alias.
 */
public final class LedgerRows {
  private LedgerRows() {}

  /**
   * Whether ledger row {@code alias} is a failed version that a later version of the same file
   * has made moot: the ledger has a later row (a greater {@code file_id}: discovered later) of
   * the same pipeline and path that is {@code done}. A truncated gzip read while its writer was
   * still writing it, a version replaced between listing and read, a refused file re-sent fixed:
   * the file's rows now come from its later version, and nothing waits for a person or for a
   * retry. Such a row stays in the ledger (what was read, and why it failed), but counts neither
   * as failed nor in the backlog, so the failed-files alert clears once the file loads, and the
   * pipelines' ledger check no longer retakes it (its {@code finished_at} then stops moving, and
   * {@code prune --ledger} forgets it with, or before, the version that superseded it). A failed
   * version whose later versions all failed, or with no later version (a deleted file), still
   * counts. {@code analytics.status} (V37) applies the same rule in SQL.
   */
  public static String superseded(String alias) {
    return "(" + alias + ".status = 'failed' AND EXISTS (SELECT 1 FROM fieldflow.ingest_files"
        + " later WHERE later.pipeline = " + alias + ".pipeline AND later.path = " + alias
        + ".path AND later.file_id > " + alias + ".file_id AND later.status = 'done'))";
  }
}
