"""Likely party: what the program can say about a voter's preference, and why.

Four signals, strongest first: an ID from this program, the party declared on the voter file, the
vendor's model score, and a leader's "I know them" mark. An ID's weight halves every
PARTY_ID_HALF_LIFE_DAYS, so it slides down the ladder as it ages: for one half-life it outranks the
voter file, for two the model score, for three the mark, and after that it still beats nothing.

`decide()` is the rule for one voter; `Voter.objects.with_likely_label()` (and `likely_democrats()`,
`needing_id()`) the same ladder as one SQL CASE, for filtering millions of voters in the database.
The ladder itself is `contacts.models.LADDER`. tests/turf/test_party.py checks they agree.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from contacts.models import (
    DEM_IDS,
    LADDER,
    SWING_IDS,
    LeaderMark,
    LikelyBasis,
    LikelyLabel,
    PartyID,
    party_id_half_life,
    party_ids_of_outer_voter,
)


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

    Label = LikelyLabel
    Basis = LikelyBasis

    label: str
    basis: str
    reason: str

    @property
    def label_display(self) -> str:
        return self.Label(self.label).label


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
        return half_lives is None or signals.id_at >= now - half_lives * party_id_half_life()
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
            if signals.id_at < now - party_id_half_life():
                reason += ": an older ID, so it counts for less"
            return Likely(_id_label(value), basis, reason)
        if basis == Likely.Basis.DECLARED:
            party = signals.declared_party.strip()
            return Likely(_declared_label(party), basis, f"Declared {party} on the voter file")
        if basis == Likely.Basis.SCORE:
            return Likely(_score_label(signals.score), basis, f"Model score {signals.score} of 100")
        return Likely(Likely.Label.DEM, basis, "A neighborhood leader knows them as a Democrat")
    return Likely(Likely.Label.UNKNOWN, Likely.Basis.NONE, "Nothing known yet")


def with_party_signals(voters: QuerySet) -> QuerySet:
    """Annotate each voter with the signals `signals_of()` reads; for pages, not for millions."""
    newest = party_ids_of_outer_voter().order_by("-recorded_at", "-pk")
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
