package dev.sluice.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Columns aligned the way kubectl aligns them: three spaces between, the last one ragged. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  void add(String... cells) {
    String[] row = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      row[i] = cells[i] == null || cells[i].isEmpty() ? "-" : cells[i];
    }
    rows.add(row);
  }

  void print(PrintStream out, String indent) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 3));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
