"""The stage a file's changed lines are copied into, and the checks run over it once it is full.

Values are checked once per distinct value, not once per voter; Voter IDs named twice are
rejected; warnings are kept with the voters they belong to, for the report of the next import.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from contacts.importing import copy_rows
from contacts.voterfile.known import Existing
from contacts.voterfile.layout import KNOWN_AUTHORITIES

STAGE = "contacts_voter_stage"
LATE_ISSUES = "contacts_voter_late_issues"
BIRTHS = "contacts_voter_births"
REGISTRATIONS = "contacts_voter_registrations"
WARNINGS = "contacts_voter_warning"  # contacts.models.VoterWarning
UNCHANGED_WARNED = "contacts_voter_unchanged_warned"
READ_NOTES = "contacts_voter_read_notes"
# A registered voter is at least 17½; nobody on the rolls is older than 120.
YOUNGEST_AGE, OLDEST_AGE = 17, 120
_BIRTHDATE = re.compile(r"(?:\d{2}/\d{2}/)?(\d{4})")
_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def parse_birth_year(raw: str, today: date) -> int | None:
    """Return the year of a '1996' or '08/18/1967' birthdate, or None if no voter could be born then."""
    match = _BIRTHDATE.fullmatch(raw.strip())
    if not match:
        return None
    year = int(match[1])
    return year if today.year - OLDEST_AGE <= year <= today.year - YOUNGEST_AGE else None


def parse_registration_date(raw: str, today: date) -> date | None:
    """Return an MM/DD/YYYY date if it is a real day between 1900 and today, else None."""
    match = _DATE.fullmatch(raw.strip())
    if not match:
        return None
    try:
        day = date(int(match[3]), int(match[1]), int(match[2]))
    except ValueError:
        return None
    return day if date(1900, 1, 1) <= day <= today else None


# The household key: one door, whatever the unit type is called (APT 2, # 2, UNIT 2) and with or
# without ZIP+4. Protected voters (XXXXX) and rows without an address belong to no household.
ADDRESS_KEY = """
    CASE WHEN house_number || street_name || non_standard_address = ''
              OR strpos(house_number || street_name || non_standard_address, 'XXXXX') > 0 THEN NULL
    ELSE upper((house_number || house_suffix || '|' || pre_direction || '|' || street_name || '|'
                || street_type || '|' || post_direction || '|' || unit_number || '|' || non_standard_address
                || '|' || CASE WHEN zip_code = '' THEN city ELSE left(zip_code, 5) END) COLLATE "C")
    END
"""
_HOUSE_NUMBER_TEXT = re.compile(r"[0-9]{0,9}")


def batched_lines(lines: Iterator[bytes], size: int = 10_000) -> Iterator[bytes]:
    """Join lines of COPY text into chunks of `size` lines."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield b"".join(batch)
            batch.clear()
    if batch:
        yield b"".join(batch)


@dataclass
class Survey:
    """What one scan of the staged rows found: values to warn about, Voter IDs staged twice."""

    twice: list[int] = field(default_factory=list)
    bad_births: list[str] = field(default_factory=list)
    bad_registrations: list[str] = field(default_factory=list)
    bad_house_numbers: list[str] = field(default_factory=list)
    unknown_counties: list[str] = field(default_factory=list)


class StageChecks:
    """The stage's table, the checks over its rows, and the warnings kept of them (a loader's part)."""

    def stage_ddl(self) -> str:
        columns = ["line_no bigint NOT NULL", "row_hash bigint NOT NULL"]
        columns += [
            f"{name} {'bigint' if name == 'voter_id' else 'text'} NOT NULL" for name in self.stage_names
        ]
        columns.append("elections integer[] NOT NULL")
        # Computed once by the server while copying: households are found and created by this key.
        columns.append(f"address_key text GENERATED ALWAYS AS ({ADDRESS_KEY}) STORED")
        return f"CREATE UNLOGGED TABLE {STAGE} ({', '.join(columns)})"

    def _survey(self, cursor, *, find_twice: bool) -> "Survey":
        """Scan the stage once for what is checked per distinct value rather than per voter.

        A statewide file has about a hundred birth years, 25,000 registration dates and 40,000
        house numbers: each distinct value is checked once, here in Python, and the dates are
        joined back as two small tables. The same scan finds Voter IDs staged twice, if asked:
        a first import leaves that to the voter table's primary key (see _write_first_import).
        """
        if find_twice:
            sql = """
                SELECT birthdate, registration_date, house_number, voter_id,
                       GROUPING(birthdate, registration_date, house_number, voter_id)
                FROM contacts_voter_stage
                GROUP BY GROUPING SETS ((birthdate), (registration_date), (house_number), (voter_id))
                HAVING GROUPING(voter_id) = 1 OR count(*) > 1
            """
        else:  # the same rows and groupings, without the Voter IDs
            sql = """
                SELECT birthdate, registration_date, house_number, NULL::bigint,
                       GROUPING(birthdate, registration_date, house_number) * 2 + 1
                FROM contacts_voter_stage
                GROUP BY GROUPING SETS ((birthdate), (registration_date), (house_number))
            """
        cursor.execute(sql)
        today = date.today()
        survey = Survey()
        births, registrations = {}, {}
        for birthdate, registration, house_number, voter_id, grouping in cursor.fetchall():
            if grouping == 0b0111:
                births[birthdate] = parse_birth_year(birthdate, today)
            elif grouping == 0b1011:
                registrations[registration] = parse_registration_date(registration, today)
            elif grouping == 0b1101:
                if not _HOUSE_NUMBER_TEXT.fullmatch(house_number):
                    survey.bad_house_numbers.append(house_number)
            elif grouping == 0b1110:
                survey.twice.append(voter_id)
        for table, values, sql_type in ((BIRTHS, births, "smallint"), (REGISTRATIONS, registrations, "date")):
            cursor.execute(f"CREATE UNLOGGED TABLE {table} (raw text PRIMARY KEY, value {sql_type})")
            cursor.execute(
                f"INSERT INTO {table} SELECT * FROM unnest(%s::text[], %s::{sql_type}[])",  # noqa: S608 (constants)
                [list(values), list(values.values())],
            )
            # Without statistics the planner takes these for big tables and sorts a million rows.
            cursor.execute(f"ANALYZE {table}")
        survey.bad_births = sorted(raw for raw, year in births.items() if year is None and raw.strip())
        survey.bad_registrations = sorted(
            raw for raw, day in registrations.items() if day is None and raw.strip()
        )
        counties = (county.decode("utf-8", "replace") for county in self.counties)
        survey.unknown_counties = sorted(county for county in counties if county not in KNOWN_AUTHORITIES)
        return survey

    def warnings_sql(self, survey: "Survey") -> tuple[str, dict]:
        """Return SQL yielding (line, voter, outcome, problem, content) for fields stored with a fix."""
        fixed, params = self.field_warnings_sql(survey)
        parts = [
            "SELECT line_no, voter_id, 'rejected', problem, '' FROM contacts_voter_late_issues",
            f"SELECT line_no, voter_id, 'warning', problem, '' FROM ({fixed}) AS fixed",  # noqa: S608 (constants)
            # Unchanged lines were skipped unread: their warnings are those kept when they were written.
            f"SELECT u.line_no, u.voter_id, 'warning', w.problem, '' "  # noqa: S608 (constants)
            f"FROM {UNCHANGED_WARNED} u JOIN {WARNINGS} w USING (voter_id)",
        ]
        return " UNION ALL ".join(parts) + " ORDER BY 1, 4", params

    def field_warnings_sql(self, survey: "Survey") -> tuple[str, dict]:
        """Return SQL yielding (line, voter, problem) for the staged fields stored with a fix."""
        checks = {
            "birthdate": (survey.bad_births, "Birthdate %%L is not a possible birth year; stored as unknown."),
            "registration_date": (
                survey.bad_registrations, "Registration Date %%L is not a past date; stored as unknown."
            ),
            "county": (survey.unknown_counties, "County %%L is not a Missouri election authority; kept as given."),
            "house_number": (
                survey.bad_house_numbers,
                "House Number %%L is not a number; kept in the address, not in walking order.",
            ),
        }  # fmt: skip
        parts = [
            "SELECT NULL::bigint AS line_no, NULL::bigint AS voter_id, NULL::text AS problem WHERE false"
        ]
        params = {}
        for column, (bad, problem) in checks.items():
            if bad:
                params[column] = bad
                parts.append(
                    f"SELECT line_no, voter_id, format('{problem}', {column}) "  # noqa: S608 (constants)
                    f"FROM contacts_voter_stage WHERE {column} = ANY(%({column})s)"
                )
        return " UNION ALL ".join(parts), params

    def _keep_warnings(self, cursor, survey: "Survey", existing: Existing, *, first_import: bool) -> None:
        """Keep the warnings of every voter written, and find those of voters whose line is unchanged.

        A re-import skips an unchanged line before checking it, which keeps it fast; its warnings
        are the ones kept when it was last written. Only voters with kept warnings (about 1,500
        statewide) are looked up, and placed at their line in this file.
        """
        cursor.execute(f"CREATE UNLOGGED TABLE {UNCHANGED_WARNED} (line_no bigint, voter_id bigint)")
        if not first_import:
            cursor.execute(f"SELECT DISTINCT voter_id FROM {WARNINGS}")  # noqa: S608 (constants)
            seen, first_line, duplicates = existing.seen, existing.first_line, self.duplicate_ids
            unchanged = []
            for (voter_id,) in cursor.fetchall():
                index = existing.locate(voter_id)
                if index >= 0 and seen[index] == 1 and voter_id not in duplicates:
                    unchanged.append(b"%d\t%d\n" % (first_line[index], voter_id))
            copy_rows(
                cursor.cursor, UNCHANGED_WARNED, ["line_no", "voter_id"], batched_lines(iter(unchanged))
            )
            cursor.execute(f"DELETE FROM {WARNINGS} w USING {STAGE} s WHERE w.voter_id = s.voter_id")  # noqa: S608
        else:
            cursor.execute(f"TRUNCATE {WARNINGS}")
        fixed, params = self.field_warnings_sql(survey)
        cursor.execute(
            f"INSERT INTO {WARNINGS} (voter_id, problem) SELECT voter_id, problem FROM ({fixed}) AS f",  # noqa: S608
            params,
        )
        cursor.execute(f"CREATE UNLOGGED TABLE {READ_NOTES} (voter_id bigint, problem text)")
        self.read_notes.seek(0)
        copy_rows(
            cursor.cursor,
            READ_NOTES,
            ["voter_id", "problem"],
            iter(lambda: self.read_notes.read(1 << 20), b""),
        )
        self.read_notes.close()
        # A line staged, then rejected with a later line of the same Voter ID, keeps nothing.
        cursor.execute(
            f"INSERT INTO {WARNINGS} (voter_id, problem) SELECT n.voter_id, n.problem FROM {READ_NOTES} n "  # noqa: S608 (constants)
            f"WHERE EXISTS (SELECT 1 FROM {STAGE} s WHERE s.voter_id = n.voter_id)"
        )

    def staged_left(self, cursor) -> int:
        cursor.execute("SELECT count(*) FROM contacts_voter_stage")
        return cursor.fetchone()[0]

    def _reject_duplicates(self, cursor, survey: "Survey") -> None:
        """Reject every line of a Voter ID that appears more than once, and stage none of them.

        Voters already on file were caught while reading; IDs new to the database only show
        up once everything is staged, in the survey.
        """
        cursor.execute(
            "CREATE UNLOGGED TABLE contacts_voter_late_issues (line_no bigint, voter_id bigint, problem text)"
        )
        cursor.executemany("INSERT INTO contacts_voter_late_issues VALUES (%s, %s, %s)", self.late_issues)
        self._reject_twice(cursor, survey.twice)
        if self.duplicate_ids:
            cursor.execute(
                "DELETE FROM contacts_voter_stage WHERE voter_id = ANY(%s)", [sorted(self.duplicate_ids)]
            )

    def _reject_twice(self, cursor, twice: list[int]) -> None:
        """Reject every staged line of Voter IDs new to the database that the file names twice."""
        if not twice:
            return
        cursor.execute(
            """
            WITH twice AS (
                SELECT voter_id, array_agg(line_no ORDER BY line_no) AS lines
                FROM contacts_voter_stage WHERE voter_id = ANY(%s) GROUP BY voter_id
            )
            INSERT INTO contacts_voter_late_issues
            SELECT s.line_no, s.voter_id,
                   format('Voter ID %%s appears on lines %%s.', s.voter_id, array_to_string(t.lines, ', '))
            FROM contacts_voter_stage s JOIN twice t USING (voter_id)
            """,
            [twice],
        )
        cursor.execute("DELETE FROM contacts_voter_stage WHERE voter_id = ANY(%s)", [twice])
