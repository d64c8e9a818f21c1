package dev.fieldflow.analytics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The analysts' five questions (POSTGRES-MODEL.md), each answered by its set-returning function
 * {@code analytics.qN} of migration V3. {@link #ask} runs one with the parameters given and the
 * SQL defaults for the rest, and returns the rows sorted by all columns, first column first, so
 * two runs on the same data print the same text.
 */
public enum Question {
  Q1(
      "successful visits by engineers with skill level above L, dated within [from, to], that"
          + " followed at least K failed visits of the same task",
      Parameter.integer("skill_above", "L",
          "the engineer's skill level must be above it (default 2)"),
      Parameter.date("date_from", "from", "first visit date, included (default 2020-01-01)"),
      Parameter.date("date_to", "to", "last visit date, included (default 2020-03-31)"),
      Parameter.integer("min_failed", "K",
          "failed visits of the same task with a smaller visit_id, at least (default 2)")),
  Q2(
      "tasks completed successfully at their second visit (visit 1 failed, visit 2 succeeded)"
          + " where the notes of those two visits share at least W distinct tokens",
      Parameter.integer("min_shared", "W",
          "distinct tokens both notes contain, at least (default 5)")),
  Q3(
      "nodes within H hops of node N in the undirected network, N itself excluded",
      Parameter.integer("origin", "N", "the node to start from (default 94)"),
      Parameter.integer("max_hops", "H", "hops at most (default 2)")),
  Q4(
      "nodes within H hops of node N (N excluded) with at least F failed visits dated in year Y",
      Parameter.integer("origin", "N", "the node to start from (default 94)"),
      Parameter.integer("max_hops", "H", "hops at most (default 2)"),
      Parameter.integer("min_failed", "F", "failed visits in the year, at least (default 10)"),
      Parameter.integer("year", "Y", "the calendar year of the visits (default 2020)")),
  Q5(
      "nodes within H hops of node N (N excluded) with at least one visit dated within"
          + " [from, to] whose note contains token T",
      Parameter.integer("origin", "N", "the node to start from (default 94)"),
      Parameter.integer("max_hops", "H", "hops at most (default 2)"),
      Parameter.date("date_from", "from", "first visit date, included (default 2020-03-01)"),
      Parameter.date("date_to", "to", "last visit date, included (default 2020-03-31)"),
      Parameter.integer("token", "T", "the whole note token to look for (default 126)"));

  private final String text;
  private final List<Parameter> parameters;

  Question(String text, Parameter... parameters) {
    this.text = text;
    this.parameters = List.of(parameters);
  }

  /** {@code q1} .. {@code q5}: the command-line name and the SQL function's name. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The question in words. */
  public String text() {
    return text;
  }

  public List<Parameter> parameters() {
    return parameters;
  }

  /** The SQL function that answers it, schema-qualified. */
  public String function() {
    return "analytics." + id();
  }

  /**
   * The question called {@code id} ({@code q1}..{@code q5}, any case).
   *
   * @throws IllegalArgumentException listing the questions when there is none by that name
   */
  public static Question byId(String id) {
    for (Question q : values()) {
      if (q.id().equalsIgnoreCase(id.strip())) {
        return q;
      }
    }
    throw new IllegalArgumentException(
        "unknown question '" + id + "'; questions: "
            + Arrays.stream(values()).map(Question::id).collect(Collectors.joining(", ")));
  }

  /**
   * Reads parameter values given as text by SQL name or letter ({@code min_failed} or {@code K}),
   * in the function's parameter order.
   *
   * @throws IllegalArgumentException for an unknown parameter, one given twice, or a value of the
   *     wrong type
   */
  public Map<Parameter, Object> arguments(Map<String, String> given) {
    Map<Parameter, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      Parameter parameter =
          parameters.stream()
              .filter(p -> p.isNamed(e.getKey()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          id() + " has no parameter '" + e.getKey() + "'; its parameters: "
                              + parameters.stream()
                                  .map(p -> "--" + p.name() + " (" + p.letter() + ")")
                                  .collect(Collectors.joining(", "))));
      if (values.containsKey(parameter)) {
        throw new IllegalArgumentException(
            id() + ": --" + parameter.name() + " (" + parameter.letter() + ") is given twice");
      }
      values.put(parameter, parameter.parse(e.getValue()));
    }
    Map<Parameter, Object> ordered = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      if (values.containsKey(p)) {
        ordered.put(p, values.get(p));
      }
    }
    return ordered;
  }

  /**
   * The SQL that asks this question with exactly these parameters (named notation, one {@code
   * ?} each; the others take the function's defaults), sorted by every column.
   */
  String sql(Iterable<Parameter> given, int columns) {
    StringBuilder call = new StringBuilder("SELECT * FROM ").append(function()).append('(');
    String separator = "";
    for (Parameter p : given) {
      call.append(separator).append(p.name()).append(" => ?");
      separator = ", ";
    }
    call.append(") AS answer ORDER BY ");
    call.append(
        IntStream.rangeClosed(1, columns)
            .mapToObj(Integer::toString)
            .collect(Collectors.joining(", ")));
    return call.toString();
  }

  /**
   * The statement {@link #ask} runs for these arguments, with each value written in as a SQL
   * literal: what the console shows an analyst, to copy into psql.
   */
  public String statement(Map<Parameter, Object> arguments) {
    String sql = sql(arguments.keySet(), columns());
    StringBuilder shown = new StringBuilder();
    int from = 0;
    for (Object value : arguments.values()) {
      int mark = sql.indexOf('?', from);
      shown.append(sql, from, mark)
          .append(value instanceof LocalDate ? "DATE '" + value + "'" : String.valueOf(value));
      from = mark + 1;
    }
    return shown.append(sql.substring(from)).toString();
  }

  /** How many columns the answer has; the ORDER BY names each by position. */
  private int columns() {
    return switch (this) {
      case Q1 -> 5;
      case Q2, Q3, Q4 -> 2;
      case Q5 -> 1;
    };
  }

  /**
   * Asks this question on {@code connection} (the analyst's, normally) and reads the whole
   * answer. Integers come back as {@link Integer} or {@link Long}, dates as {@link LocalDate}.
   *
   * @param arguments from {@link #arguments}; parameters left out take the SQL defaults
   */
  public Answer ask(Connection connection, Map<Parameter, Object> arguments) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(sql(arguments.keySet(), columns()))) {
      int index = 1;
      for (Object value : arguments.values()) {
        statement.setObject(index++, value);
      }
      try (ResultSet rs = statement.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          names.add(meta.getColumnLabel(i));
        }
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
          List<Object> row = new ArrayList<>(names.size());
          for (int i = 1; i <= names.size(); i++) {
            row.add(
                meta.getColumnType(i) == Types.DATE
                    ? rs.getObject(i, LocalDate.class)
                    : rs.getObject(i));
          }
          rows.add(Collections.unmodifiableList(row));
        }
        return new Answer(this, names, rows);
      }
    }
  }
}
