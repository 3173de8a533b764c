"""The ID rollup: from contact attempts, suppressions and the voter file to the shared database.

One row per registered voter (contacts.shared.SharedVoter) and counts per area (SharedAggregate).
Which ID wins, the one rule (`tier`, `tier_source`, `tier_channel`, `tier_on`):

1. A conversation. The newest party ID on the 1-5 scale that a leader recorded wins, newest by when
   it was recorded (then by arrival); an older ID never beats a newer one. A refusal ("won't say")
   is no ID: it neither wins nor erases the ID before it. An attempt withdrawn by a plausibility
   review (`ContactAttempt.withdrawn_at`) counts for nothing: its IDs, its "talked" and the
   suppressions it reported (unless someone confirmed them) are left out.
2. Else the party the voter declared on the voter file: Democratic 1, Republican 5, any other 3.
3. Else the model score, which counts only where no ID exists: PARTY_SCORE_DEM_MIN and up 2,
   PARTY_SCORE_REP_MAX and below 4, in between 3.
4. Else no tier.

A voter no longer registered has no row. `contacted`: a leader talked with them, or talked at their
door without naming who. `mail_suppressions`: the in-force suppressions that apply to mail.

Incremental runs roll up only voters touched since the last run's watermark: attempts that arrived
or were withdrawn, suppressions created or decided (or undone), and, after an import finished,
voters and scores it changed (the importers are their only writers; a door whose address changed
marks its voters changed too). A cutoff OVERLAP before the
watermark catches transactions that committed late; re-rolling a voter is harmless, as each row is
an upsert keyed by voter that writes only what differs. Aggregates move by the difference between
each changed row's old and new values, in the same transaction, so they always equal the rows.

Statewide it works in chunks of voters, each its own transaction on the shared database, which
also records how far the run got: a run killed mid-way is resumed by the next one. A session
advisory lock keeps two runs from overlapping; the second one returns at once. Nightly a full run
recomputes every row, which also catches what no timestamp records.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Min
from django.utils import timezone

from contacts.models import ContactAttempt, Election, ImportRun, PartyID, Suppression
from contacts.routers import SHARED
from contacts.shared import RollupRun, RollupState, SharedVoter, TierSource

CHUNK_VOTERS = 50_000
# Longer than any transaction that writes attempts or suppressions takes to commit.
OVERLAP = timedelta(minutes=10)
LOCK_KEY = 0x4E4C_5249_4453  # "NLRIDS": one rollup at a time, across every worker and host

# The shared row, column by column, as the program's tables give it (the columns of SharedVoter).
VOTER_ROW = {
    "voter_id": "v.id",
    "van_id": "v.van_id",
    "first_name": "v.first_name",
    "middle_name": "v.middle_name",
    "last_name": "v.last_name",
    "suffix": "v.suffix",
    "household_key": "coalesce(h.address_key, '')",
    # Household.street_line, in SQL, with the unit apart (a mail house wants it on line 2).
    "residence_line": """coalesce(CASE WHEN h.non_standard_address <> '' AND h.street_name = ''
        THEN h.non_standard_address ELSE concat_ws(' ',
            nullif(coalesce(h.house_number::text, '') || h.house_suffix, ''), nullif(h.pre_direction, ''),
            nullif(h.street_name, ''), nullif(h.street_type, ''), nullif(h.post_direction, '')) END, '')""",
    "residence_unit": """coalesce(CASE WHEN h.non_standard_address <> '' AND h.street_name = '' THEN ''
        ELSE concat_ws(' ', nullif(h.unit_type, ''), nullif(h.unit_number, '')) END, '')""",
    "residence_city": "coalesce(h.city, '')",
    "residence_state": "coalesce(h.state, '')",
    "residence_zip": "coalesce(h.zip_code, '')",
    "mailing_address": "v.mailing_address",
    "mailing_city": "v.mailing_city",
    "mailing_state": "v.mailing_state",
    "mailing_zip": "v.mailing_zip",
    "county": "v.county",
    "precinct": "v.precinct",
    "precinct_name": "v.precinct_name",
    "split": "v.split",
    "township": "v.township",
    "ward": "v.ward",
    "congressional_district": "v.congressional_district",
    "legislative_district": "v.legislative_district",
    "senate_district": "v.senate_district",
    "districts": "v.districts",
    "registration_status": "v.status",
    "registered_on": "v.registered_on",
    "elections_voted": "hist.voted",
    "generals_voted": "hist.generals",
    "primaries_voted": "hist.primaries",
    "last_voted_on": "hist.dates[1]",
    "voted_on": "hist.dates",
    "tier": """CASE WHEN conv.value IS NOT NULL THEN conv.value
        WHEN v.declared_party ~* '^\\s*dem' THEN 1 WHEN v.declared_party ~* '^\\s*rep' THEN 5
        WHEN v.declared_party ~ '\\S' THEN 3
        WHEN sc.value >= %(dem_min)s THEN 2 WHEN sc.value <= %(rep_max)s THEN 4
        WHEN sc.value IS NOT NULL THEN 3 END""",
    "tier_source": f"""CASE WHEN conv.value IS NOT NULL THEN '{TierSource.CONVERSATION}'
        WHEN v.declared_party ~ '\\S' THEN '{TierSource.VOTER_FILE}'
        WHEN sc.value IS NOT NULL THEN '{TierSource.MODEL_SCORE}' ELSE '' END""",
    "tier_channel": "coalesce(conv.channel, '')",
    "tier_on": """CASE WHEN conv.value IS NOT NULL THEN (conv.recorded_at AT TIME ZONE %(tz)s)::date
        WHEN v.declared_party ~ '\\S' THEN (v.updated_at AT TIME ZONE %(tz)s)::date
        ELSE (sc.updated_at AT TIME ZONE %(tz)s)::date END""",
    "model_score": "sc.value",
    "contacted": "talked.voter_id IS NOT NULL OR door.household_id IS NOT NULL",
    "mail_suppressions": "coalesce(supp.reasons, '{}')",
}
COLUMNS = list(VOTER_ROW)

# Set-based, one chunk of voters at a time: each table is read for the chunk's voters by its index
# on the voter (SCOPE[column] becomes the chunk's condition on that column), then hash-joined.
SELECT_ROWS = f"""
    WITH conv AS (
        SELECT DISTINCT ON (p.voter_id) p.voter_id, p.value, p.recorded_at, p.channel
        FROM contacts_partyid p LEFT JOIN contacts_contactattempt a ON a.id = p.attempt_id
        WHERE SCOPE[p.voter_id] AND p.value <> %(refused)s AND a.withdrawn_at IS NULL
        ORDER BY p.voter_id, p.recorded_at DESC, p.id DESC
    ),
    talked AS (
        SELECT DISTINCT voter_id FROM contacts_contactattempt
        WHERE SCOPE[voter_id] AND result = %(talked)s AND withdrawn_at IS NULL
    ),
    door AS (
        SELECT DISTINCT household_id FROM contacts_contactattempt
        WHERE household_id IN (SELECT household_id FROM contacts_voter WHERE SCOPE[id]) AND voter_id IS NULL
            AND result = %(talked)s AND withdrawn_at IS NULL
    ),
    -- SuppressionQuerySet.in_force(), in SQL, for the reasons that apply to mail.
    supp AS (
        SELECT s.voter_id, array_agg(DISTINCT s.reason ORDER BY s.reason) AS reasons
        FROM contacts_suppression s LEFT JOIN contacts_contactattempt a ON a.id = s.attempt_id
        WHERE SCOPE[s.voter_id] AND s.phone_id IS NULL AND s.reason = ANY(%(mail)s::text[])
            AND s.dismissed_at IS NULL
            AND (s.confirmed_at IS NOT NULL OR NOT s.reason = ANY(%(needs_confirmation)s::text[]))
            AND (a.withdrawn_at IS NULL OR s.confirmed_at IS NOT NULL)
        GROUP BY s.voter_id
    )
    SELECT {", ".join(VOTER_ROW.values())}
    FROM contacts_voter v
    LEFT JOIN contacts_household h ON h.id = v.household_id
    -- Scoped too, so the chunk's scores are read by index rather than every score hashed.
    LEFT JOIN (SELECT voter_id, value, updated_at FROM contacts_score WHERE SCOPE[voter_id]) sc
        ON sc.voter_id = v.id
    LEFT JOIN conv ON conv.voter_id = v.id
    LEFT JOIN talked ON talked.voter_id = v.id
    LEFT JOIN door ON door.household_id = v.household_id
    LEFT JOIN supp ON supp.voter_id = v.id
    CROSS JOIN LATERAL (
        SELECT count(*)::smallint AS voted,
            count(*) FILTER (WHERE x.e = ANY(%(generals)s::int[]))::smallint AS generals,
            count(*) FILTER (WHERE x.e = ANY(%(primaries)s::int[]))::smallint AS primaries,
            coalesce(array_agg(x.d ORDER BY x.d DESC) FILTER (WHERE x.d IS NOT NULL), '{{}}') AS dates
        FROM (SELECT e, (%(dates)s::date[])[e] AS d FROM unnest(v.elections) AS u(e)) x
    ) hist
    WHERE v.is_registered AND SCOPE[v.id]
"""  # noqa: S608 (built from constants)

# Voters touched since a moment, by the program's own writes (attempts, withdrawals, suppressions).
TOUCHED_BY_CONTACTS = """
    WITH recent AS (
        SELECT id, voter_id, household_id FROM contacts_contactattempt WHERE received_at >= %(since)s
        UNION
        SELECT id, voter_id, household_id FROM contacts_contactattempt WHERE withdrawn_at >= %(since)s
    )
    SELECT voter_id FROM recent WHERE voter_id IS NOT NULL
    -- LATERAL: a few recent attempts look up their voters and IDs by index, never by a scan of all.
    UNION SELECT v.id FROM (SELECT DISTINCT household_id FROM recent WHERE voter_id IS NULL) r
        CROSS JOIN LATERAL (SELECT id FROM contacts_voter WHERE household_id = r.household_id) v
    UNION SELECT p.voter_id FROM recent r
        CROSS JOIN LATERAL (SELECT voter_id FROM contacts_partyid WHERE attempt_id = r.id) p
    UNION SELECT voter_id FROM contacts_suppression WHERE updated_at >= %(since)s
"""
# ... and by an import (the importers alone write voters and scores).
TOUCHED_BY_IMPORTS = """
    SELECT id FROM contacts_voter WHERE updated_at >= %(since)s
    UNION SELECT voter_id FROM contacts_score WHERE updated_at >= %(since)s
"""

STAGE = "rollup_stage"
SHARED_VOTERS = SharedVoter._meta.db_table
_ALL = ", ".join(COLUMNS)
COUNTS = {
    "voters": "sum(c.n)",
    **{f"tier_{n}": f"sum(c.n) FILTER (WHERE c.tier = {n})" for n in range(1, 6)},
    "unidentified": "sum(c.n) FILTER (WHERE c.tier IS NULL)",
    "from_conversation": f"sum(c.n) FILTER (WHERE c.tier_source = '{TierSource.CONVERSATION}')",
    "from_voter_file": f"sum(c.n) FILTER (WHERE c.tier_source = '{TierSource.VOTER_FILE}')",
    "from_model_score": f"sum(c.n) FILTER (WHERE c.tier_source = '{TierSource.MODEL_SCORE}')",
    "contacted": "sum(c.n) FILTER (WHERE c.contacted)",
    "suppressed": "sum(c.n) FILTER (WHERE cardinality(c.mail_suppressions) > 0)",
}
_COUNTS = ", ".join(f"coalesce({sql}, 0)" for sql in COUNTS.values())
# The counts of rows `c` (each weighing c.n) per area: a row counts once in its county, precinct,
# township and ward (one GROUP BY per level, in one pass) and once in each of its districts.
AREA_COUNTS = f"""
    SELECT * FROM (
        SELECT CASE WHEN GROUPING(c.precinct) = 0 THEN 'precinct' WHEN GROUPING(c.township) = 0 THEN 'township'
                    WHEN GROUPING(c.ward) = 0 THEN 'ward' ELSE 'county' END,
               c.county, coalesce(c.precinct, c.township, c.ward, c.county), {_COUNTS}
        FROM c
        GROUP BY GROUPING SETS ((c.county), (c.county, c.precinct), (c.county, c.township), (c.county, c.ward))
        UNION ALL
        SELECT 'district', '', d.code, {_COUNTS}
        FROM c CROSS JOIN LATERAL (SELECT DISTINCT code FROM unnest(c.districts) AS code) d
        GROUP BY d.code
    ) area (kind, county, code, {", ".join(COUNTS)})
    WHERE area.code <> ''
"""  # noqa: S608 (built from constants)
_AGGREGATE_COLUMNS = f"(kind, county, code, {', '.join(COUNTS)})"
# One statement, so every part reads the shared table as it was before it: the staged rows that
# differ from the shared ones (`changed`, with the row they replace, if any) and the rows of voters
# gone; the writes; and the aggregates moved by the difference. The shared table is read once, by
# the chunk's range (SCOPE). Only one run writes at a time (the advisory lock), so new voters are
# plainly inserted.
WRITE_CHANGES = f"""
    WITH changed AS MATERIALIZED (
        SELECT s.*, sv.voter_id IS NULL AS new, sv AS was
        FROM {STAGE} s LEFT JOIN {SHARED_VOTERS} sv ON sv.voter_id = s.voter_id AND SCOPE[sv.voter_id]
        WHERE sv.voter_id IS NULL OR ROW(sv.*) IS DISTINCT FROM ROW(s.*)
    ),
    gone AS (
        DELETE FROM {SHARED_VOTERS} sv
        WHERE SCOPE[sv.voter_id] AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.voter_id = sv.voter_id)
        RETURNING sv.*
    ),
    added AS (
        INSERT INTO {SHARED_VOTERS} ({_ALL}) SELECT {_ALL} FROM changed WHERE new
    ),
    updated AS (
        UPDATE {SHARED_VOTERS} sv SET {", ".join(f"{c} = changed.{c}" for c in COLUMNS[1:])}
        FROM changed WHERE NOT changed.new AND sv.voter_id = changed.voter_id AND SCOPE[sv.voter_id]
    ),
    c AS (
        SELECT -1 AS n, {", ".join(f"(was).{c}" for c in COLUMNS)} FROM changed WHERE NOT new
        UNION ALL SELECT -1, {_ALL} FROM gone UNION ALL SELECT 1, {_ALL} FROM changed
    ),
    moved AS (
        INSERT INTO contacts_sharedaggregate AS agg {_AGGREGATE_COLUMNS} {AREA_COUNTS}
        ON CONFLICT (kind, county, code) DO UPDATE SET
            {", ".join(f"{name} = agg.{name} + EXCLUDED.{name}" for name in COUNTS)}
    )
    SELECT (SELECT count(*) FROM changed) + (SELECT count(*) FROM gone)
"""  # noqa: S608 (built from constants)
# Enough memory that a chunk's joins and the counts by area hash in memory rather than sort on disk.
WORK_MEM = "SET LOCAL work_mem = '64MB'"


@dataclass
class Rollup:
    """What one run did."""

    run_id: int
    full: bool
    voters_touched: int = 0
    rows_changed: int = 0


def rollup_ids(
    *, full: bool = False, chunk_voters: int = CHUNK_VOTERS, after_chunk: Callable[[], None] | None = None
) -> Rollup | None:
    """Bring the shared database up to date; return what was done, or None if a run is going on."""
    with connections[SHARED].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
        try:
            return _run(full=full, chunk_voters=chunk_voters, after_chunk=after_chunk)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _run(*, full: bool, chunk_voters: int, after_chunk: Callable[[], None] | None) -> Rollup:
    state, _ = RollupState.objects.get_or_create(pk=1)
    run = RollupRun.objects.filter(pk=state.run_id).first() if state.run_target else None
    if run is None or (full and not state.run_full):
        # A new run; a full one asked for replaces an unfinished incremental one.
        target = _database_clock()
        full = full or state.watermark is None
        run = RollupRun.objects.create(full=full, started_at=timezone.now(), watermark=target)
        state.run_full, state.run_target, state.run_id, state.run_after = full, target, run.pk, None
        state.run_since = None if full else _cutoff(state.watermark)
        state.save()
    done = Rollup(run_id=run.pk, full=state.run_full, voters_touched=run.voters_touched,
                  rows_changed=run.rows_changed)  # fmt: skip
    chunks = (
        _all_voters(after=state.run_after, size=chunk_voters)
        if state.run_full
        else _touched_voters(since=state.run_since, after=state.run_after, size=chunk_voters)
    )
    context = _row_parameters()
    for scope, ids in chunks:
        with transaction.atomic(using=SHARED):
            changed = _write_chunk(scope, ids, context)
            done.voters_touched += len(ids)
            done.rows_changed += changed
            state.run_after = ids[-1] if ids else None
            run.voters_touched, run.rows_changed = done.voters_touched, done.rows_changed
            state.save(update_fields=["run_after"])
            run.save(update_fields=["voters_touched", "rows_changed"])
        if after_chunk:
            after_chunk()
    with transaction.atomic(using=SHARED):
        state.watermark = state.run_target
        state.run_full, state.run_since, state.run_target, state.run_after, state.run_id = (
            False, None, None, None, None,
        )  # fmt: skip
        state.save()
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    return done


def _database_clock() -> datetime:
    # The program's database stamps attempts and imports: its clock, not this host's, is the one to trust.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _cutoff(watermark: datetime) -> datetime:
    return watermark - OVERLAP


def _all_voters(*, after: int | None, size: int):
    """Yield (scope, ids) for every voter on file, in id order, from past `after`."""
    low = after if after is not None else -1
    while True:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT id FROM contacts_voter WHERE id > %s ORDER BY id LIMIT %s", [low, size])
            ids = [voter_id for (voter_id,) in cursor.fetchall()]
        last = len(ids) < size
        # The last chunk reaches to the end, so rows of voters no longer on file go too.
        upper = "" if last else " AND {column} <= %(high)s"
        yield ({"sql": "{column} > %(low)s" + upper, "low": low, "high": ids[-1] if ids else None}, ids)
        if last:
            return
        low = ids[-1]


def _touched_voters(*, since: datetime, after: int | None, size: int):
    """Yield (scope, ids) for the voters touched since `since`, in id order, from past `after`."""
    with connections["default"].cursor() as cursor:
        cursor.execute(TOUCHED_BY_CONTACTS, {"since": since})
        touched = {voter_id for (voter_id,) in cursor.fetchall()}
        imported = ImportRun.objects.filter(finished_at__gte=since).aggregate(start=Min("started_at"))
        if imported["start"] is not None:
            cursor.execute(TOUCHED_BY_IMPORTS, {"since": min(since, imported["start"])})
            touched.update(voter_id for (voter_id,) in cursor.fetchall())
    ordered = sorted(voter_id for voter_id in touched if after is None or voter_id > after)
    for start in range(0, len(ordered), size):
        ids = ordered[start : start + size]
        yield ({"sql": "{column} = ANY(%(ids)s::bigint[])", "ids": ids}, ids)


def _row_parameters() -> dict:
    elections = list(Election.objects.values_list("id", "date", "name"))
    dates = [None] * max((pk for pk, _, _ in elections), default=0)
    for pk, date, _ in elections:
        dates[pk - 1] = date
    return {
        "refused": PartyID.Value.REFUSED,
        "talked": ContactAttempt.Result.TALKED,
        "mail": list(Suppression.APPLY_TO_MAIL),
        "needs_confirmation": list(Suppression.NEEDS_CONFIRMATION),
        "dem_min": settings.PARTY_SCORE_DEM_MIN,
        "rep_max": settings.PARTY_SCORE_REP_MAX,
        "tz": settings.TIME_ZONE,
        "dates": dates,
        "generals": [pk for pk, _, name in elections if "general" in name.lower()],
        "primaries": [pk for pk, _, name in elections if "primary" in name.lower()],
    }


def _scoped(sql: str, scope: dict) -> str:
    """Put the chunk's condition on each column named as SCOPE[column]."""
    return re.sub(r"SCOPE\[([\w.]+)\]", lambda found: f"({scope['sql'].format(column=found[1])})", sql)


def _write_chunk(scope: dict, ids: list[int], context: dict) -> int:
    """Copy the chunk's rows from the program's database into the shared one; return the rows changed."""
    params = {**context, **{key: value for key, value in scope.items() if key != "sql"}}
    shared = connections[SHARED]
    with connections["default"].cursor() as source, shared.cursor() as target:
        target.execute(WORK_MEM)
        target.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (LIKE {SHARED_VOTERS})")
        target.execute(f"TRUNCATE {STAGE}")
        select = _scoped(SELECT_ROWS, scope)
        # COPY both ways: the rows go from one server to the other as PostgreSQL's own text, no Python.
        with (
            source.cursor.copy(f"COPY ({select}) TO STDOUT", params) as rows,
            target.cursor.copy(f"COPY {STAGE} ({_ALL}) FROM STDIN") as stage,
        ):
            for block in rows:
                stage.write(block)
        target.execute(_scoped(WRITE_CHANGES, scope), params)
        (changed,) = target.fetchone()
        target.execute("DELETE FROM contacts_sharedaggregate WHERE voters = 0")
    return changed


def rollup_status() -> dict:
    """Return the last finished run, the lag behind now and whether it is past ROLLUP_MAX_LAG_MINUTES."""
    last = RollupRun.objects.filter(finished_at__isnull=False).first()
    running = RollupState.objects.filter(pk=1, run_target__isnull=False).exists()
    lag = timezone.now() - last.watermark if last else None
    allowed = timedelta(minutes=settings.ROLLUP_MAX_LAG_MINUTES)
    return {"last": last, "running": running, "lag": lag, "behind": lag is None or lag > allowed}
