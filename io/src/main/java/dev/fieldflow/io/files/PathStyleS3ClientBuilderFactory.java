package dev.fieldflow.io.files;

import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Beam's S3 client with path-style addressing ({@code http://host:port/bucket/key}), which
 * S3-compatible servers behind a host name need (MinIO, S3Proxy, Ceph): the SDK's default,
 * virtual-hosted style, would look up {@code bucket.host}. Select it with
 * {@code --s3ClientFactoryClass=dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory}.
 */
public final class PathStyleS3ClientBuilderFactory implements S3ClientBuilderFactory {
  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    return new DefaultS3ClientBuilderFactory().createBuilder(options).forcePathStyle(true);
  }
}
