package dev.fieldflow.pipelines;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Options every fieldflow pipeline shares: where PostgreSQL is and how rows are batched.
 * There is deliberately no password option: a password on a command line shows up in process
 * listings and shell history. It comes from FIELDFLOW_DB_PASSWORD, ~/.pgpass, or the local
 * database's credentials file.
 */
public interface FieldflowOptions extends PipelineOptions {
  @Description("JDBC URL of PostgreSQL. Default: FIELDFLOW_JDBC_URL, else the local embedded"
      + " database started by ./manage.sh db start.")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("Database user the pipeline writes as. Default: FIELDFLOW_DB_USER, else the local"
      + " database's writer role. Password: FIELDFLOW_DB_PASSWORD or ~/.pgpass.")
  String getDbUser();

  void setDbUser(String value);

  @Description("Seconds to keep trying to reach PostgreSQL at startup before failing.")
  @Default.Integer(30)
  int getDbConnectTimeoutSeconds();

  void setDbConnectTimeoutSeconds(int value);

  @Description("Most rows written in one batch (one statement, one transaction).")
  @Default.Integer(5000)
  int getBatchSize();

  void setBatchSize(int value);

  @Description("Longest a row waits in a partly filled batch before the batch is written, in"
      + " milliseconds.")
  @Default.Long(2000)
  long getBatchMaxBufferingMillis();

  void setBatchMaxBufferingMillis(long value);

  @Description("Batches written in parallel (batch keys).")
  @Default.Integer(2)
  int getWriteShards();

  void setWriteShards(int value);
}
