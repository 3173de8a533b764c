"""Geocodes from the US Census Bureau's batch geocoder: what to send it, and reading back its answer.

The geocoder takes CSV files of at most 10,000 addresses (Unique ID, street, city, state, ZIP; no
header) and returns one line per address: Unique ID, input address, Match/No_Match/Tie, then for
a match Exact/Non_Exact, the matched address, "longitude,latitude", the TIGER line id and the
side of the street (L/R). We send our household id as "H<id>"; files made elsewhere, like the
state party's, carry the Voter ID of someone living at the address. Both are accepted.
"""

import itertools
from collections.abc import Iterator
from pathlib import Path

from django.db import connection, transaction

from contacts.importing import (
    PHASE_DONE,
    PHASE_READING,
    Counts,
    CsvRecords,
    ImportRefused,
    ImportResult,
    IssueLog,
    Progress,
    copy_line,
    copy_rows,
    import_transaction,
    report_path_for,
    server_side_rows,
)
from lib.spreadsheet import SafeWriter

BATCH_SIZE = 10_000  # the Census batch geocoder's limit per file
MATCHES = ("Match", "No_Match", "Tie")
# Missouri's bounding box with some room: a "match" outside it placed the address in another state.
LATITUDES, LONGITUDES = (35.5, 41.1), (-96.3, -88.6)
STAGE = "contacts_geocode_stage"
SHOWN = ("read", "updated", "unchanged", "rejected", "warnings")


def export_geocode_input(
    directory: Path, *, retry: bool = False, batch_size: int = BATCH_SIZE
) -> tuple[list[Path], int]:
    """Write households without a geocode as geocoder input files; return the files and the count.

    Households with only a rural route or highway-mile address are left out: the geocoder cannot
    place them, and they stay in turf by precinct and street order. With ``retry``, households
    the geocoder could not match before are sent again.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tried = "" if retry else "AND geocode_match = ''"
    with transaction.atomic():  # a server-side cursor lives in a transaction
        return _write_batches(
            directory,
            batch_size,
            server_side_rows(
                f"""
        SELECT id, concat_ws(' ', nullif(house_number::text || house_suffix, ''), nullif(pre_direction, ''),
                             street_name, nullif(street_type, ''), nullif(post_direction, '')),
               city, state, left(zip_code, 5)
        FROM contacts_household
        WHERE latitude IS NULL AND house_number IS NOT NULL AND street_name <> '' {tried}
        ORDER BY id
        """,  # noqa: S608 (no user input in the query)
                name="geocode_input",
            ),
        )


def _write_batches(directory: Path, batch_size: int, rows) -> tuple[list[Path], int]:
    files: list[Path] = []
    count = 0
    handle = None
    try:
        for household_id, street, city, state, zip_code in rows:
            if count % batch_size == 0:
                if handle:
                    handle.close()
                files.append(directory / f"geocode_input_{len(files) + 1:04}.csv")
                handle = open(files[-1], "w", newline="", encoding="utf-8")  # noqa: SIM115
                writer = SafeWriter(handle, lineterminator="\n")
            writer.writerow([f"H{household_id}", street, city, state, zip_code])
            count += 1
    finally:
        if handle:
            handle.close()
    return files, count


def _parse(row: list[str]) -> tuple[list, str | None, str | None]:
    """Return (household id, voter id, match, type, latitude, longitude, tiger id, side), problem, warning."""
    unique_id = row[0].strip()
    household_id = voter_id = None
    if unique_id[:1] in ("H", "h") and unique_id[1:].isdigit():
        household_id = int(unique_id[1:])
    elif unique_id.isdigit() and len(unique_id) <= 18:
        voter_id = int(unique_id)
    else:
        return [], f"Unique ID {unique_id!r} is neither a Voter ID nor a household id (H123).", None
    match = row[2].strip() if len(row) > 2 else ""
    if match not in MATCHES:
        return [], f"Match indicator {match!r} is not one of {', '.join(MATCHES)}.", None
    if match != "Match":
        return [household_id, voter_id, match, "", None, None, "", ""], None, None
    if len(row) < 8:
        return [], f"A Match needs 8 columns; this row has {len(row)}.", None
    try:
        longitude, latitude = (float(part) for part in row[5].split(","))
    except ValueError:
        return [], f"Coordinates {row[5]!r} are not 'longitude,latitude'.", None
    if not (LATITUDES[0] <= latitude <= LATITUDES[1] and LONGITUDES[0] <= longitude <= LONGITUDES[1]):
        return [], f"Coordinates {row[5]!r} are not in Missouri.", None
    side = row[7].strip().upper()
    warning = None
    if side not in ("L", "R", ""):
        warning = f"Side {row[7]!r} is not L or R; stored as unknown."
        side = ""
    match_type = row[3].strip() if row[3].strip() in ("Exact", "Non_Exact") else ""
    return (
        [household_id, voter_id, match, match_type, latitude, longitude, row[6].strip()[:20], side],
        None,
        warning,
    )


def import_geocodes(
    path: Path, *, dry_run: bool = False, progress: Progress | None = None, report: Path | None = None
) -> ImportResult:
    """Store the geocoder's answers on households; never downgrade a matched door to unmatched."""
    path = Path(path)
    report = report or report_path_for(path)
    progress = progress or Progress()
    progress.total_bytes = path.stat().st_size
    log, counts = IssueLog(), Counts()
    with open(path, "rb") as stream:
        if not stream.read(4096).strip():
            raise ImportRefused("The file is empty.")
        stream.seek(0)
        records = CsvRecords(stream)
        reader = iter(records)
        head = next(reader)
        first, problem = head[1], head[2]
        if first is None:
            raise records.refuse_header("Census geocoder output", problem)
        if len(first) < 3 or first[2].strip() not in MATCHES:
            raise ImportRefused(
                "This is not Census geocoder output: its third column should say Match, No_Match or Tie."
            )
        with import_transaction(dry_run=dry_run), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"""CREATE UNLOGGED TABLE {STAGE} (line_no bigint, household_id bigint, voter_id bigint,
                    match text, match_type text, latitude float8, longitude float8, tiger text, side text)"""
            )
            progress.enter(PHASE_READING)

            def chunks() -> Iterator[bytes]:
                out = []
                for line_no, row, unreadable in itertools.chain([head], reader):
                    if row is None:
                        counts.read += 1
                        log.reject(line_no, None, unreadable, records.last)
                        continue
                    if not any(cell.strip() for cell in row):
                        continue
                    counts.read += 1
                    values, problem, warning = _parse(row)
                    if problem:
                        log.reject(
                            line_no, row[0] if row and row[0].isdigit() else None, problem, ",".join(row)
                        )
                        continue
                    for note in [*records.notes.pop(line_no, ()), warning]:
                        if note:
                            log.warn(line_no, values[1], note)
                    out.append(copy_line([line_no, *values]))
                    if len(out) >= 5000:
                        yield "".join(out).encode()
                        out.clear()
                        progress.reading(rows=counts.read, bytes_done=stream.tell())
                if out:
                    yield "".join(out).encode()
                progress.reading(rows=counts.read, bytes_done=stream.tell())

            columns = ["line_no", "household_id", "voter_id", "match", "match_type", "latitude", "longitude",
                       "tiger", "side"]  # fmt: skip
            copy_rows(cursor.cursor, STAGE, columns, chunks())
            progress.enter("Writing geocodes")
            cursor.execute(
                """
                UPDATE contacts_geocode_stage s SET household_id = v.household_id
                FROM contacts_voter v WHERE s.household_id IS NULL AND v.id = s.voter_id
                """
            )
            # One answer per door: a match beats a tie or no match, then the first line wins.
            cursor.execute(
                """
                WITH best AS (
                    SELECT DISTINCT ON (s.household_id) s.*
                    FROM contacts_geocode_stage s JOIN contacts_household h ON h.id = s.household_id
                    ORDER BY s.household_id, s.match <> 'Match', s.line_no
                ), changed AS (
                    UPDATE contacts_household h
                    SET latitude = b.latitude, longitude = b.longitude, geocode_match = b.match_type,
                        tiger_line_id = b.tiger, street_side = b.side
                    FROM best b
                    WHERE h.id = b.household_id AND b.match = 'Match'
                      AND (h.latitude, h.longitude, h.geocode_match, h.tiger_line_id, h.street_side)
                          IS DISTINCT FROM (b.latitude, b.longitude, b.match_type, b.tiger, b.side)
                    RETURNING h.id
                ), unmatched AS (
                    UPDATE contacts_household h SET geocode_match = b.match
                    FROM best b
                    WHERE h.id = b.household_id AND b.match <> 'Match' AND h.latitude IS NULL
                      AND h.geocode_match <> b.match
                    RETURNING h.id
                )
                SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM unmatched)
                """
            )
            counts.updated = cursor.fetchone()[0]
            progress.enter("Writing the report")
            later = server_side_rows(
                f"""
                SELECT s.line_no, s.voter_id, 'rejected',
                       CASE WHEN s.voter_id IS NOT NULL AND v.id IS NULL THEN 'No voter has this Voter ID.'
                            WHEN s.voter_id IS NOT NULL THEN 'This voter has no household (no address).'
                            ELSE 'No household has this id.' END,
                       ''
                FROM {STAGE} s
                LEFT JOIN contacts_voter v ON v.id = s.voter_id
                LEFT JOIN contacts_household h ON h.id = s.household_id
                WHERE h.id IS NULL
                ORDER BY s.line_no
                """  # noqa: S608 (no user input in the query)
            )
            tallies = log.write_report(report, later)
            counts.rejected, counts.warnings = tallies.rejected, tallies.warnings
            counts.unchanged = counts.read - counts.rejected - counts.updated
            cursor.execute(f"DROP TABLE {STAGE}")
    progress.enter(PHASE_DONE)
    return ImportResult(counts=counts, report=report, shown=SHOWN)
