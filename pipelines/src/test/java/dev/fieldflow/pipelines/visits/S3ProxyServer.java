package dev.fieldflow.pipelines.visits;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: S3Proxy 4.1.0 (copied by Maven to target/s3proxy/s3proxy.jar) in
 * its own process on 127.0.0.1, keeping objects in memory, checking AWS signatures. Its log
 * goes to target/s3proxy/s3proxy-PORT.log.
 */
public final class S3ProxyServer implements AutoCloseable {
  static final String IDENTITY = "fieldflow-test";
  static final String CREDENTIAL = "not-a-secret-test-credential";

  private final Process process;
  private final int port;
  private final S3Client client;

  private S3ProxyServer(Process process, int port) {
    this.process = process;
    this.port = port;
    this.client = S3Client.builder()
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials())
        .forcePathStyle(true)
        .httpClientBuilder(ApacheHttpClient.builder())
        .build();
  }

  public static S3ProxyServer start() throws IOException, InterruptedException {
    return start(LocalServerProcess.freePort(), null);
  }

  /**
   * A server on {@code port} keeping its buckets in {@code dataDir} (in memory when null), so
   * that a server started again on the port and directory of a stopped one has its objects.
   */
  public static S3ProxyServer start(int port, Path dataDir) throws IOException, InterruptedException {
    Path jar = Path.of("target", "s3proxy", "s3proxy.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; run the tests through Maven (it copies S3Proxy there)");
    }
    Path properties = Files.createTempFile("s3proxy-", ".properties");
    Files.writeString(properties, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + IDENTITY,
        "s3proxy.credential=" + CREDENTIAL,
        dataDir == null ? "jclouds.provider=transient" : "jclouds.provider=filesystem",
        dataDir == null ? "" : "jclouds.filesystem.basedir=" + dataDir,
        "jclouds.identity=" + IDENTITY,
        "jclouds.credential=" + CREDENTIAL) + "\n");
    Path log = jar.resolveSibling("s3proxy-" + port + ".log");
    Process process = LocalServerProcess.launch(List.of(javaBinary(), "-Xmx256m", "-jar", jar.toString(),
            "--properties", properties.toString()), log, port, "S3Proxy");
    return new S3ProxyServer(process, port);
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }


  public int port() {
    return port;
  }

  /** By host name, so that only path-style addressing reaches it. */
  public URI endpoint() {
    return URI.create("http://localhost:" + port);
  }

  /**
   * {@code options} pointed at this server as an operator would point the pipeline at any
   * S3-compatible store: region, endpoint, its credentials, path-style addressing (the flag and
   * the client factory the jar's command line would add for it). Returns {@code options}.
   */
  public <T extends dev.fieldflow.pipelines.VisitPipelineOptions> T configure(T options) {
    options.setAwsRegion(software.amazon.awssdk.regions.Region.US_EAST_1);
    options.setEndpoint(endpoint());
    options.setAwsCredentialsProvider(credentials());
    options.setS3PathStyle(true);
    options.setS3ClientFactoryClass(dev.fieldflow.io.files.PathStyleS3ClientBuilderFactory.class);
    return options;
  }

  public static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL));
  }

  public void createBucket(String bucket) {
    client.createBucket(b -> b.bucket(bucket));
  }

  public void put(String bucket, String key, byte[] content) {
    client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
  }

  List<String> keys(String bucket) {
    return client.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(o -> o.key()).toList();
  }

  @Override
  public void close() {
    client.close();
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
