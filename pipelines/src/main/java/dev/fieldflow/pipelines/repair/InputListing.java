package dev.fieldflow.pipelines.repair;

import dev.fieldflow.io.files.IngestibleFileNames;
import dev.fieldflow.pipelines.VisitPipelineOptions;
import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystemUtils;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The files of an input pattern, listed page by page and handed on one page at a time, so that
 * no more than a page is held whatever the size of the input: Beam's {@code
 * FileSystems.match} builds the whole listing in memory, which a bucket of millions of objects
 * does not fit. The pattern means what it means to the visit pipeline: a local one is a Java
 * glob, as Beam's local match reads it ({@code *} within a directory, {@code **} across them,
 * {@code {a,b}}, {@code [ab]}); an S3 one is Beam's S3 wildcard ({@code *}, {@code **}, {@code ?}).
 *
 * <ul>
 *   <li>local: a lazy walk from the deepest directory without a wildcard, following symbolic
 *       links as Beam's match does (a loop is walked once; a dangling link is no file);
 *   <li>{@code s3://}: {@code ListObjectsV2} pages (1,000 keys each) from the longest prefix
 *       without a wildcard, through the same S3 client settings as the pipeline ({@code
 *       --endpoint}, {@code --awsRegion}, {@code --s3PathStyle}, the credentials chain).
 * </ul>
 *
 * <p>A listed file carries size and modification time, as the visit pipeline's listing records
 * them in the ledger; no checksum (S3 listings' etags are not what Beam reports either).
 */
final class InputListing {
  /** What receives each page of the listing. */
  interface PageReceiver {
    void page(List<MatchResult.Metadata> files) throws Exception;
  }

  static final int PAGE = 1_000;

  private InputListing() {}

  /** Lists {@code pattern} in pages of at most {@code pageSize} files. */
  static void list(String pattern, VisitPipelineOptions options, int pageSize, PageReceiver receiver)
      throws Exception {
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize must be >= 1, but was " + pageSize);
    }
    if (pattern.startsWith("s3://")) {
      listS3(pattern, options, pageSize, receiver);
    } else if (pattern.contains("://") && !pattern.startsWith("file://")) {
      throw new IllegalArgumentException("cannot list '" + pattern + "': audit lists local paths"
          + " and s3:// only");
    } else {
      listLocal(pattern.startsWith("file://") ? pattern.substring("file://".length()) : pattern,
          pageSize, receiver);
    }
  }

  /** The part of {@code pattern} before its first wildcard. */
  static String fixedPrefix(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if ("*?[{".indexOf(pattern.charAt(i)) >= 0) {
        return pattern.substring(0, i);
      }
    }
    return pattern;
  }

  /** The text before the first {@code * ? [}: where Beam's local match starts its walk. */
  private static String beamPrefix(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if ("*?[".indexOf(pattern.charAt(i)) >= 0) {
        return pattern.substring(0, i);
      }
    }
    return pattern;
  }

  private static void listLocal(String pattern, int pageSize, PageReceiver receiver) throws Exception {
    String fixed = fixedPrefix(pattern);
    String absolute = pattern;
    if (!fixed.startsWith("/")) {
      // Relative to the working directory, as Beam's local file system resolves it.
      String base = Path.of("").toAbsolutePath().toString();
      absolute = base + (base.endsWith("/") ? "" : "/") + pattern;
    }
    Path named = Path.of(absolute);
    if (Files.isRegularFile(named)) {
      // Beam takes a file of exactly that name first, wildcard characters and all.
      LocalPages one = new LocalPages(p -> true, pageSize, receiver);
      one.visitFile(named, Files.readAttributes(named, BasicFileAttributes.class));
      one.flush();
      return;
    }
    // Beam walks from the directory before the first * ? or [ (not {: a brace before them is
    // part of a directory's name, which then does not exist, and nothing matches).
    String prefix = beamPrefix(absolute);
    Path start = prefix.endsWith("/") ? Path.of(prefix) : Path.of(prefix).getParent();
    if (start == null || !Files.isDirectory(start)) {
      receiver.page(List.of());
      return;
    }
    // Beam's local match reads the pattern as a Java glob ({a,b} and [ab] included, ** across
    // directories), with every backslash taken as itself: the same matcher, so that audit lists
    // what visit reads.
    PathMatcher matcher = java.nio.file.FileSystems.getDefault()
        .getPathMatcher("glob:" + absolute.replace("\\", "\\\\"));
    String rest = absolute.substring(start.toString().length());
    int depth = rest.contains("**") || rest.contains("{") ? Integer.MAX_VALUE
        : (int) rest.chars().filter(ch -> ch == '/').count();
    LocalPages pages = new LocalPages(matcher, pageSize, receiver);
    try {
      Files.walkFileTree(start, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Math.max(1, depth), pages);
    } catch (IOException e) {
      throw new IOException("cannot list " + pattern + ": " + e.getMessage(), e);
    }
    if (pages.failure != null) {
      throw pages.failure;
    }
    pages.flush();
  }

  /**
   * The walk of a local listing, handing on a page at a time. Links are followed, as Beam's
   * match follows them (its walk lists a directory through {@code File.isDirectory}, and keeps
   * what {@code File.isFile} calls a file): a link to a file is listed under the link's path,
   * a linked directory is walked. A link that leads nowhere is not a file to Beam either, and a
   * link back to a directory above it is walked once, not round and round.
   */
  private static final class LocalPages extends SimpleFileVisitor<Path> {
    private final PathMatcher matcher;
    private final int pageSize;
    private final PageReceiver receiver;
    private List<MatchResult.Metadata> page = new ArrayList<>();
    /** What the receiver threw: the walk stops, and the listing throws it. */
    Exception failure;

    LocalPages(PathMatcher matcher, int pageSize, PageReceiver receiver) {
      this.matcher = matcher;
      this.pageSize = pageSize;
      this.receiver = receiver;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
      // A dangling link comes here with the link's own attributes: not a regular file.
      if (!attributes.isRegularFile() || !matcher.matches(file)) {
        return FileVisitResult.CONTINUE;
      }
      page.add(MatchResult.Metadata.builder()
          .setResourceId(FileSystems.matchNewResource(file.toString(), false))
          .setSizeBytes(attributes.size())
          .setLastModifiedMillis(file.toFile().lastModified())
          .setIsReadSeekEfficient(true)
          .build());
      if (page.size() >= pageSize) {
        try {
          flush();
        } catch (Exception e) {
          failure = e;
          return FileVisitResult.TERMINATE;
        }
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
      if (e instanceof FileSystemLoopException || e instanceof NoSuchFileException) {
        return FileVisitResult.CONTINUE; // a link back up the tree; a file gone since its listing
      }
      throw e;
    }

    void flush() throws Exception {
      if (!page.isEmpty()) {
        receiver.page(page);
        page = new ArrayList<>();
      }
    }
  }

  /**
   * The object {@code key} of {@code bucket} as Beam names it. Beam reads a spec's scheme only up
   * to a line break and takes {@code s3://b/a\nb} for a local path under the working directory,
   * so such a key is resolved against its bucket instead.
   */
  private static ResourceId s3Object(String bucket, String key) {
    String spec = "s3://" + bucket + "/" + key;
    if (IngestibleFileNames.isAddressable(spec)) {
      return FileSystems.matchNewResource(spec, false);
    }
    return FileSystems.matchNewResource("s3://" + bucket + "/", true)
        .resolve(key, ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
  }

  private static void listS3(String pattern, VisitPipelineOptions options, int pageSize,
      PageReceiver receiver) throws Exception {
    String withoutScheme = pattern.substring("s3://".length());
    int slash = withoutScheme.indexOf('/');
    String bucket = slash < 0 ? withoutScheme : withoutScheme.substring(0, slash);
    String keyPattern = slash < 0 ? "" : withoutScheme.substring(slash + 1);
    if (bucket.isEmpty()) {
      throw new IllegalArgumentException("no bucket in '" + pattern + "'");
    }
    Pattern matcher = Pattern.compile(FileSystemUtils.wildcardToRegexp(keyPattern));
    String prefix = fixedPrefix(keyPattern);
    S3ClientBuilderFactory factory = options.getS3ClientFactoryClass().getDeclaredConstructor().newInstance();
    try (S3Client s3 = factory.createBuilder(options).build()) {
      ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket)
          .prefix(prefix).maxKeys(Math.min(pageSize, PAGE));
      String token = null;
      do {
        ListObjectsV2Response response;
        try {
          response = s3.listObjectsV2(request.continuationToken(token).build());
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
          // What, where and what to do, as visit says it for the same listing.
          throw new IOException("cannot list " + pattern + ": " + e.getMessage() + "; check the"
              + " input (--input, or FIELDFLOW_VISITS), the endpoint and your access", e);
        }
        List<MatchResult.Metadata> page = new ArrayList<>();
        for (S3Object object : response.contents()) {
          if (object.key().endsWith("/") || !matcher.matcher(object.key()).matches()) {
            continue;
          }
          page.add(MatchResult.Metadata.builder()
              .setResourceId(s3Object(bucket, object.key()))
              .setSizeBytes(object.size())
              .setLastModifiedMillis(object.lastModified().toEpochMilli())
              .setIsReadSeekEfficient(true)
              .build());
        }
        if (!page.isEmpty()) {
          receiver.page(page);
        }
        token = Boolean.TRUE.equals(response.isTruncated()) ? response.nextContinuationToken() : null;
      } while (token != null);
    }
  }
}
