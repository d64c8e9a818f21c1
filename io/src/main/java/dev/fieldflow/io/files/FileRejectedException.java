package dev.fieldflow.io.files;

import java.io.IOException;

/**
 * A file that {@link ReadLines} refuses as a whole, with one reason, instead of quarantining
 * every one of its lines: a gzip bomb, a corrupt compressed file, or a format that is not JSON
 * lines.
 * Reading it again gives the same answer, so a caller should fail the file, not retry it.
 */
public class FileRejectedException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why a whole file is refused. The codes are stable: callers store and filter on them. */
  public enum Reason {
    /** A compressed file decompresses to more than {@link ReadLimits#maxDecompressedBytes()}. */
    DECOMPRESSION_LIMIT("decompression_limit"),
    /** A compressed file decompresses more than {@link ReadLimits#maxCompressionRatio()}:1. */
    COMPRESSION_RATIO("compression_ratio"),
    /** A file named {@code .gz} whose content does not start with gzip's magic bytes. */
    NOT_GZIP("not_gzip"),
    /**
     * Gzip whose own bytes do not decompress: truncated, a checksum that does not match, data
     * after the end of the stream, or a header that is not gzip's behind its magic bytes. An
     * error of the source that holds the bytes (a connection reset) is not this, and is retried.
     */
    CORRUPT_GZIP("corrupt_gzip"),
    /**
     * A file of another compression Beam decompresses by its extension (bzip2, zstd, zip,
     * deflate, snappy, lzo) whose own bytes do not decompress: truncated, a checksum that does
     * not match, data after the end of the stream, a header that is not the format's. As for
     * gzip, an error of the source that holds the bytes is not this, and is retried.
     */
    CORRUPT_COMPRESSED("corrupt_compressed"),
    /**
     * A file named for a compression whose decompressor is not on the class path of this build
     * (lzo and lzop need aircompressor and Hadoop): Beam names them, but does not bring them.
     * zstd's, zstd-jni, is in the build.
     */
    UNSUPPORTED_COMPRESSION("unsupported_compression"),
    /** The first line holds NUL bytes: UTF-16 without a byte-order mark, or a binary file. */
    NOT_TEXT("not_text"),
    /** The file is one JSON array spread over lines ({@code [} first, not closed on its line). */
    JSON_ARRAY("json_array"),
    /** The file is pretty-printed JSON: its first non-blank line is only an opening brace. */
    PRETTY_JSON("pretty_json"),
    /** The file is CSV: a header line with commas, and no JSON object on the first lines. */
    CSV("csv"),
    /**
     * A local path that is not a regular file: a named pipe, which would block its reader until
     * someone writes to it, or a device such as {@code /dev/zero}, which never ends.
     */
    NOT_A_FILE("not_a_file");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    /** The stable short code, e.g. {@code json_array}. */
    public String code() {
      return code;
    }
  }

  private final String path;
  private final Reason reason;

  /**
   * @param what what is wrong, naming the value (e.g. that the first line is only an opening brace)
   * @param whatToDo what the producer or the operator should do about it
   */
  public FileRejectedException(String path, Reason reason, String what, String whatToDo) {
    super(path + ": " + reason.code() + ": " + what + "; " + whatToDo);
    this.path = path;
    this.reason = reason;
  }

  /** The file refused, as the caller named it. */
  public String path() {
    return path;
  }

  public Reason reason() {
    return reason;
  }

  /** The stable short code of {@link #reason()}, e.g. {@code compression_ratio}. */
  public String reasonCode() {
    return reason.code();
  }
}
