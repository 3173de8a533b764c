import csv
import io

import tablib

from lib.spreadsheet import SafeWriter, neutralize, neutralize_dataset


def test_it_prefixes_every_cell_a_spreadsheet_would_run():
    for payload in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]:
        assert neutralize(payload) == "'" + payload


def test_it_leaves_plain_text_numbers_and_nulls_alone():
    assert neutralize("SMITH") == "SMITH"
    assert neutralize("O'BRIEN") == "O'BRIEN"
    assert neutralize(-1) == -1 and neutralize(None) is None and neutralize("") == ""


def test_it_changes_nothing_more_when_neutralizing_twice():
    assert neutralize(neutralize("=1")) == "'=1"


def test_it_neutralizes_each_cell_the_csv_writer_writes():
    out = io.StringIO()
    SafeWriter(out).writerow(["=A1", "ok", 3])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=A1", "ok", "3"]


def test_it_copies_a_dataset_with_headers_and_cells_neutralized():
    data = tablib.Dataset(["=x", 1], ["ok", 2], headers=["@name", "n"])
    safe = neutralize_dataset(data)
    assert safe.headers == ["'@name", "n"] and list(safe) == [("'=x", 1), ("ok", 2)]
    assert data[0] == ("=x", 1)  # the original is untouched


def test_a_row_is_neutralized_cell_by_cell_as_neutralize_does():
    from datetime import date
    from decimal import Decimal

    from django.utils.safestring import mark_safe

    from lib.spreadsheet import neutralize_row

    cells = ["=1", "", "ok", "-", 7, -7, True, None, 1.5, Decimal("-2"), date(2028, 1, 1), mark_safe("@x"),
             ["=nested"], "\r=1", "\t"]  # fmt: skip
    assert neutralize_row(cells) == [neutralize(cell) for cell in cells]


def test_rows_written_at_once_are_neutralized_too():
    out = io.StringIO()
    SafeWriter(out).writerows([["=A1", 1], ["+1", "ok"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=A1", "1"], ["'+1", "ok"]]
