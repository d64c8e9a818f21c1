package dev.fieldflow.pipelines.visits;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** How the tests start a real local server (S3Proxy, ElasticMQ) as a process of its own. */
final class LocalServerProcess {
  private LocalServerProcess() {}

  /** A port nobody listens on now, on 127.0.0.1. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * Starts {@code command}, its output in {@code log}, and waits up to 60 s until it listens on
   * 127.0.0.1:{@code port}; a server that dies or is late is ended and named ({@code what}) with
   * its log.
   */
  static Process launch(List<String> command, Path log, int port, String what)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!listening(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException(what + " did not start; see " + log);
      }
      Thread.sleep(100);
    }
    return process;
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
