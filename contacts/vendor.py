"""Files from the party's data vendor: phone numbers and partisanship scores, keyed by Voter ID.

Both are CSV with a header row; columns are found by name. Rows are staged with COPY and written
set-based like the voter file: a row identical to what is stored writes nothing, so importing the
same file twice changes nothing. A row naming a voter who is not in the voter file is rejected.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.db import connection

from contacts.importing import (
    PHASE_DONE,
    PHASE_READING,
    Counts,
    CsvRecords,
    ImportRefused,
    ImportResult,
    IssueLog,
    Progress,
    clip,
    copy_line,
    copy_rows,
    import_transaction,
    report_path_for,
    server_side_rows,
)
from contacts.models import Phone

SHOWN = ("read", "inserted", "updated", "unchanged", "rejected", "warnings")
VOTER_ID_HEADERS = ("voter id", "voter_id", "voterid", "state voter id", "sos id")
CELL_WORDS = {"cell", "mobile", "wireless", "c"}
LANDLINE_WORDS = {"landline", "land line", "land", "home", "residential", "l"}
UNKNOWN_WORDS = {"", "unknown", "u", "voip"}
# Without a source column, rows say where they came from this way, whatever the file was called:
# naming it after the file would make the same rows under a new file name look changed.
DEFAULT_SOURCE = "Vendor file"


@dataclass(frozen=True)
class Column:
    name: str
    headers: tuple[str, ...]
    required: bool = True


def header_map(header: list[str], columns: list[Column], what: str) -> dict[str, int]:
    """Return where each column is in a header row, found by name; refuse a file that lacks one."""
    normalized = [" ".join(name.replace("_", " ").split()).lower() for name in header]
    found = {}
    for column in columns:
        wanted = {" ".join(h.replace("_", " ").split()).lower() for h in column.headers}
        for index, name in enumerate(normalized):
            if name in wanted:
                found[column.name] = index
                break
    missing = [column.headers[0] for column in columns if column.required and column.name not in found]
    if missing:
        raise ImportRefused(
            f"This is not a {what} file: its header row lacks {', '.join(missing)} "
            f"(found: {clip(', '.join(header), 200) or 'nothing'})."
        )
    return found


class VendorImport:
    """Read a CSV of rows keyed by Voter ID, stage the good ones and upsert them."""

    what = ""
    stage = ""
    key = ""  # what makes two rows the same: one of them is used
    columns: list[Column] = []
    stage_columns: list[str] = []

    def __init__(self, path: Path, *, progress: Progress, report: Path | None = None) -> None:
        self.path = path
        self.report = report or report_path_for(path)
        self.progress = progress
        self.log = IssueLog()
        self.counts = Counts()

    def parse(
        self, cells: dict[str, str], line_no: int, warn: Callable[[str], None]
    ) -> tuple[list, str | None]:
        """Return the stage values after line_no and voter_id, or a reason to reject the row."""
        raise NotImplementedError

    def upsert_sql(self) -> str:
        raise NotImplementedError

    def run(self, *, dry_run: bool) -> ImportResult:
        self.progress.total_bytes = self.path.stat().st_size
        with open(self.path, "rb") as stream:
            records = CsvRecords(stream)
            reader = iter(records)
            _, header, problem = next(reader, (0, [], ""))
            if header is None:
                raise records.refuse_header(f"a {self.what} file", problem)
            positions = header_map(header, self.columns, self.what)
            with import_transaction(dry_run=dry_run), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.stage}")
                definitions = ", ".join(f"{name} text" for name in self.stage_columns)
                cursor.execute(
                    f"CREATE UNLOGGED TABLE {self.stage} (line_no bigint, voter_id bigint, {definitions})"
                )
                self.progress.enter(PHASE_READING)
                copy_rows(
                    cursor.cursor,
                    self.stage,
                    ["line_no", "voter_id", *self.stage_columns],
                    self._chunks(reader, records, stream, positions),
                )
                self.progress.enter("Writing")
                cursor.execute(self.upsert_sql())
                self.counts.inserted, self.counts.updated = cursor.fetchone()
                self.progress.enter("Writing the report")
                later = server_side_rows(
                    f"""
                    SELECT s.line_no, s.voter_id, 'rejected',
                           CASE WHEN v.id IS NULL THEN 'No voter has this Voter ID.'
                                ELSE format('Same voter as line %%s: only the first line was used.', f.first)
                           END, ''
                    FROM {self.stage} s
                    LEFT JOIN contacts_voter v ON v.id = s.voter_id
                    LEFT JOIN (SELECT {self.key}, min(line_no) AS first FROM {self.stage} GROUP BY {self.key}) f
                           USING ({self.key})
                    WHERE v.id IS NULL OR s.line_no <> f.first
                    ORDER BY s.line_no
                    """  # noqa: S608 (table and column names are constants)
                )
                tallies = self.log.write_report(self.report, later)
                self.counts.rejected, self.counts.warnings = tallies.rejected, tallies.warnings
                self.counts.unchanged = (
                    self.counts.read - self.counts.rejected - self.counts.inserted - self.counts.updated
                )
                cursor.execute(f"DROP TABLE {self.stage}")
        self.progress.enter(PHASE_DONE)
        return ImportResult(counts=self.counts, report=self.report, shown=SHOWN)

    def _chunks(self, reader, records: CsvRecords, stream, positions: dict[str, int]) -> Iterator[bytes]:
        out = []
        warnings = records.notes
        for line_no, row, unreadable in reader:
            if row is None:
                self.counts.read += 1
                self.log.reject(line_no, None, unreadable, records.last)
                continue
            if not any(cell.strip() for cell in row):
                continue
            self.counts.read += 1
            cells = {
                name: row[index].strip() if index < len(row) else "" for name, index in positions.items()
            }
            voter_text = cells["voter_id"]
            if not voter_text.isdigit() or len(voter_text) > 18:
                problem = "No Voter ID." if not voter_text else f"Voter ID {voter_text!r} is not a number."
                self.log.reject(line_no, None, problem, ",".join(row))
                continue
            notes = warnings.pop(line_no, [])
            values, problem = self.parse(cells, line_no, notes.append)
            if problem:
                self.log.reject(line_no, voter_text, problem, ",".join(row))
                continue
            for note in notes:
                self.log.warn(line_no, voter_text, note)
            out.append(copy_line([line_no, int(voter_text), *values]))
            if len(out) >= 5000:
                yield "".join(out).encode()
                out.clear()
                self.progress.reading(rows=self.counts.read, bytes_done=stream.tell())
        if out:
            yield "".join(out).encode()
        self.progress.reading(rows=self.counts.read, bytes_done=stream.tell())


_NOT_DIGITS = re.compile(r"\D")


def normalize_phone(text: str) -> str | None:
    """Return ten digits for a US number written any common way, or None."""
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return None
    return digits


class PhoneImport(VendorImport):
    what = "phone"
    stage = "contacts_phone_stage"
    key = "voter_id, number"
    columns = [
        Column("voter_id", VOTER_ID_HEADERS),
        Column("number", ("number", "phone", "phone number", "phone_number", "telephone")),
        Column("kind", ("type", "kind", "phone type", "line type"), required=False),
        Column("source", ("source",), required=False),
    ]
    stage_columns = ["number", "kind", "source"]

    def parse(self, cells, line_no, warn):
        number = normalize_phone(cells["number"])
        if number is None:
            return [], f"Number {cells['number']!r} is not a ten-digit US phone number."
        word = cells.get("kind", "").lower()
        if word in CELL_WORDS:
            kind = Phone.Kind.CELL
        elif word in LANDLINE_WORDS:
            kind = Phone.Kind.LANDLINE
        else:
            kind = Phone.Kind.UNKNOWN
            if word not in UNKNOWN_WORDS:
                warn(f"Type {cells['kind']!r} is not cell or landline; stored as unknown.")
        source = (cells.get("source") or DEFAULT_SOURCE)[:60]
        return [number, kind, source], None

    def upsert_sql(self) -> str:
        return f"""
            WITH written AS (
                INSERT INTO contacts_phone AS p (voter_id, number, kind, source, created_at)
                SELECT DISTINCT ON (s.voter_id, s.number) s.voter_id, s.number, s.kind, s.source, now()
                FROM {self.stage} s JOIN contacts_voter v ON v.id = s.voter_id
                ORDER BY s.voter_id, s.number, s.line_no
                ON CONFLICT (voter_id, number) DO UPDATE SET kind = EXCLUDED.kind, source = EXCLUDED.source
                WHERE (p.kind, p.source) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.source)
                RETURNING p.xmax = 0 AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
        """  # noqa: S608 (table names are constants)


class ScoreImport(VendorImport):
    what = "score"
    stage = "contacts_score_stage"
    key = "voter_id"
    columns = [
        Column("voter_id", VOTER_ID_HEADERS),
        Column("value", ("score", "partisanship", "partisanship score", "dem score", "value")),
        Column("source", ("source", "model"), required=False),
    ]
    stage_columns = ["value", "source"]

    def parse(self, cells, line_no, warn):
        try:
            score = Decimal(cells["value"])
        except InvalidOperation:
            return [], f"Score {cells['value']!r} is not a number."
        if not score.is_finite() or not 0 <= score <= 100:
            return [], f"Score {cells['value']!r} is not between 0 and 100."
        value = int(score.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return [value, (cells.get("source") or DEFAULT_SOURCE)[:60]], None

    def upsert_sql(self) -> str:
        return f"""
            WITH written AS (
                INSERT INTO contacts_score AS sc (voter_id, value, source, updated_at)
                SELECT DISTINCT ON (s.voter_id) s.voter_id, s.value::smallint, s.source, now()
                FROM {self.stage} s JOIN contacts_voter v ON v.id = s.voter_id
                ORDER BY s.voter_id, s.line_no
                ON CONFLICT (voter_id) DO UPDATE SET value = EXCLUDED.value, source = EXCLUDED.source,
                    updated_at = EXCLUDED.updated_at
                WHERE (sc.value, sc.source) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.source)
                RETURNING sc.xmax = 0 AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
        """  # noqa: S608 (table names are constants)


def import_phones(
    path: Path, *, dry_run: bool = False, progress: Progress | None = None, report: Path | None = None
) -> ImportResult:
    """Add or update voters' phone numbers (voter id, number, cell/landline, source)."""
    return PhoneImport(Path(path), progress=progress or Progress(), report=report).run(dry_run=dry_run)


def import_scores(
    path: Path, *, dry_run: bool = False, progress: Progress | None = None, report: Path | None = None
) -> ImportResult:
    """Set voters' partisanship scores (voter id, 0-100)."""
    return ScoreImport(Path(path), progress=progress or Progress(), report=report).run(dry_run=dry_run)
