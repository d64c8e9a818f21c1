package dev.fieldflow.pipelines;

import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.io.files.ReadLimits;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * How input files are read, the same for visit files and network files: which names are left
 * out, and the limits that turn a hostile or broken file into a refusal instead of an endless
 * read. A refusal's message names the option to raise.
 */
public interface InputFileOptions extends PipelineOptions {
  @Description("Longest line, in bytes: a longer one is quarantined as line_too_long (its first"
      + " 64 KiB kept) and reading goes on after it.")
  @Default.Integer(ReadLimits.DEFAULT_MAX_LINE_BYTES)
  int getMaxLineBytes();

  void setMaxLineBytes(int value);

  @Description("Most bytes a compressed file may decompress to; past it the file is refused"
      + " (decompression_limit) without being read to its end.")
  @Default.Long(ReadLimits.DEFAULT_MAX_DECOMPRESSED_BYTES)
  long getMaxDecompressedBytes();

  void setMaxDecompressedBytes(long value);

  @Description("Highest compression ratio (decompressed:compressed) of a file, checked once"
      + " 8 MiB are decompressed; past it the file is refused as a likely gzip bomb (compression_ratio).")
  @Default.Integer(ReadLimits.DEFAULT_MAX_COMPRESSION_RATIO)
  int getMaxCompressionRatio();

  void setMaxCompressionRatio(int value);

  @Description("Regular expression of file names (the name only, not its directories) that are"
      + " not read: files producers leave beside their data. Default: hidden (.*),"
      + " underscore-prefixed (_*, _SUCCESS), *.tmp and *.crc. Empty: read every file.")
  @Default.String(IngestibleFileNames.DEFAULT_IGNORED)
  String getIgnoreFileNames();

  void setIgnoreFileNames(String value);

  /**
   * The read limits, from the options.
   *
   * @throws IllegalArgumentException naming the option, if a limit is out of its range
   */
  static ReadLimits readLimits(InputFileOptions options) {
    return new ReadLimits(options.getMaxLineBytes(), options.getMaxDecompressedBytes(),
        options.getMaxCompressionRatio());
  }

  /**
   * The file names read, from {@code --ignoreFileNames}.
   *
   * @throws IllegalArgumentException naming the option, if its value is not a regular expression
   */
  static IngestibleFileNames fileNames(InputFileOptions options) {
    try {
      return IngestibleFileNames.ignoring(options.getIgnoreFileNames());
    } catch (IllegalArgumentException e) {
      // No cause: the operator's line is the innermost message fieldflow wrote (UserMessages),
      // and this one names the option.
      throw new IllegalArgumentException("--ignoreFileNames: " + e.getMessage());
    }
  }
}
