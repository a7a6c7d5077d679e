"""The epoch table as the console shows it: rows in the order a run produces them, a column per metric."""

from __future__ import annotations

from tabulate import tabulate

from .metric_names import REVAL, STAGES, TEST
from .metrics import EPOCH, STAGE, row_values


def table_order(row: dict) -> tuple:
    """Epochs in order, Train before Val in each, then the re-validation and test of the best epoch."""
    return row[STAGE] in (REVAL, TEST), row[EPOCH], STAGES.index(row[STAGE])


def epoch_table(rows: list[dict]) -> str:
    """The rows as plain text, a column per metric: the same in a terminal and in a log file."""
    names = metric_names(rows)
    table = [[row[EPOCH], row[STAGE], *(row.get(name) for name in names)] for row in rows]
    return tabulate(table, headers=[EPOCH, STAGE, *names], floatfmt=".4f")


def metric_names(rows: list[dict]) -> list[str]:
    """The table's metric columns: every name the rows hold, sorted."""
    return sorted({name for row in rows for name in row_values(row)})
