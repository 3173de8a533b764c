"""Cells that are safe to open in a spreadsheet, whatever path an export takes.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - or @ as a formula, and a
leading tab or carriage return does not stop them. A voter's name or address comes from outside
(the state's file, a leader's phone), so every exported text cell that starts with one of those
gets a leading apostrophe, which spreadsheets show as plain text. django-import-export's own
escaping only looks at '=', which is why nothing relies on it.
"""

import csv
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """Return the value with a leading apostrophe if a spreadsheet would run it as a formula.

    Anything but a number, a date or None is written as its text (a User in a cell is its name), so it is
    checked as text too.
    """
    if value is not None and not isinstance(value, (int, float, Decimal, date, time)):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_row(row: Iterable[Any]) -> list[Any]:
    # Most cells are text or whole numbers: those are decided here, without a call per cell (the
    # streamed exports write millions of cells); anything else goes through neutralize().
    return [
        ("'" + value if value[:1] in _TRIGGERS else value)
        if (kind := type(value)) is str
        else value
        if kind is int
        else neutralize(value)
        for value in row
    ]


_TRIGGERS = frozenset(FORMULA_STARTS)


class SafeWriter:
    """A csv.writer whose every cell is neutralized first."""

    def __init__(self, file, **options) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralize_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(map(neutralize_row, rows))


def neutralize_dataset(dataset):
    """Return a copy of a tablib Dataset (the admin's CSV/XLSX/… exports) with every cell neutralized."""
    safe = type(dataset)(headers=neutralize_row(dataset.headers) if dataset.headers else None)
    safe.title = dataset.title
    for row in dataset:
        safe.append(neutralize_row(row))
    return safe
