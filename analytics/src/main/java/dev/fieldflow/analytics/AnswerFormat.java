package dev.fieldflow.analytics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How {@code manage.sh query} prints an {@link Answer}: an aligned table for people, or CSV. */
public enum AnswerFormat {
  /**
   * Like psql: a header, a rule, numbers right-aligned, then {@code (N rows)}. Every line ends in
   * a newline.
   */
  TABLE {
    @Override
    public String render(Answer answer) {
      return render(answer, Integer.MAX_VALUE);
    }

    /** The table of the first {@code limit} rows; the count line tells how many there are. */
    @Override
    public String render(Answer answer, int limit) {
      int columns = answer.columns().size();
      int[] widths = new int[columns];
      boolean[] numeric = new boolean[columns];
      Arrays.fill(numeric, true);
      for (int c = 0; c < columns; c++) {
        widths[c] = answer.columns().get(c).length();
      }
      List<String[]> cells = new ArrayList<>(answer.rows().size());
      for (List<Object> row : answer.rows().subList(0, Math.min(limit, answer.rows().size()))) {
        String[] texts = new String[columns];
        for (int c = 0; c < columns; c++) {
          texts[c] = text(row.get(c));
          widths[c] = Math.max(widths[c], texts[c].length());
          numeric[c] &= row.get(c) instanceof Number;
        }
        cells.add(texts);
      }
      StringBuilder out = new StringBuilder();
      String[] header = answer.columns().toArray(String[]::new);
      line(out, header, widths, new boolean[columns]);
      String rule =
          Arrays.stream(widths).mapToObj(w -> "-".repeat(w + 2)).collect(Collectors.joining("+"));
      out.append(rule).append('\n');
      for (String[] texts : cells) {
        line(out, texts, widths, numeric);
      }
      int n = answer.rows().size();
      out.append('(');
      if (cells.size() < n) {
        out.append("first ").append(cells.size()).append(" of ");
      }
      out.append(n).append(n == 1 ? " row" : " rows").append(")\n");
      return out.toString();
    }

    private void line(StringBuilder out, String[] texts, int[] widths, boolean[] rightAligned) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < texts.length; c++) {
        if (c > 0) {
          line.append(" |");
        }
        String padding = " ".repeat(widths[c] - texts[c].length());
        line.append(' ').append(rightAligned[c] ? padding + texts[c] : texts[c] + padding);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  },

  /** RFC 4180: a header row, then one row per line, fields quoted only when they need it. */
  CSV {
    @Override
    public String render(Answer answer) {
      return csv(answer.columns(), answer.rows());
    }
  };

  /**
   * Any rows as {@link #CSV} prints an answer: the console's SQL box downloads its results
   * through this too. A null value is an empty field.
   */
  public static String csv(List<String> columns, List<List<Object>> rows) {
    StringBuilder out = new StringBuilder();
    out.append(String.join(",", columns.stream().map(c -> csvField(inert(c))).toList()))
        .append('\n');
    for (List<Object> row : rows) {
      out.append(
              row.stream()
                  .map(value -> value == null ? ""
                      : value instanceof Number || value instanceof Boolean ? text(value)
                      : csvField(inert(String.valueOf(value))))
                  .collect(Collectors.joining(",")))
          .append('\n');
    }
    return out.toString();
  }

  /**
   * A value as text; a {@code numeric} as PostgreSQL writes it ({@code 0.0000001}), not in
   * Java's scientific notation ({@code 1E-7}).
   */
  static String text(Object value) {
    return value instanceof java.math.BigDecimal decimal ? decimal.toPlainString()
        : String.valueOf(value);
  }

  /**
   * A text value a spreadsheet would run as a formula ({@code =}, {@code +}, {@code -}, {@code @},
   * a tab or a carriage return first), prefixed with {@code '} so that it is shown as text: a
   * file's path is the uploader's to choose, and an S3 key {@code =HYPERLINK(...)} would land in
   * {@code visits.source_file}. Numbers are never text here, so -5 stays -5.
   */
  static String inert(String text) {
    return !text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
  }

  /** The whole answer as text, ending in a newline. */
  public abstract String render(Answer answer);

  /**
   * At most the first {@code limit} rows, for a glance at a long answer; only {@link #TABLE}
   * can say that rows were left out.
   *
   * @throws UnsupportedOperationException for CSV, whose reader could not tell
   */
  public String render(Answer answer, int limit) {
    throw new UnsupportedOperationException(id() + " prints every row; use table for --limit");
  }

  /**
   * {@code table} or {@code csv}, any case.
   *
   * @throws IllegalArgumentException naming the formats otherwise
   */
  public static AnswerFormat named(String name) {
    for (AnswerFormat f : values()) {
      if (f.name().equalsIgnoreCase(name.strip())) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown format '" + name + "'; use table or csv");
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  private static String csvField(String value) {
    if (value.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
      return '"' + value.replace("\"", "\"\"") + '"';
    }
    return value;
  }
}
