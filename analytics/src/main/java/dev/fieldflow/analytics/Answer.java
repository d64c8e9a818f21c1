package dev.fieldflow.analytics;

import java.util.List;

/**
 * The rows that answer a question, in order, with the column names. Values are {@link Integer},
 * {@link Long} or {@link java.time.LocalDate}; never null (no question returns nulls).
 */
public record Answer(Question question, List<String> columns, List<List<Object>> rows) {
  public Answer {
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
  }

  /** The values of one column, top to bottom. */
  public List<Object> column(String name) {
    int index = columns.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          question.id() + " has no column '" + name + "'; columns: " + columns);
    }
    return rows.stream().map(row -> row.get(index)).toList();
  }
}
