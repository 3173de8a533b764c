"""Likely party: what the program can say about a voter's preference, and why.

Four signals, strongest first: an ID from this program, the party declared on the voter file, the
vendor's model score, and a leader's "I know them" mark. An ID's weight halves every
PARTY_ID_HALF_LIFE_DAYS, so it slides down the ladder as it ages: for one half-life it outranks the
voter file, for two the model score, for three the mark, and after that it still beats nothing.

`decide()` is the rule for one voter; `with_likely_label()` is the same ladder as one SQL CASE, for
filtering millions of voters in the database. tests/turf/test_party.py checks they agree.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.formats import date_format

from contacts.models import LeaderMark, PartyID


@dataclass(frozen=True)
class Signals:
    """What is known about one voter's party preference."""

    id_value: int | None = None  # the newest ID that is not a refusal
    id_at: datetime | None = None
    id_channel: str = ""
    declared_party: str = ""
    score: int | None = None
    marked: bool = False


@dataclass(frozen=True)
class Likely:
    """A voter's likely party, with the signal that decided it and a sentence saying so."""

    class Label(models.TextChoices):
        DEM = "dem", "Likely Democrat"
        SWING = "swing", "Undecided or other party"
        REP = "rep", "Likely Republican"
        UNKNOWN = "unknown", "Not known yet"

    class Basis(models.TextChoices):
        ID = "id", "ID from this program"
        DECLARED = "declared", "Voter file"
        SCORE = "score", "Model score"
        MARK = "mark", "A leader knows them"
        NONE = "none", "Nothing yet"

    label: str
    basis: str
    reason: str

    @property
    def label_display(self) -> str:
        return self.Label(self.label).label


# The ladder, strongest rung first. An ID rung names the most half-lives old the ID may be.
LADDER: list[tuple[str, int | None]] = [
    (Likely.Basis.ID, 1),
    (Likely.Basis.DECLARED, None),
    (Likely.Basis.ID, 2),
    (Likely.Basis.SCORE, None),
    (Likely.Basis.ID, 3),
    (Likely.Basis.MARK, None),
    (Likely.Basis.ID, None),
]

DEM_IDS = (PartyID.Value.STRONG_DEM, PartyID.Value.LEAN_DEM)
SWING_IDS = (PartyID.Value.UNDECIDED,)


def half_life() -> timedelta:
    return timedelta(days=settings.PARTY_ID_HALF_LIFE_DAYS)


def _id_label(value: int) -> str:
    if value in DEM_IDS:
        return Likely.Label.DEM
    if value in SWING_IDS:
        return Likely.Label.SWING
    return Likely.Label.REP


def _declared_label(party: str) -> str:
    lowered = party.strip().lower()
    if lowered.startswith("dem"):
        return Likely.Label.DEM
    if lowered.startswith("rep"):
        return Likely.Label.REP
    return Likely.Label.SWING


def _score_label(score: int) -> str:
    if score >= settings.PARTY_SCORE_DEM_MIN:
        return Likely.Label.DEM
    if score <= settings.PARTY_SCORE_REP_MAX:
        return Likely.Label.REP
    return Likely.Label.SWING


def _stands_on(signals: Signals, basis: str, half_lives: int | None, now: datetime) -> bool:
    if basis == Likely.Basis.ID:
        if signals.id_value is None:
            return False
        return half_lives is None or signals.id_at >= now - half_lives * half_life()
    if basis == Likely.Basis.DECLARED:
        return bool(signals.declared_party.strip())
    if basis == Likely.Basis.SCORE:
        return signals.score is not None
    return signals.marked


def decide(signals: Signals, *, now: datetime | None = None) -> Likely:
    """Return the likely party the strongest signal gives, with the reason in words."""
    now = now or timezone.now()
    for basis, half_lives in LADDER:
        if not _stands_on(signals, basis, half_lives, now):
            continue
        if basis == Likely.Basis.ID:
            value = PartyID.Value(signals.id_value)
            channel = dict(PartyID._meta.get_field("channel").choices).get(signals.id_channel, "")
            when = date_format(timezone.localtime(signals.id_at), "j M Y")
            reason = f"Said {value.label}{f' ({channel.lower()})' if channel else ''} on {when}"
            if signals.id_at < now - half_life():
                reason += ": an older ID, so it counts for less"
            return Likely(_id_label(value), basis, reason)
        if basis == Likely.Basis.DECLARED:
            party = signals.declared_party.strip()
            return Likely(_declared_label(party), basis, f"Declared {party} on the voter file")
        if basis == Likely.Basis.SCORE:
            return Likely(_score_label(signals.score), basis, f"Model score {signals.score} of 100")
        return Likely(Likely.Label.DEM, basis, "A neighborhood leader knows them as a Democrat")
    return Likely(Likely.Label.UNKNOWN, Likely.Basis.NONE, "Nothing known yet")


def _ids(*, refusals: bool = False) -> QuerySet:
    ids = PartyID.objects.filter(voter=OuterRef("pk"))
    return ids if refusals else ids.exclude(value=PartyID.Value.REFUSED)


def with_party_signals(voters: QuerySet) -> QuerySet:
    """Annotate each voter with the signals `signals_of()` reads; for pages, not for millions."""
    newest = _ids().order_by("-recorded_at", "-pk")
    return voters.annotate(
        party_id_value=Subquery(newest.values("value")[:1]),
        party_id_at=Subquery(newest.values("recorded_at")[:1]),
        party_id_channel=Subquery(newest.values("channel")[:1]),
        party_score=F("score__value"),
        party_marked=Exists(LeaderMark.objects.filter(voter=OuterRef("pk"))),
    )


def signals_of(voter) -> Signals:
    """Read the signals off a voter annotated by `with_party_signals()`."""
    return Signals(
        id_value=voter.party_id_value,
        id_at=voter.party_id_at,
        id_channel=voter.party_id_channel or "",
        declared_party=voter.declared_party,
        score=voter.party_score,
        marked=voter.party_marked,
    )


def likely_party(voter, *, now: datetime | None = None) -> Likely:
    """Return the likely party of a voter annotated by `with_party_signals()`."""
    return decide(signals_of(voter), now=now)


def _label_from_id_sql() -> Subquery:
    newest = _ids().order_by("-recorded_at", "-pk")
    return Subquery(
        newest.annotate(
            label=Case(
                When(value__in=DEM_IDS, then=Value(Likely.Label.DEM)),
                When(value__in=SWING_IDS, then=Value(Likely.Label.SWING)),
                default=Value(Likely.Label.REP),
            )
        ).values("label")[:1]
    )


def with_likely_label(voters: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Annotate `likely_label`, the ladder of `decide()` as one CASE the database evaluates."""
    now = now or timezone.now()
    # One CASE, rungs in ladder order: a row stops at its first rung, so it probes the ID index a
    # few times at most, and the newest ID is read only for voters an ID decides.
    declared = Case(
        When(declared_party__istartswith="dem", then=Value(Likely.Label.DEM)),
        When(declared_party__istartswith="rep", then=Value(Likely.Label.REP)),
        default=Value(Likely.Label.SWING),
    )
    score = Case(
        When(score__value__gte=settings.PARTY_SCORE_DEM_MIN, then=Value(Likely.Label.DEM)),
        When(score__value__lte=settings.PARTY_SCORE_REP_MAX, then=Value(Likely.Label.REP)),
        default=Value(Likely.Label.SWING),
    )
    rungs = []
    for basis, half_lives in LADDER:
        if basis == Likely.Basis.ID:
            recent = (
                _ids()
                if half_lives is None
                else _ids().filter(recorded_at__gte=now - half_lives * half_life())
            )
            rungs.append(When(Exists(recent), then=_label_from_id_sql()))
        elif basis == Likely.Basis.DECLARED:
            rungs.append(When(~Q(declared_party__regex=r"^\s*$"), then=declared))
        elif basis == Likely.Basis.SCORE:
            rungs.append(When(score__value__isnull=False, then=score))
        else:
            rungs.append(
                When(Exists(LeaderMark.objects.filter(voter=OuterRef("pk"))), then=Value(Likely.Label.DEM))
            )
    return voters.annotate(
        likely_label=Case(*rungs, default=Value(Likely.Label.UNKNOWN), output_field=models.CharField())
    )


def likely_democrats(voters: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Keep the voters whose likely party is Democratic."""
    return with_likely_label(voters, now=now).filter(likely_label=Likely.Label.DEM)


def needing_id(voters: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Keep the voters whose preference is not known: no declared party, no ID within a half-life.

    A refusal counts as asked: the door was knocked and the answer was no.
    """
    now = now or timezone.now()
    recent = _ids(refusals=True).filter(recorded_at__gte=now - half_life())
    return voters.filter(declared_party__regex=r"^\s*$").exclude(Exists(recent))
