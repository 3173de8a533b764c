"""VAN IDs: the crosswalk from VAN's "export of my list" (VANID and state voter ID) onto voters.

VoteBuilder exports a list as tab-separated text (or CSV) whose columns include the VANID and the
state's voter ID (StateFileID). Loading one sets `Voter.van_id`, which the VAN export sends when it
is known. A wrong crosswalk would send contact results to other people's records in VAN, so the
file is all or nothing (DESIGN.md section 8): any line that cannot be used refuses the whole file
with the line numbers and reasons, and nothing is written. A file that would replace more than
CONFIRM_CHANGES_ABOVE VAN IDs already stored (VAN renumbered, or a file of another state or
committee) is refused unless the import is confirmed.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from contacts.importing import CsvRecords, ImportRefused, clip, copy_line, copy_rows, import_transaction
from contacts.vendor import VOTER_ID_HEADERS, Column, header_map

CONFIRM_CHANGES_ABOVE = 20
SHOWN_PROBLEMS = 20
STAGE = "contacts_van_id_stage"
COLUMNS = [
    Column("van_id", ("VANID", "van id", "voter file vanid", "myv van id")),
    Column("voter_id", ("StateFileID", "state file id", *VOTER_ID_HEADERS)),
]
LABELS = {"van_id": "VANID", "voter_id": "state voter ID"}  # the stage's columns, in order
_NUMBER = re.compile(r"[0-9]{1,18}")


class VanIdsRefused(ImportRefused):
    """The crosswalk cannot be loaded as it is: nothing was written."""


class VanIdsNeedConfirmation(VanIdsRefused):
    """The crosswalk would replace many VAN IDs already stored: it needs an explicit yes."""


@dataclass(frozen=True)
class VanIdsResult:
    read: int
    set: int
    changed: int
    unchanged: int


# Lines whose voter or VANID cannot be taken, each with its reason, found in one pass over the stage.
PROBLEMS = f"""
    WITH firsts AS (
        SELECT DISTINCT ON (van_id) van_id, voter_id, line_no FROM {STAGE} ORDER BY van_id, line_no
    ), voter_firsts AS (
        SELECT DISTINCT ON (voter_id) voter_id, van_id, line_no FROM {STAGE} ORDER BY voter_id, line_no
    )
    SELECT s.line_no, CASE
        WHEN v.id IS NULL THEN format('no voter has the state voter ID %s.', s.voter_id)
        WHEN f.voter_id <> s.voter_id
            THEN format('VANID %s is also on line %s, for another voter.', s.van_id, f.line_no)
        WHEN vf.van_id <> s.van_id
            THEN format('the voter of line %s again, with another VANID.', vf.line_no)
        ELSE format('VANID %s belongs to voter %s, whom this file does not give another.', s.van_id, holder.id)
    END
    FROM {STAGE} s
    LEFT JOIN contacts_voter v ON v.id = s.voter_id
    JOIN firsts f ON f.van_id = s.van_id
    JOIN voter_firsts vf ON vf.voter_id = s.voter_id
    LEFT JOIN contacts_voter holder ON holder.van_id = s.van_id AND holder.id <> s.voter_id
        AND NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.voter_id = holder.id)
    WHERE v.id IS NULL OR f.voter_id <> s.voter_id OR vf.van_id <> s.van_id OR holder.id IS NOT NULL
    ORDER BY s.line_no
    LIMIT {SHOWN_PROBLEMS}
"""  # noqa: S608 (built from constants)
COUNTS = f"""
    SELECT count(*) FILTER (WHERE v.van_id IS NULL), count(*) FILTER (WHERE v.van_id <> s.van_id)
    FROM (SELECT DISTINCT voter_id, van_id FROM {STAGE}) s JOIN contacts_voter v ON v.id = s.voter_id
"""  # noqa: S608 (built from constants)
# Two steps, so that VANIDs moving between voters of the file never meet the one-voter-per-VANID key.
CLEAR_CHANGED = f"""
    UPDATE contacts_voter v SET van_id = NULL FROM {STAGE} s
    WHERE v.id = s.voter_id AND v.van_id IS NOT NULL AND v.van_id <> s.van_id
"""  # noqa: S608 (built from constants)
WRITE = f"""
    UPDATE contacts_voter v SET van_id = s.van_id FROM (SELECT DISTINCT voter_id, van_id FROM {STAGE}) s
    WHERE v.id = s.voter_id AND v.van_id IS DISTINCT FROM s.van_id
"""  # noqa: S608 (built from constants)


def import_van_ids(path: Path, *, confirm_changes: bool = False, dry_run: bool = False) -> VanIdsResult:
    """Set voters' VAN IDs from a crosswalk file; raise VanIdsRefused, writing nothing, if any line is bad."""
    problems: list[str] = []
    read = 0

    def staged(records: CsvRecords, lines, positions: dict[str, int]):
        nonlocal read
        out = []
        for line_no, cells, unreadable in lines:
            found = _problem(records.notes.pop(line_no, []), cells, unreadable, positions)
            if found:
                problems.append(f"Line {line_no}: {found}")
            elif any(cell.strip() for cell in cells):
                read += 1
                out.append(copy_line([line_no, *(cells[positions[name]].strip() for name in LABELS)]))
                if len(out) >= 5000:
                    yield "".join(out).encode()
                    out.clear()
        yield "".join(out).encode()

    with open(path, "rb") as stream:
        first = stream.readline()
        stream.seek(0)
        # VAN's exports are tab-separated and quote nothing: a stray quote must stay a character.
        options = {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if b"\t" in first else {}
        records = CsvRecords(stream, **options)
        lines = iter(records)
        _, header, problem = next(lines, (0, [], ""))
        if header is None:
            raise records.refuse_header("a VAN ID crosswalk", problem)
        if not header:
            raise VanIdsRefused("The file is empty: it has not even a header row.")
        positions = header_map(header, COLUMNS, "VAN ID crosswalk")
        # Written inside the import's transaction, which a refusal rolls back: nothing stays.
        with import_transaction(dry_run=dry_run), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(f"CREATE TEMP TABLE {STAGE} (line_no bigint, van_id bigint, voter_id bigint)")
            copy_rows(cursor.cursor, STAGE, ["line_no", *LABELS], staged(records, lines, positions))
            if problems:
                _refuse(problems)
            cursor.execute(PROBLEMS)
            found = cursor.fetchall()
            if found:
                _refuse([f"Line {line_no}: {reason}" for line_no, reason in found])
            cursor.execute(COUNTS)
            new, changed = cursor.fetchone()
            if changed > CONFIRM_CHANGES_ABOVE and not confirm_changes and not dry_run:
                raise VanIdsNeedConfirmation(
                    f"This file would replace {changed:,} VAN IDs already stored with other ones (more "
                    f"than {CONFIRM_CHANGES_ABOVE}): check that it is this state's and this committee's "
                    "export, then confirm the import."
                )
            cursor.execute(CLEAR_CHANGED)
            cursor.execute(WRITE)
            cursor.execute(f"DROP TABLE {STAGE}")
    return VanIdsResult(read=read, set=new, changed=changed, unchanged=read - new - changed)


def _problem(notes: list[str], cells: list[str] | None, unreadable: str, positions: dict[str, int]) -> str:
    if cells is None:
        return unreadable
    if notes:
        return f"cannot be read exactly ({' '.join(notes)})"
    if not any(cell.strip() for cell in cells):
        return ""
    for name, label in LABELS.items():
        text = cells[positions[name]].strip() if positions[name] < len(cells) else ""
        if not text:
            return f"no {label}."
        if not _NUMBER.fullmatch(text):
            return f"{label[0].upper()}{label[1:]} {clip(text, 80)!r} is not a number."
    return ""


def _refuse(problems: list[str]) -> None:
    shown = problems[:SHOWN_PROBLEMS]
    more = f"\n… and {len(problems) - len(shown):,} more." if len(problems) > len(shown) else ""
    raise VanIdsRefused(
        "Nothing was imported. Fix these lines and import the file again:\n" + "\n".join(shown) + more
    )
