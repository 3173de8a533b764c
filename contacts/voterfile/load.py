"""Import one PSR voter file: read, stage, check and write it in one transaction."""

from pathlib import Path
from typing import BinaryIO

from django.db import connection

from contacts.importing import (
    PHASE_DONE,
    PHASE_READING,
    Counts,
    ImportResult,
    IssueLog,
    Progress,
    copy_rows,
    import_transaction,
    report_path_for,
    server_side_rows,
)
from contacts.voterfile.known import Elections, Existing
from contacts.voterfile.layout import Layout
from contacts.voterfile.lines import LineReader, read_layout
from contacts.voterfile.staging import (
    BIRTHS,
    LATE_ISSUES,
    READ_NOTES,
    REGISTRATIONS,
    STAGE,
    UNCHANGED_WARNED,
    StageChecks,
)
from contacts.voterfile.unregister import GONE, MissingVoters, MissingVotersPreview
from contacts.voterfile.writing import NEW_ADDRESSES_ONLY, VoterWriter, defer_keys_and_indexes

SHOWN = ("read", "inserted", "updated", "unchanged", "unregistered", "rejected", "moved", "warnings")


class VoterFileLoader(LineReader, StageChecks, VoterWriter, MissingVotersPreview):
    """Stream one PSR file into the database: unchanged rows skipped, the rest staged and upserted."""

    def __init__(self, layout: Layout, *, progress: Progress, log: IssueLog, report_path: Path) -> None:
        super().__init__(layout, progress=progress, log=log)
        self.report_path = report_path
        self.preview: dict | None = None  # the voters left out, when there are any (see _preview)

    def load(self, stream: BinaryIO, *, dry_run: bool, missing: MissingVoters | None = None) -> Counts:
        counts, progress = self.counts, self.progress
        with import_transaction(dry_run=dry_run), connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM contacts_voter), NOT EXISTS (SELECT 1 FROM contacts_household)"
            )
            first_import, no_households = cursor.fetchone()
            existing = Existing.load()
            elections = Elections(cursor)
            cursor.execute(
                f"DROP TABLE IF EXISTS {STAGE}, {GONE}, {LATE_ISSUES}, {BIRTHS}, {REGISTRATIONS}, "
                f"{UNCHANGED_WARNED}, {READ_NOTES}"
            )
            cursor.execute(self.stage_ddl())
            progress.enter(PHASE_READING)
            columns = ["line_no", "row_hash", *self.stage_names, "elections"]
            # FREEZE: the rows are written once and read a few times, never updated.
            chunks = self.chunks(stream, existing, elections)
            copy_rows(cursor.cursor, STAGE, columns, chunks, options="FREEZE")

            progress.enter("Checking the rows")
            # Statistics make the planner look up a few thousand changed rows by index rather than
            # hash a whole table, and hash a million new ones rather than sort them. Only the
            # columns that queries join or group on: the others would triple the time it takes.
            cursor.execute(f"ANALYZE {STAGE} (line_no, voter_id, address_key, birthdate, registration_date)")
            cursor.executemany(
                "INSERT INTO contacts_election (id, date, name) VALUES (%s, %s, %s)", elections.new
            )
            if elections.new:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('contacts_election', 'id'), max(id)) "
                    "FROM contacts_election"
                )
            survey = self._survey(cursor, find_twice=not first_import)
            self._reject_duplicates(cursor, survey)
            # Without households there is nobody to look up: every address is new.
            new_only = "" if no_households else NEW_ADDRESSES_ONLY
            if first_import:
                voter_key, rebuild = defer_keys_and_indexes(cursor, no_households=no_households)
                counts.inserted = self._write_first_import(cursor, survey, new_only, voter_key)
            else:
                rebuild = None
                self._write_changes(cursor, new_only)
            progress.enter("Marking voters no longer registered")
            counts.unregistered = self._unregister(cursor, existing, missing or MissingVoters())
            if rebuild:
                # Autovacuum analyzes the new rows once they are committed; doing it here would
                # hold the import's transaction open for no gain.
                progress.enter("Building indexes")
                rebuild()
            progress.enter("Writing the report")
            self._keep_warnings(cursor, survey, existing, first_import=first_import)
            issues = server_side_rows(*self.warnings_sql(survey))
            tallies = self.log.write_report(self.report_path, issues)
            counts.rejected, counts.warnings = tallies.rejected, tallies.warnings
            cursor.execute(
                f"DROP TABLE IF EXISTS {STAGE}, {GONE}, {LATE_ISSUES}, {BIRTHS}, {REGISTRATIONS}, "
                f"{UNCHANGED_WARNED}, {READ_NOTES}"
            )
        return counts


def import_voter_file(
    path: Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    missing: MissingVoters | None = None,
    report: Path | None = None,
) -> ImportResult:
    """Import a PSR voter file; refuse it (ImportRefused) before writing anything if it is not one."""
    path = Path(path)
    report = report or report_path_for(path)
    progress = progress or Progress()
    progress.total_bytes = path.stat().st_size
    with open(path, "rb", buffering=1 << 20) as stream:
        layout = read_layout(stream)
        loader = VoterFileLoader(layout, progress=progress, log=IssueLog(), report_path=report)
        counts = loader.load(stream, dry_run=dry_run, missing=missing)
    progress.enter(PHASE_DONE)
    return ImportResult(counts=counts, report=loader.report_path, shown=SHOWN, preview=loader.preview)
