package dev.fieldflow.pipelines;

import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Options of {@link NetworkPipeline}. */
public interface NetworkPipelineOptions extends FieldflowOptions {
  @Description("The network's adjacency-list files: a local path or glob, or an s3:// pattern."
      + " All matched files together form one snapshot. Default: FIELDFLOW_NETWORK.")
  @Default.InstanceFactory(NetworkInputFromEnvironment.class)
  String getNetworkInput();

  void setNetworkInput(String value);

  /** Reads the default from FIELDFLOW_NETWORK, so options beat the environment. */
  class NetworkInputFromEnvironment implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return System.getenv("FIELDFLOW_NETWORK");
    }
  }
}
