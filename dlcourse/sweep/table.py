"""`SweepTable`: the results of a sweep as a small printable table (no pandas)."""

from dlcourse._validation import invalid_value


class SweepTable:
    """A small table of rows (no pandas): `print(table)`, `table.column(name)`, `table[i]`.

    Args:
        columns: Column names.
        rows: Lists of values, one per column.
    """

    def __init__(self, columns, rows):
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        """Row `index` as a dict."""
        return dict(zip(self.columns, self.rows[index]))

    def column(self, name):
        """The values of one column, as a list."""
        if name not in self.columns:
            raise invalid_value("name", name, f"one of {self.columns}")
        k = self.columns.index(name)
        return [row[k] for row in self.rows]

    @staticmethod
    def _format(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        if value is None:
            return ""
        return str(value)

    def _cells(self):
        return [self.columns] + [[self._format(v) for v in row] for row in self.rows]

    def __str__(self):
        cells = self._cells()
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.columns))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def to_markdown(self):
        """The table as GitHub Markdown."""
        cells = self._cells()
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)
