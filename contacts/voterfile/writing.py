"""Write the staged voters and their households, set-based: into empty tables, or as an upsert."""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from contacts.voterfile.layout import DISTRICT_KINDS
from contacts.voterfile.staging import BIRTHS, REGISTRATIONS, STAGE, Survey

HOUSE_NUMBER = "CASE WHEN s.house_number ~ '^[0-9]{1,9}$' THEN s.house_number::int END"
# Each door's household is made from the first line at its address. The stage is written once, in
# file order, by one COPY into a new table and never updated, so the first line at an address is the
# row with the smallest ctid: hashing the keys finds them, and a TID scan reads just those rows, in
# order. Statewide that is a fifth faster than joining line numbers back to the stage, and a third
# faster than sorting every staged row by address.
HOUSEHOLDS_SQL = """
    INSERT INTO contacts_household (address_key, house_number, house_suffix, pre_direction, street_name,
        street_type, post_direction, unit_type, unit_number, non_standard_address, city, state, zip_code,
        county, precinct, geocode_match, street_side, tiger_line_id)
    SELECT s.address_key, {house_number}, s.house_suffix,
        s.pre_direction, s.street_name, s.street_type, s.post_direction, s.unit_type, s.unit_number,
        s.non_standard_address, s.city, s.state, s.zip_code, s.county, s.precinct, '', '', ''
    FROM {stage} s
    WHERE s.ctid = ANY(ARRAY(
        SELECT min(s.ctid) FROM {stage} s WHERE s.address_key IS NOT NULL {new_only} GROUP BY s.address_key
    ))
"""
NEW_ADDRESSES_ONLY = "AND NOT EXISTS (SELECT 1 FROM contacts_household h WHERE h.address_key = s.address_key)"
# A household's precinct follows its voters when precincts are redrawn, and its address the file's
# when what the key leaves out changes (city, ZIP+4, state, unit type). Its voters are marked changed
# (updated_at): their address is the door's, and the ID rollup finds what an import changed by it.
REFRESH_HOUSEHOLDS_SQL = """
    WITH refreshed AS (
        UPDATE contacts_household h SET county = s.county, precinct = s.precinct, city = s.city,
            state = s.state, zip_code = s.zip_code, unit_type = s.unit_type
        FROM (SELECT DISTINCT ON (address_key COLLATE "C") address_key, county, precinct, city, state, zip_code,
                     unit_type
              FROM {stage} WHERE address_key IS NOT NULL ORDER BY address_key COLLATE "C", line_no) s
        WHERE h.address_key = s.address_key
          AND (h.county, h.precinct, h.city, h.state, h.zip_code, h.unit_type)
              IS DISTINCT FROM (s.county, s.precinct, s.city, s.state, s.zip_code, s.unit_type)
        RETURNING h.id
    )
    UPDATE contacts_voter v SET updated_at = now() FROM refreshed WHERE v.household_id = refreshed.id
"""


def defer_keys_and_indexes(cursor, *, no_households: bool) -> tuple[str, Callable[[], None]]:
    """Drop what a first import would otherwise maintain row by row; return the SQL that adds the
    voter table's primary key back, and a function that rebuilds everything else.

    On empty tables, building each index once at the end from sorted data is several times faster
    than updating it for every row, and checking a foreign key in one pass beats a deferred check
    per row. So the voter table's indexes and keys (its primary key too: nothing can point at a
    voter yet), the foreign keys that point at it, and the household table's indexes go, and come
    back, identical, before the transaction commits. When there are no households either, their
    primary key and the foreign keys that point at it go too. Only done when the voter table is
    empty: nobody is reading it, and nothing refers to it.

    The empty tables are then truncated, which changes nothing in them but gives them new files:
    on a server with wal_level = minimal (the embedded one, see lib/stack.py), rows written to a
    table truncated in the same transaction skip the write-ahead log and are flushed once at
    commit. A rollback brings back the old, empty files.
    """
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint
        WHERE conrelid = 'contacts_voter'::regclass AND contype IN ('p', 'f', 'u')
           OR confrelid = 'contacts_voter'::regclass AND contype = 'f'
           OR conrelid = 'contacts_household'::regclass AND (contype = 'u' OR contype = 'p' AND %(empty)s)
           OR confrelid = 'contacts_household'::regclass AND contype = 'f' AND %(empty)s
        """,
        {"empty": no_households},
    )
    # Foreign keys first: the keys they lean on can only go after them, and come back before.
    constraints = sorted(cursor.fetchall(), key=lambda constraint: constraint[3] != "f")
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid IN ('contacts_voter'::regclass, 'contacts_household'::regclass)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """
    )
    indexes = cursor.fetchall()
    # A table with deferred checks still pending in this transaction cannot be altered: run them
    # now, then return to Django's deferred default.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for table, name, _, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # No foreign key points at either table any more, so TRUNCATE is allowed.
    cursor.execute("TRUNCATE contacts_voter" + (", contacts_household" if no_households else ""))

    statements = [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}' for table, name, sql, _ in constraints]
    (voter_key,) = (
        statements[i] for i, c in enumerate(constraints) if c[0] == "contacts_voter" and c[3] == "p"
    )
    statements.remove(voter_key)

    def rebuild() -> None:
        for statement in reversed(statements):
            cursor.execute(statement)
        for _, definition in indexes:
            cursor.execute(definition)

    return voter_key, rebuild


class VoterWriter:
    """The voters' and households' writes from the stage (a loader's part)."""

    def field(self, name: str) -> str:
        """Return the stage column of a field, or '' for an optional column this edition lacks."""
        return f"s.{name}" if name in self.layout.columns else "''"

    def districts(self) -> tuple[str, dict[str, str]]:
        """Return SQL for every district code, and for each kind the newest map's code."""
        codes = [f"s.d{d.index}" for d in self.layout.districts]
        newest = {}
        for kind in DISTRICT_KINDS.values():
            of_kind = [d for d in self.layout.districts if d.kind == kind]
            newest[kind] = f"s.d{max(of_kind, key=lambda d: int(d.map)).index}"
        return f"array_remove(ARRAY[{', '.join(codes)}], '')", newest

    def voter_columns(self) -> dict[str, str]:
        """Map each contacts_voter column to its SQL over the stage row ``s`` and the value tables."""
        all_codes, newest = self.districts()
        return {
            "id": "s.voter_id",
            "household_id": "h.id",
            "first_name": "s.first_name",
            "middle_name": "s.middle_name",
            "last_name": "s.last_name",
            "suffix": "s.suffix",
            "birth_year": "b.value",
            "declared_party": self.field("declared_party"),
            "registered_on": "r.value",
            "status": "s.status",
            "county": "s.county",
            "precinct": "s.precinct",
            "precinct_name": "s.precinct_name",
            "split": "s.split",
            "township": "s.township",
            "ward": "s.ward",
            "congressional_district": newest["congressional"],
            "legislative_district": newest["legislative"],
            "senate_district": newest["senate"],
            "districts": all_codes,
            "elections": "s.elections",
            "mailing_address": "s.mailing_address",
            "mailing_city": "s.mailing_city",
            "mailing_state": "s.mailing_state",
            "mailing_zip": "s.mailing_zip",
            "is_registered": "true",
            "unregistered_at": "NULL::timestamptz",
            "row_hash": "s.row_hash",
            "updated_at": "now()",
        }

    def _select_voters(self) -> tuple[list[str], str]:
        columns = self.voter_columns()
        select = f"""
            SELECT {", ".join(columns.values())}
            FROM {STAGE} s
            LEFT JOIN contacts_household h ON h.address_key = s.address_key
            LEFT JOIN {BIRTHS} b ON b.raw = s.birthdate
            LEFT JOIN {REGISTRATIONS} r ON r.raw = s.registration_date
        """  # noqa: S608 (built from constants and the header's known column names)
        return list(columns), select

    def _write_first_import(self, cursor, survey: "Survey", new_only: str, voter_key: str) -> int:
        """Write households and insert every staged voter into empty tables; return the voters inserted.

        Voter IDs on two lines are rare, and looking for them costs a pass over a million ids, so
        the voter table's primary key, built here anyway, finds them. If it does, the writes roll
        back, every line of those IDs is rejected as on any other import, and the rest is written.
        """
        savepoint = transaction.savepoint_create()
        self.progress.enter("Writing households")
        cursor.execute(HOUSEHOLDS_SQL.format(stage=STAGE, house_number=HOUSE_NUMBER, new_only=new_only))
        # Half a million new rows and no statistics: the planner would sort both sides of the
        # voters' join instead of hashing the households.
        cursor.execute("ANALYZE contacts_household")
        self.progress.enter("Writing voters")
        names, select = self._select_voters()
        cursor.execute(f"INSERT INTO contacts_voter ({', '.join(names)}) {select}")
        inserted = cursor.rowcount
        try:
            with transaction.atomic():
                cursor.execute(voter_key)
        except IntegrityError:
            transaction.savepoint_rollback(savepoint)
            cursor.execute("SELECT voter_id FROM contacts_voter_stage GROUP BY voter_id HAVING count(*) > 1")
            survey.twice = [voter_id for (voter_id,) in cursor.fetchall()]
            if not survey.twice:
                raise
            self._reject_twice(cursor, survey.twice)
            return self._write_first_import(cursor, survey, new_only, voter_key)
        transaction.savepoint_commit(savepoint)
        return inserted

    def _upsert_voters(self, cursor) -> tuple[int, int, int]:
        """Insert new voters, update changed ones; return inserted, updated and moved counts."""
        names, select = self._select_voters()
        compared = [name for name in names if name not in ("id", "row_hash", "updated_at")]
        cursor.execute(
            f"""
            WITH written AS (
                INSERT INTO contacts_voter AS v ({", ".join(names)})
                {select}
                ON CONFLICT (id) DO UPDATE SET {", ".join(f"{name} = EXCLUDED.{name}" for name in names[1:])}
                WHERE ({", ".join(f"v.{name}" for name in compared)})
                      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{name}" for name in compared)})
                RETURNING v.id, v.household_id, v.xmax = 0 AS inserted
            )
            -- xmax is 0 on a row this statement inserted, not on one it updated; RETURNING old.*
            -- would need PostgreSQL 18. Every part of one statement reads the same snapshot, so
            -- the join below sees each updated voter as it was before the update.
            SELECT count(*) FILTER (WHERE w.inserted), count(*) FILTER (WHERE NOT w.inserted),
                   count(*) FILTER (WHERE NOT w.inserted AND was.household_id IS DISTINCT FROM w.household_id)
            FROM written w LEFT JOIN contacts_voter was ON was.id = w.id AND NOT w.inserted
            """  # noqa: S608 (built from constants and the header's known column names)
        )
        return cursor.fetchone()

    def _write_changes(self, cursor, new_only: str) -> None:
        """Write new households and the staged voters over those on file; count what changed."""
        counts, progress = self.counts, self.progress
        progress.enter("Writing households")
        cursor.execute(HOUSEHOLDS_SQL.format(stage=STAGE, house_number=HOUSE_NUMBER, new_only=new_only))
        progress.enter("Writing voters")
        counts.inserted, counts.updated, counts.moved = self._upsert_voters(cursor)
        # A staged row neither inserted nor updated had a new line but no new value.
        counts.unchanged += self.staged_left(cursor) - counts.inserted - counts.updated
        # Rows whose line changed but whose values did not (a new edition's date format):
        # keep their new hash so the next import skips them while reading.
        cursor.execute(
            "UPDATE contacts_voter v SET row_hash = s.row_hash FROM contacts_voter_stage s "
            "WHERE v.id = s.voter_id AND v.row_hash IS DISTINCT FROM s.row_hash"
        )
        cursor.execute(REFRESH_HOUSEHOLDS_SQL.format(stage=STAGE))
