"""Plausibility: contacts that look made up are flagged for the county's coordinator, who judges them.

Four rules, each one set-based statement over what arrived since the sweep's watermark:

- speed: a leader's day of knocks holding PLAUSIBILITY_MIN_FAST_HOPS hops between consecutive doors
  (by device time, households' geocodes) faster than PLAUSIBILITY_MAX_SPEED;
- contact rate: a leader's day of at least PLAUSIBILITY_MIN_KNOCKS knocks with a door contact rate
  at or above PLAUSIBILITY_MAX_CONTACT_RATE percent;
- clock: a sync batch (one leader's attempts written by one request: same `received_at`) whose
  device times run ahead of their arrival or far behind it;
- location: a sync batch with PLAUSIBILITY_MIN_FAR_KNOCKS knocks far from their door, by the
  location the phone shared.

A flag's key names what it covers (a day, a batch), so re-running the sweep writes no second flag:
an open flag of a day that gained knocks is brought up to date, a decided one is left alone. The
coordinator confirms a flag (the attempts stand) or rolls it back: its attempts are withdrawn and
the suppressions they reported (unless someone confirmed them) are lifted, which the ID rollup
(contacts/rollup.py) and every list pick up. Nothing here runs on the contact-logging request.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from contacts.models import (
    Channel,
    ContactAttempt,
    PlausibilityFlag,
    PlausibilityWatermark,
    Suppression,
)

# The first sweep reads every attempt ever received.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
# Longer than any transaction that writes attempts takes to commit (see contacts/rollup.py).
OVERLAP = timedelta(minutes=10)
METRES_PER_UNIT = {"imperial": 1609.344, "metric": 1000.0}
UNIT_NAMES = {"imperial": "miles", "metric": "km"}
ROLLED_BACK_NOTE = "Rolled back with plausibility flag {pk}"

# "Nodaway County", but "St. Louis City" and "Kansas City" as they are.
_PLACE = "CASE WHEN {c} ~* 'city$' THEN {c} ELSE {c} || ' County' END"
_MINUTES = "greatest(1, round(extract(epoch FROM max(k.device_time) - min(k.device_time)) / 60))::int"
_DAY = "to_char(k.day, 'FMDD Mon')"

_UPSERT = """
    INSERT INTO contacts_plausibilityflag AS f (rule, key, leader_id, county, reason, attempt_ids,
        first_at, last_at, created_at, status, withdrawn_attempts, withdrawn_suppressions)
    SELECT %(rule)s, key, leader_id, county, reason, attempt_ids, first_at, last_at, now(), 'open', 0, 0
    FROM found
    ON CONFLICT (rule, leader_id, key) DO UPDATE SET reason = EXCLUDED.reason,
        attempt_ids = EXCLUDED.attempt_ids, first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at,
        county = EXCLUDED.county
    WHERE f.status = 'open' AND f.attempt_ids IS DISTINCT FROM EXCLUDED.attempt_ids
"""

# The knocks of each leader's day that gained a knock in the window, each with its door's place.
_DAYS = """
    touched AS (
        SELECT DISTINCT leader_id, (device_time AT TIME ZONE %(tz)s)::date AS day
        FROM contacts_contactattempt
        WHERE received_at >= %(since)s AND received_at < %(until)s AND channel = ANY(%(day_channels)s)
            AND withdrawn_at IS NULL
    ),
    day_knocks AS (
        SELECT a.id, a.leader_id, t.day, a.device_time, a.result, h.latitude, h.longitude, h.county
        FROM touched t
        JOIN contacts_contactattempt a ON a.leader_id = t.leader_id
            AND a.device_time >= t.day::timestamp AT TIME ZONE %(tz)s
            AND a.device_time < (t.day + 1)::timestamp AT TIME ZONE %(tz)s
        LEFT JOIN contacts_voter v ON v.id = a.voter_id
        LEFT JOIN contacts_household h ON h.id = coalesce(a.household_id, v.household_id)
        WHERE a.channel = ANY(%(day_channels)s) AND a.withdrawn_at IS NULL
    )
"""

SPEED_SQL = f"""
    WITH {_DAYS},
    hops AS (
        SELECT id, leader_id, day, device_time, county,
            lag(id) OVER w AS prev_id,
            earth_distance(ll_to_earth(latitude, longitude),
                ll_to_earth(lag(latitude) OVER w, lag(longitude) OVER w)) AS metres,
            extract(epoch FROM device_time - lag(device_time) OVER w) AS seconds
        FROM day_knocks WHERE latitude IS NOT NULL AND longitude IS NOT NULL
        WINDOW w AS (PARTITION BY leader_id, day ORDER BY device_time, id)
    ),
    fast AS (
        SELECT leader_id, day, county, metres, id, prev_id FROM hops
        WHERE prev_id IS NOT NULL AND metres > %(metres_per_second)s * seconds
    ),
    days AS (
        SELECT leader_id, day, sum(metres) AS metres, mode() WITHIN GROUP (ORDER BY county) AS county
        FROM fast GROUP BY leader_id, day HAVING count(*) >= %(min_hops)s
    ),
    k AS (
        SELECT DISTINCT d.leader_id, d.day, d.metres, d.county, dk.id, dk.device_time
        FROM days d JOIN fast f ON f.leader_id = d.leader_id AND f.day = d.day
        JOIN day_knocks dk ON dk.id IN (f.id, f.prev_id)
    ),
    found AS (
        SELECT k.day::text AS key, k.leader_id, k.county,
            format('%%s doors in %%s minutes across %%s %%s of %%s on %%s', count(*), {_MINUTES},
                round((k.metres / %(metres_per_unit)s)::numeric, 1), %(unit)s, {_PLACE.format(c="k.county")},
                {_DAY}) AS reason,
            array_agg(k.id ORDER BY k.device_time, k.id) AS attempt_ids,
            min(k.device_time) AS first_at, max(k.device_time) AS last_at
        FROM k GROUP BY k.leader_id, k.day, k.metres, k.county
    )
    {_UPSERT}
"""  # noqa: S608 (built from constants)

CONTACT_RATE_SQL = f"""
    WITH {_DAYS},
    days AS (
        SELECT leader_id, day FROM day_knocks GROUP BY leader_id, day
        HAVING count(*) >= %(min_knocks)s
            AND 100 * count(*) FILTER (WHERE result = %(talked)s) >= %(max_rate)s * count(*)
    ),
    k AS (SELECT dk.* FROM days d JOIN day_knocks dk ON dk.leader_id = d.leader_id AND dk.day = d.day),
    found AS (
        SELECT k.day::text AS key, k.leader_id,
            coalesce(mode() WITHIN GROUP (ORDER BY k.county), '') AS county,
            format('%%s of %%s doors answered and talked (%%s %%%%) on %%s in %%s; door rates usually run 10–30 %%%%',
                count(*) FILTER (WHERE k.result = %(talked)s), count(*),
                round(100.0 * count(*) FILTER (WHERE k.result = %(talked)s) / count(*)),
                {_DAY}, {_PLACE.format(c="coalesce(mode() WITHIN GROUP (ORDER BY k.county), '')")}) AS reason,
            array_agg(k.id ORDER BY k.device_time, k.id) AS attempt_ids,
            min(k.device_time) AS first_at, max(k.device_time) AS last_at
        FROM k GROUP BY k.leader_id, k.day
    )
    {_UPSERT}
"""  # noqa: S608 (built from constants)

# Attempts in the window, each with its door's place; a call's place is its voter's home.
_BATCH = """
    batch AS (
        SELECT a.id, a.leader_id, a.received_at, a.device_time, a.channel, a.latitude AS here_lat,
            a.longitude AS here_lon, h.latitude, h.longitude, coalesce(h.county, v.county) AS county
        FROM contacts_contactattempt a
        LEFT JOIN contacts_voter v ON v.id = a.voter_id
        LEFT JOIN contacts_household h ON h.id = coalesce(a.household_id, v.household_id)
        WHERE a.received_at >= %(since)s AND a.received_at < %(until)s AND a.withdrawn_at IS NULL
            AND a.channel <> %(paper)s
    )
"""

CLOCK_SQL = f"""
    WITH {_BATCH},
    k AS (
        SELECT *, abs(extract(epoch FROM device_time - received_at)) AS off FROM batch
        WHERE device_time > received_at + %(ahead)s OR device_time < received_at - %(behind)s
    ),
    found AS (
        SELECT k.received_at::text AS key, k.leader_id,
            coalesce(mode() WITHIN GROUP (ORDER BY k.county), '') AS county,
            format('%%s contacts sent together on %%s carry phone times up to %%s off their arrival (%%s)',
                count(*), to_char(k.received_at AT TIME ZONE %(tz)s, 'FMDD Mon HH24:MI'),
                CASE WHEN max(k.off) >= 86400 THEN round(max(k.off) / 86400) || ' days'
                    WHEN max(k.off) >= 3600 THEN round(max(k.off) / 3600) || ' hours'
                    ELSE round(max(k.off) / 60) || ' minutes' END,
                {_PLACE.format(c="coalesce(mode() WITHIN GROUP (ORDER BY k.county), '')")}) AS reason,
            array_agg(k.id ORDER BY k.device_time, k.id) AS attempt_ids,
            min(k.device_time) AS first_at, max(k.device_time) AS last_at
        FROM k GROUP BY k.leader_id, k.received_at
    )
    {_UPSERT}
"""  # noqa: S608 (built from constants)

LOCATION_SQL = f"""
    WITH {_BATCH},
    measured AS (
        SELECT *, earth_distance(ll_to_earth(here_lat, here_lon), ll_to_earth(latitude, longitude)) AS metres
        FROM batch
        WHERE channel = %(door)s AND here_lat IS NOT NULL AND here_lon IS NOT NULL
            AND latitude IS NOT NULL AND longitude IS NOT NULL
    ),
    far AS (SELECT * FROM measured WHERE metres > %(far_metres)s),
    k AS (
        SELECT far.* FROM far JOIN (
            SELECT leader_id, received_at FROM far GROUP BY leader_id, received_at
            HAVING count(*) >= %(min_far)s
        ) b USING (leader_id, received_at)
    ),
    found AS (
        SELECT k.received_at::text AS key, k.leader_id,
            coalesce(mode() WITHIN GROUP (ORDER BY k.county), '') AS county,
            format('%%s knocks logged %%s to %%s %%s from the door by the phone''s location, sent on %%s in %%s',
                count(*), round((min(k.metres) / %(metres_per_unit)s)::numeric, 1),
                round((max(k.metres) / %(metres_per_unit)s)::numeric, 1), %(unit)s,
                to_char(k.received_at AT TIME ZONE %(tz)s, 'FMDD Mon'),
                {_PLACE.format(c="coalesce(mode() WITHIN GROUP (ORDER BY k.county), '')")}) AS reason,
            array_agg(k.id ORDER BY k.device_time, k.id) AS attempt_ids,
            min(k.device_time) AS first_at, max(k.device_time) AS last_at
        FROM k GROUP BY k.leader_id, k.received_at
    )
    {_UPSERT}
"""  # noqa: S608 (built from constants)

# A paper sheet's knocks are typed in later, quickly and far from the doors: they count towards a
# day's contact rate, not its speed.
RULES = [
    (PlausibilityFlag.Rule.SPEED, SPEED_SQL, {"day_channels": [Channel.DOOR]}),
    (PlausibilityFlag.Rule.CONTACT_RATE, CONTACT_RATE_SQL, {"day_channels": [Channel.DOOR, Channel.PAPER]}),
    (PlausibilityFlag.Rule.CLOCK, CLOCK_SQL, {}),
    (PlausibilityFlag.Rule.LOCATION, LOCATION_SQL, {}),
]


def _params(since: datetime, until: datetime) -> dict:
    units = settings.DISTANCE_UNITS
    per_unit = METRES_PER_UNIT[units]
    return {
        "since": since,
        "until": until,
        "tz": settings.TIME_ZONE,
        "door": Channel.DOOR,
        "paper": Channel.PAPER,
        "talked": ContactAttempt.Result.TALKED,
        "unit": UNIT_NAMES[units],
        "metres_per_unit": per_unit,
        "metres_per_second": settings.PLAUSIBILITY_MAX_SPEED * per_unit / 3600,
        "min_hops": settings.PLAUSIBILITY_MIN_FAST_HOPS,
        "min_knocks": settings.PLAUSIBILITY_MIN_KNOCKS,
        "max_rate": settings.PLAUSIBILITY_MAX_CONTACT_RATE,
        "ahead": timedelta(minutes=settings.PLAUSIBILITY_CLOCK_AHEAD_MINUTES),
        "behind": timedelta(hours=settings.PLAUSIBILITY_CLOCK_BEHIND_HOURS),
        "far_metres": settings.PLAUSIBILITY_FAR_KNOCK * per_unit,
        "min_far": settings.PLAUSIBILITY_MIN_FAR_KNOCKS,
    }


def flag_received(*, since: datetime, until: datetime) -> int:
    """Flag what looks made up among the attempts received in [since, until); return flags written."""
    params = _params(since, until)
    written = 0
    with connection.cursor() as cursor:
        for rule, sql, extra in RULES:
            cursor.execute(sql, {**params, **extra, "rule": rule})
            written += cursor.rowcount
    return written


def flag_implausible(*, now: datetime | None = None) -> int:
    """Flag the attempts received since the watermark, and move it; return flags written.

    The watermark's row lock keeps two sweeps from overlapping; OVERLAP re-reads attempts whose
    transaction committed after an earlier sweep passed their arrival, which flags nothing twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        mark = PlausibilityWatermark.objects.select_for_update().filter(pk=1).first()
        if mark is None:
            PlausibilityWatermark.objects.bulk_create(
                [PlausibilityWatermark(pk=1, checked_until=BEGINNING + OVERLAP)],
                ignore_conflicts=True,
            )
            mark = PlausibilityWatermark.objects.select_for_update().get(pk=1)
        written = flag_received(since=mark.checked_until - OVERLAP, until=now)
        mark.checked_until = now
        mark.save(update_fields=["checked_until"])
    return written


class FlagDecided(Exception):
    """The flag was already decided the other way."""


def flag_confirm(*, flag_id: int, by) -> PlausibilityFlag:
    """Close a flag as fine: its attempts stand. Confirming again changes nothing."""
    with transaction.atomic():
        flag = PlausibilityFlag.objects.select_for_update().get(pk=flag_id)
        if flag.status == PlausibilityFlag.Status.CONFIRMED:
            return flag
        if flag.status != PlausibilityFlag.Status.OPEN:
            raise FlagDecided(f"This flag was already {flag.get_status_display().lower()}.")
        flag.status, flag.decided_by, flag.decided_at = PlausibilityFlag.Status.CONFIRMED, by, timezone.now()
        flag.save(update_fields=["status", "decided_by", "decided_at"])
    return flag


def flag_roll_back(*, flag_id: int, by) -> PlausibilityFlag:
    """Withdraw a flag's attempts and lift the suppressions they reported; the flag records who, when, how many.

    Rolling back again changes nothing. A suppression someone confirmed stands: a coordinator
    checked it on their own (the rollup keeps those too). Dates are set explicitly, as the rollup
    finds withdrawals and lifted suppressions by them.
    """
    with transaction.atomic():
        flag = PlausibilityFlag.objects.select_for_update().get(pk=flag_id)
        if flag.status == PlausibilityFlag.Status.ROLLED_BACK:
            return flag
        if flag.status != PlausibilityFlag.Status.OPEN:
            raise FlagDecided(f"This flag was already {flag.get_status_display().lower()}.")
        now = timezone.now()
        attempts = ContactAttempt.objects.filter(pk__in=flag.attempt_ids, withdrawn_at__isnull=True)
        withdrawn = attempts.update(withdrawn_at=now)
        lifted = Suppression.objects.filter(
            Q(attempt_id__in=flag.attempt_ids), dismissed_at__isnull=True, confirmed_at__isnull=True
        ).update(
            dismissed_at=now,
            dismissed_by=by,
            decision_note=ROLLED_BACK_NOTE.format(pk=flag.pk),
            updated_at=now,
        )
        flag.status, flag.decided_by, flag.decided_at = PlausibilityFlag.Status.ROLLED_BACK, by, now
        flag.withdrawn_attempts, flag.withdrawn_suppressions = withdrawn, lifted
        flag.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "withdrawn_attempts",
                "withdrawn_suppressions",
            ]
        )
    return flag
