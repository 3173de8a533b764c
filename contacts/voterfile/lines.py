"""Read a PSR file a block of lines at a time, check each line, and stage those that must be written.

The header is read first and mapped to a layout, or the file is refused before anything is written.
A line that cannot be used is rejected with its line number and the reason; one stored with a fix
carries a warning.
"""

import gc
import tempfile
from bisect import bisect_left
from collections.abc import Iterator
from typing import BinaryIO

from xxhash import xxh3_64_intdigest

from contacts.importing import (
    CR_ONLY,
    MAX_LINE_BYTES,
    Counts,
    ImportRefused,
    IssueLog,
    Progress,
    clip,
    copy_line,
)
from contacts.voterfile.known import Elections, Existing
from contacts.voterfile.layout import Layout, LayoutError

UTF8_BOM = b"\xef\xbb\xbf"
CHUNK_LINES = 4_000
# PostgreSQL refuses an index entry over about 2.7 KB (a third of a page), and a household's
# address key joins nine fields. A line up to LONG_LINE bytes cannot make such an entry; a longer
# one is stored only if none of its fields is longer than LONGEST_FIELD (nine of them still fit).
# The loop reading 4.3 million lines pays one length comparison for this.
LONG_LINE, LONGEST_FIELD = 2_000, 255
OVERLONG_HEAD = 4_096  # what is kept of a line longer than MAX_LINE_BYTES, for its report


def decode_line(raw: bytes) -> tuple[bytes, bool]:
    """Return the line as UTF-8 bytes, and whether it was not UTF-8 and had to be read as cp1252."""
    if raw.isascii():
        return raw, False
    try:
        raw.decode("utf-8")
        return raw, False
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace").encode("utf-8"), True


def _repair(line: bytes) -> tuple[bytes, list[str]]:
    """Fix a line that is not clean UTF-8 or holds NUL bytes; return it with notes of what was done."""
    notes = []
    line, was_cp1252 = decode_line(line)
    if was_cp1252:
        notes.append("Not UTF-8: read as Windows-1252 (cp1252); check accented letters.")
    if b"\x00" in line:
        line = line.replace(b"\x00", b"")
        notes.append("NUL bytes removed.")
    return line, notes


def _drop_invalid_history(cells, elected, elections, notes) -> tuple[list[bytes], list[str]]:
    notes = list(notes or [])
    notes += [
        f"Voter History {cell.decode()!r} is not a date and an election name; left out."
        for cell in cells
        if cell and elections[cell] == Elections.INVALID
    ]
    return [pk for pk in elected if pk], notes


# A line's fingerprint is odd, so that it never equals the 0 of "no hash". It only has to notice
# that one voter's line changed between editions, not resist an adversary: XXH3 misses a change
# about once in 2**64, and costs a quarter of what two zlib checksums do in a loop run 4.3 million
# times. The offset takes it from unsigned 64 bits to PostgreSQL's signed bigint.
_HASH_OFFSET = 1 << 63


BLOCK_SIZE = 1 << 20


class Overlong(bytes):
    """The start of a line longer than MAX_LINE_BYTES, whose rest was skipped unread into memory."""

    length = 0


def _blocks(stream: BinaryIO) -> Iterator[tuple[list[bytes], bool, int]]:
    """Yield the rest of the file as blocks of whole lines, whether the block is clean (UTF-8 without
    NUL bytes, so no line needs repair), and the bytes read so far.

    Lines end in CRLF or LF; a carriage return anywhere else stays in its line. A line longer than
    MAX_LINE_BYTES (a file whose lines end in CR alone is one line) comes as an Overlong, alone.
    """
    done = stream.tell()
    carry = b""
    while True:
        data = stream.read(BLOCK_SIZE)
        done += len(data)
        if not data:
            if carry:
                yield _block(carry, done)
            return
        data = carry + data
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data  # one line longer than a block: keep reading
            if len(carry) > MAX_LINE_BYTES:
                line = Overlong(carry[:OVERLONG_HEAD])
                line.length, carry, done = _skip_line(stream, len(carry), done)
                yield [line], True, done
            continue
        carry = data[cut + 1 :]
        yield _block(data[:cut], done)


def _skip_line(stream: BinaryIO, length: int, done: int) -> tuple[int, bytes, int]:
    """Read to the end of a line without keeping it; return its length, what follows it, bytes read."""
    while data := stream.read(BLOCK_SIZE):
        done += len(data)
        cut = data.find(b"\n")
        if cut >= 0:
            return length + cut, data[cut + 1 :], done
        length += len(data)
    return length, b"", done


def _block(data: bytes, done: int) -> tuple[list[bytes], bool, int]:
    if b"\r" in data:
        # Splitting on CRLF costs half of replacing it first; the count proves no line ended in LF alone.
        lines = data.split(b"\r\n")
        if len(lines) - 1 != data.count(b"\n"):
            lines = data.replace(b"\r\n", b"\n").split(b"\n")
        if lines[-1].endswith(b"\r"):
            lines[-1] = lines[-1][:-1]  # the block's last line, cut before its LF
    else:
        lines = data.split(b"\n")
    return lines, _is_utf8(data) and b"\x00" not in data, done


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _escape_chunk(chunk: bytes) -> bytes:
    """Escape backslashes and carriage returns for COPY's text format.

    Done once per chunk, not per row: nothing the loader adds to a row contains either character.
    """
    if b"\\" in chunk:
        chunk = chunk.replace(b"\\", b"\\\\")
    if b"\r" in chunk:
        chunk = chunk.replace(b"\r", b"\\r")
    return chunk


def read_layout(stream: BinaryIO) -> Layout:
    """Read the header row and map it, or refuse the file before anything is written."""
    first = stream.readline(MAX_LINE_BYTES)
    if not first.strip():
        raise ImportRefused("The file is empty: a PSR file starts with a header row.")
    if b"\r" in first.rstrip(b"\r\n"):
        raise ImportRefused(CR_ONLY)
    if len(first) == MAX_LINE_BYTES and not first.endswith(b"\n"):
        raise ImportRefused(
            f"This is not a PSR voter file: its first line is longer than {MAX_LINE_BYTES >> 20} MiB."
        )
    header, _ = decode_line(first.removeprefix(UTF8_BOM).rstrip(b"\r\n"))
    if b"\t" not in header:
        raise ImportRefused("This is not a PSR voter file: its first line is not a tab-separated header.")
    try:
        return Layout.from_header(header.decode().split("\t"))
    except LayoutError as error:
        raise ImportRefused(clip(str(error), 500)) from None


class LineReader:
    """Read one file's lines after its header: reject the unusable, skip the unchanged, stage the rest."""

    def __init__(self, layout: Layout, *, progress: Progress, log: IssueLog) -> None:
        self.layout = layout
        self.progress = progress
        self.log = log
        self.counts = Counts()
        self.counties: set[bytes] = set()
        self.late_issues: list[tuple[int, int, str]] = []  # (line, voter, problem) found after reading
        self.duplicate_ids: set[int] = set()
        # Notes made while reading staged lines (voter_id, note as COPY text), kept with the voters.
        self.read_notes = tempfile.TemporaryFile()  # noqa: SIM115 (closed by load)
        self.staged = 0
        width = layout.width
        history = layout.history
        # Every known edition ends with its Voter History columns: then one rsplit finds them.
        self.trailing_history = history == list(range(width - len(history), width))
        self.history_set = set(history)
        self.stage_columns = [i for i in range(width) if i not in self.history_set]
        names = {index: name for name, index in layout.columns.items()}
        names.update({d.index: f"d{d.index}" for d in layout.districts})
        self.stage_names = [names[i] for i in self.stage_columns]

    def chunks(self, stream: BinaryIO, existing: Existing, elections: Elections) -> Iterator[bytes]:
        """Read the rows after the header; yield COPY text for the rows that must be written.

        This loop runs once per voter, 4.3 million times statewide: the common row takes the
        shortest path, and anything unusual is handed to a function of its own. The file is read
        a megabyte at a time, and what holds for a whole block (plain ASCII, no NUL byte, CRLF
        line ends) is checked once per block rather than once per line.
        """
        layout, log = self.layout, self.log
        tabs = layout.width - 1
        voter_at, county_at = layout.columns["voter_id"], layout.columns["county"]
        split_at = max(voter_at, county_at) + 1
        standard = (county_at, voter_at) == (0, 1)
        history_count, trailing = len(layout.history), self.trailing_history
        elect = elections.__getitem__
        compare = existing.count > 0
        ids, hashes, seen, first_line = existing.ids, existing.hashes, existing.seen, existing.first_line
        starts, shift, count = existing.starts, existing.shift, existing.count
        last_bucket = len(starts) - 2
        add_county = self.counties.add
        fingerprint = xxh3_64_intdigest
        out: list[bytes] = []
        append = out.append
        read = unchanged = staged = 0
        line_no = 1
        collecting = gc.isenabled()
        gc.disable()  # the loop makes millions of short-lived lists and no cycles
        try:
            for lines, clean, done in _blocks(stream):
                for line in lines:
                    line_no += 1
                    if len(line) <= tabs and not line.strip():
                        continue  # a blank line
                    read += 1
                    notes = None
                    if not clean:
                        line, notes = _repair(line.rstrip(b"\r"))
                    if len(line) > LONG_LINE and (problem := self._too_long(line)):
                        self._reject_damaged(line_no, line, problem, existing)
                        continue
                    found = line.count(b"\t")
                    if found != tabs:
                        self._reject_columns(line_no, line, found, existing)
                        continue
                    if standard:  # County, then Voter ID, as in every known edition: no list needed
                        county_end = line.find(b"\t")
                        voter_text = line[county_end + 1 : line.find(b"\t", county_end + 1)]
                        county = line[:county_end]
                    else:
                        fields = line.split(b"\t", split_at)
                        voter_text, county = fields[voter_at], fields[county_at]
                    if not voter_text.isdigit() or len(voter_text) > 18:
                        voter_text = self._voter_text(line_no, line, voter_text)
                        if voter_text is None:
                            continue
                    voter_id = int(voter_text)
                    add_county(county)
                    row_hash = (fingerprint(line) - _HASH_OFFSET) | 1
                    bucket = voter_id >> shift  # Existing.locate(), inlined
                    if (
                        compare
                        and bucket <= last_bucket
                        and (index := bisect_left(ids, voter_id, starts[bucket], starts[bucket + 1])) < count
                        and ids[index] == voter_id
                    ):
                        if seen[index] in (1, 2):
                            unchanged -= self._duplicate(line_no, voter_id, index, existing, line)
                            continue
                        first_line[index] = line_no
                        if hashes[index] == row_hash:
                            seen[index] = 1
                            unchanged += 1
                            continue
                        seen[index] = 2
                    # The row is written: its history becomes election ids, then it is staged.
                    if trailing:
                        cells = line.rsplit(b"\t", history_count) if history_count else [line]
                        head = cells.pop(0)
                    else:
                        parts = line.split(b"\t")
                        head = b"\t".join([parts[i] for i in self.stage_columns])
                        cells = [parts[i] for i in layout.history]
                    elected = list(map(elect, filter(None, cells)))
                    if Elections.INVALID in elected:
                        elected, notes = _drop_invalid_history(cells, elected, elections, notes)
                    if notes:
                        for note in notes:
                            log.warn(line_no, voter_id, note)
                            self.read_notes.write(copy_line([voter_id, note]).encode())
                    append(b"%d\t%d\t%s\t{%s}\n" % (line_no, row_hash, head, b",".join(elected)))
                    staged += 1
                if len(out) >= CHUNK_LINES:
                    yield _escape_chunk(b"".join(out))
                    out.clear()
                self.progress.reading(rows=read, bytes_done=done)
            if out:
                yield _escape_chunk(b"".join(out))
        finally:
            if collecting:
                gc.enable()
            self.counts.read, self.counts.unchanged, self.staged = read, unchanged, staged

    def _reject_columns(self, line_no: int, line: bytes, found: int, existing: Existing) -> None:
        problem = f"Has {found + 1} columns; the header has {self.layout.width}."
        if b"\r" in line:
            problem += " Its carriage returns end no line: were some lines saved with old Mac line endings?"
        self._reject_damaged(line_no, line, problem, existing)

    def _too_long(self, line: bytes) -> str | None:
        """Return why a long line cannot be stored, or None (it may still have the wrong columns)."""
        if isinstance(line, Overlong):
            return f"The line is {line.length:,} bytes long; no line of a PSR file is longer than {MAX_LINE_BYTES:,}."
        fields = line.split(b"\t")
        if len(fields) != self.layout.width:
            return None
        for index in self.stage_columns:
            if len(fields[index]) > LONGEST_FIELD:
                return (
                    f"{self.layout.headers[index]} is {len(fields[index]):,} bytes long; "
                    f"no field may be longer than {LONGEST_FIELD}."
                )
        return None

    def _reject_damaged(self, line_no: int, line: bytes, problem: str, existing: Existing) -> None:
        fields = line.split(b"\t", self.layout.columns["voter_id"] + 1)
        voter_at = self.layout.columns["voter_id"]
        voter_text = fields[voter_at].strip() if len(fields) > voter_at else b""
        voter_id = int(voter_text) if voter_text.isdigit() and len(voter_text) <= 18 else None
        self.log.reject(line_no, voter_id, problem, line.decode("utf-8", "replace"))
        # Keep a voter named only on an unreadable line registered: their row was damaged, not absent.
        if voter_id is not None and (index := existing.find(voter_id)) >= 0 and not existing.seen[index]:
            existing.seen[index] = 3

    def _voter_text(self, line_no: int, line: bytes, voter_text: bytes) -> bytes | None:
        """Return a usable Voter ID (spaces around it are tolerated), or reject the row."""
        stripped = voter_text.strip()
        if stripped.isdigit() and len(stripped) <= 18:
            return stripped
        problem = "No Voter ID." if not stripped else f"Voter ID {stripped.decode()!r} is not a number."
        self.log.reject(line_no, None, problem, line.decode())
        return None

    def _duplicate(self, line_no: int, voter_id: int, index: int, existing: Existing, line: bytes) -> int:
        """Reject every line of a Voter ID that appears twice: which one is right cannot be told.

        Return 1 if the first line had been counted unchanged (it no longer is), else 0.
        """
        first = existing.first_line[index]
        self.log.reject(
            line_no, voter_id, f"Voter ID {voter_id} also appears on line {first}.", line.decode()
        )
        if voter_id in self.duplicate_ids:
            return 0
        self.duplicate_ids.add(voter_id)
        self.late_issues.append((first, voter_id, f"Voter ID {voter_id} appears again on line {line_no}."))
        return 1 if existing.seen[index] == 1 else 0
