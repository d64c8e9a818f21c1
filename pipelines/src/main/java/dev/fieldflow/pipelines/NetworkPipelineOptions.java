package dev.fieldflow.pipelines;

import dev.fieldflow.ingest.network.ShrinkLimit;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.DefaultValueFactory;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** Options of {@link NetworkPipeline}. */
public interface NetworkPipelineOptions extends FieldflowOptions, InputFileOptions {
  @Description("The network's adjacency-list files: a local path or glob, or an s3:// pattern."
      + " All matched files together form one snapshot. Default: FIELDFLOW_NETWORK.")
  @Default.InstanceFactory(NetworkInputFromEnvironment.class)
  String getNetworkInput();

  void setNetworkInput(String value);

  @Description("Refuse a load with fewer nodes, or fewer edges, than the current snapshot by more"
      + " than this share of it (0 to 1): a truncated or partial input must not replace the whole"
      + " network. The first load is never refused. --force loads anyway.")
  @Default.Double(ShrinkLimit.DEFAULT_RATIO)
  double getMaxShrinkRatio();

  void setMaxShrinkRatio(double value);

  @Description("Load the snapshot even when it is smaller than the current one by more than"
      + " --maxShrinkRatio: the operator says the smaller network is right.")
  @Default.Boolean(false)
  boolean getForce();

  void setForce(boolean value);

  /** Reads the default from FIELDFLOW_NETWORK, so options beat the environment. */
  class NetworkInputFromEnvironment implements DefaultValueFactory<String> {
    @Override
    public String create(PipelineOptions options) {
      return System.getenv("FIELDFLOW_NETWORK");
    }
  }
}
