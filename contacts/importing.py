"""What every data import shares: its counts, its progress line, its report, its transaction.

Each import (voter file, geocodes, phones, scores) reads a file as a stream, stages rows with COPY
and writes them set-based inside one transaction, so a crash or Ctrl-C leaves the database as it
was. Rows that cannot be used are rejected, and rows stored with one field fixed carry a warning;
both go, with their line numbers, to a report kept per run (and, for the command line, copied next
to the input file as ``<file>.rejects.csv``).

No line stops an import: a line too long, not CSV, or not text is rejected with its line number
and the reason, and only a file that cannot be read at all is refused, saying why.
"""

import csv
import heapq
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from django.db import connection, transaction

from lib.batch import without_request_timeout
from lib.spreadsheet import SafeWriter
from lib.uploads import open_private

# One data import at a time: two voter files written at once would fight over the same rows.
IMPORT_LOCK = 7_310_001
REJECTED = "rejected"
WARNING = "warning"
# No line of any data file we read comes near this; reading one past it would only fill memory.
MAX_LINE_BYTES = 1 << 20
# What a report keeps of a line or a problem: enough to find it in the file, and well within what
# csv and spreadsheets accept in one cell (a 200 KiB line would break the report itself).
REPORT_CELL_CHARS = 2_000
CR_ONLY = (
    "Its lines end in a carriage return alone (old Mac line endings): save it with Windows (CRLF) "
    "or Unix (LF) line endings and import it again."
)


class ImportRefused(Exception):
    """The file cannot be imported at all (wrong header, unreadable): nothing was written."""


@dataclass
class Counts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    unregistered: int = 0
    moved: int = 0
    rejected: int = 0
    warnings: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    LABELS = {
        "read": "rows read",
        "inserted": "inserted",
        "updated": "updated",
        "unchanged": "unchanged",
        "unregistered": "no longer registered",
        "moved": "moved to another household",
        "rejected": "rejected",
        "warnings": "warnings",
    }

    def lines(self, names: Iterable[str] | None = None) -> list[str]:
        """Return one aligned 'label: number' line per count."""
        names = list(names or (f.name for f in fields(self)))
        width = max(len(self.LABELS[name]) for name in names)
        return [f"{self.LABELS[name]:>{width}}: {getattr(self, name):,}" for name in names]


class Progress:
    """Throttled progress: rows read, rows per second, share of the file, time left, phase.

    Sinks are callables taking the Progress; they run at most once a second while reading and
    at every phase change, so a statewide import reports a few hundred times, not millions.
    """

    def __init__(self, *, total_bytes: int = 0, sinks: Iterable[Callable[["Progress"], None]] = ()) -> None:
        self.total_bytes = total_bytes
        self.bytes_done = 0
        self.rows = 0
        self.phase = "Starting"
        self.started = time.monotonic()
        self.sinks = list(sinks)
        self._last = 0.0

    @property
    def rate(self) -> int:
        elapsed = time.monotonic() - self.started
        return int(self.rows / elapsed) if elapsed > 0 else 0

    @property
    def seconds_left(self) -> int | None:
        rate = self.rate
        if not rate or not self.rows or not self.bytes_done or self.bytes_done >= self.total_bytes:
            return None
        rows_left = (self.total_bytes - self.bytes_done) * self.rows / self.bytes_done
        return round(rows_left / rate)

    @property
    def percent(self) -> int:
        return min(100, self.bytes_done * 100 // self.total_bytes) if self.total_bytes else 0

    def describe(self) -> str:
        if self.phase != PHASE_READING:
            return f"{self.phase} ({self.rows:,} rows read, {time.monotonic() - self.started:.1f} s)"
        text = f"{self.phase}: {self.rows:,} rows, {self.rate:,} rows/s"
        if self.total_bytes:
            text += f", {self.percent}%"
            if (left := self.seconds_left) is not None:
                text += f", ETA {left // 60}:{left % 60:02}"
        return text

    def reading(self, *, rows: int, bytes_done: int) -> None:
        self.rows, self.bytes_done = rows, bytes_done
        now = time.monotonic()
        if now - self._last >= 1.0:
            self._last = now
            self._emit()

    def enter(self, phase: str) -> None:
        self.phase = phase
        self._emit()

    def _emit(self) -> None:
        for sink in self.sinks:
            sink(self)


PHASE_READING = "Reading the file"
PHASE_DONE = "Done"  # entered once the import's transaction has committed, never before


@dataclass
class ImportResult:
    counts: Counts
    report: Path
    shown: tuple[str, ...]  # the counts that mean something for this kind of file
    preview: dict | None = None  # a voter file's voters left out, by county (psr.VoterFileLoader._preview)


def report_path_for(path: Path) -> Path:
    """Return where the command line puts the report of an input file: next to it."""
    return path.with_name(path.name + ".rejects.csv")


def clip(text: str, limit: int = REPORT_CELL_CHARS) -> str:
    """Return text cut to a report cell's length, saying how long it was if it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters in all)"


class IssueLog:
    """Rejected rows and warnings, spooled to disk while reading and merged in line order at the end.

    Issues found while reading arrive in line order; issues found by SQL afterwards arrive as a
    second ordered stream. Neither is held in memory, whatever the number of bad rows.
    """

    HEADER = ["line", "voter_id", "outcome", "problem", "content"]

    def __init__(self) -> None:
        self._spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._spool)

    def reject(self, line: int, voter_id, problem: str, content: str = "") -> None:
        self._writer.writerow([line, voter_id or "", REJECTED, clip(problem), clip(content)])

    def warn(self, line: int, voter_id, problem: str) -> None:
        self._writer.writerow([line, voter_id or "", WARNING, clip(problem), ""])

    def _spooled(self) -> Iterator[list]:
        self._spool.seek(0)
        for row in csv.reader(self._spool):
            row[0] = int(row[0])
            yield row

    def write_report(self, path: Path, later: Iterable[tuple] = ()) -> Counts:
        """Write the report, merging issues found later (ordered by line); return their tallies."""
        tallies = Counts()
        later_rows = (
            [line, voter_id or "", outcome, clip(problem), clip(content or "")]
            for line, voter_id, outcome, problem, content in later
        )
        with open_private(path, "w", newline="", encoding="utf-8") as out:
            writer = SafeWriter(out)
            writer.writerow(self.HEADER)
            for row in heapq.merge(self._spooled(), later_rows, key=lambda row: row[0]):
                if row[2] == REJECTED:
                    tallies.rejected += 1
                else:
                    tallies.warnings += 1
                writer.writerow(row)
        self._spool.close()
        return tallies


@contextmanager
def import_transaction(*, dry_run: bool):
    """Run an import in one transaction, alone, without the web's statement timeout.

    A dry run does all the work and rolls it back, so its counts are exactly the real ones.
    """
    with transaction.atomic():
        with without_request_timeout():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            yield
        if dry_run:
            transaction.set_rollback(True)


def import_running() -> bool:
    """Whether some connection holds the import lock, i.e. an import is inside its transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = 0 AND objid = %s AND objsubid = 1 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()))",
            [IMPORT_LOCK],
        )
        return cursor.fetchone()[0]


def copy_rows(cursor, table: str, columns: list[str], chunks: Iterable[bytes], *, options: str = "") -> None:
    """COPY already formatted text-format chunks into a table."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN" + (f" WITH ({options})" if options else "")
    with cursor.copy(statement) as copy:
        for chunk in chunks:
            copy.write(chunk)


def decode_text(raw: bytes, *, first: bool = False) -> tuple[str, list[str]]:
    """Return a line of bytes as text PostgreSQL can store, with notes of what had to be fixed."""
    notes = []
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        notes.append("Not UTF-8: read as Windows-1252 (cp1252).")
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:  # PostgreSQL's text cannot hold NUL
        notes.append("NUL bytes removed.")
        text = text.replace("\x00", "")
    return text, notes


class CsvRecords:
    """A binary CSV file's records as (line number, cells, problem), never stopping on a bad one.

    A record that cannot be read (a carriage return inside an unquoted cell, a cell past csv's
    128 KiB limit, a line past MAX_LINE_BYTES) comes with cells None and the reason, for the
    caller to reject; csv's reader carries on with the next line. Notes on lines read with a fix
    (not UTF-8, NUL bytes) wait in ``notes`` by line number.
    """

    def __init__(self, stream, **reader_options) -> None:
        self.stream = stream
        self.reader_options = reader_options  # csv.reader's: a tab-separated file, say
        self.notes: dict[int, list[str]] = {}
        self.last = ""  # the last line read, which is what a record that cannot be parsed shows
        self._line_no = 0
        self._overlong: set[int] = set()

    def _lines(self) -> Iterator[str]:
        while raw := self.stream.readline(MAX_LINE_BYTES):
            self._line_no += 1
            if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := self.stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                self._overlong.add(self._line_no)
                self.last = raw[:REPORT_CELL_CHARS].decode("utf-8", errors="replace")
                yield "\n"
                continue
            text, notes = decode_text(raw, first=self._line_no == 1)
            if notes:
                self.notes[self._line_no] = notes
            self.last = text
            yield text

    def __iter__(self) -> Iterator[tuple[int, list[str] | None, str]]:
        reader = csv.reader(self._lines(), **self.reader_options)
        done = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                done = reader.line_num
                yield done, None, _unreadable(error)
                continue
            start, done = done + 1, reader.line_num
            if self._overlong and not self._overlong.isdisjoint(range(start, done + 1)):
                yield (
                    done,
                    None,
                    f"The line is longer than {MAX_LINE_BYTES >> 20} MiB; no line of a data file is.",
                )
                continue
            yield done, cells, ""

    def refuse_header(self, what: str, problem: str) -> ImportRefused:
        """Return the refusal of a file whose first record cannot be read."""
        if "\r" in self.last.rstrip("\r\n"):
            return ImportRefused(CR_ONLY)
        return ImportRefused(f"This is not {what}: its first line cannot be read. {problem}")


def _unreadable(error: Exception) -> str:
    text = str(error)
    if "new-line character" in text:
        return "Holds a carriage return inside an unquoted cell: only a quoted cell may hold a line break."
    if "field larger than field limit" in text:
        return f"Has a cell longer than {csv.field_size_limit() // 1024} KiB; no cell of a data file is."
    return f"Cannot be read as CSV: {text}."


def copy_line(values: Iterable) -> str:
    """Format one row for COPY's text format: NULL as \\N, no tab or line break inside a field."""
    return (
        "\t".join(
            "\\N"
            if value is None
            else str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")
            for value in values
        )
        + "\n"
    )


def server_side_rows(sql: str, params=(), *, name: str = "issues", batch: int = 10_000) -> Iterator[tuple]:
    """Stream a query's rows through a named cursor, inside the current transaction."""
    with connection.connection.cursor(name=name) as cursor:
        cursor.itersize = batch
        cursor.execute(sql, params)
        yield from cursor
