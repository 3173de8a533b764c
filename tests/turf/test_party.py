"""Likely party (contacts/party.py): the ladder in Python, and the same ladder in SQL."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contacts import party
from contacts.models import Voter
from tests.cast import make_household, make_mark, make_party_id, make_user, make_voter

NOW = timezone.now()
Likely = party.Likely


def decide(**signals):
    return party.decide(party.Signals(**signals), now=NOW)


def test_a_recent_id_outranks_the_declared_party():
    likely = decide(
        id_value=2, id_at=NOW - timedelta(days=40), id_channel="door", declared_party="Republican"
    )
    assert (likely.label, likely.basis) == (Likely.Label.DEM, Likely.Basis.ID)
    assert likely.reason.startswith("Said 2 Lean Dem (door) on")


def test_an_old_id_falls_below_the_voter_file_but_still_beats_the_score():
    old = NOW - timedelta(days=900)
    assert decide(id_value=5, id_at=old, declared_party="Democratic").label == Likely.Label.DEM
    likely = decide(id_value=5, id_at=old, score=90)
    assert (likely.label, likely.basis) == (Likely.Label.REP, Likely.Basis.ID)
    assert "older ID" in likely.reason


def test_the_score_decides_by_the_thresholds_in_settings(settings):
    settings.PARTY_SCORE_DEM_MIN, settings.PARTY_SCORE_REP_MAX = 70, 30
    assert decide(score=70).label == Likely.Label.DEM
    assert decide(score=69).label == Likely.Label.SWING
    assert decide(score=30).label == Likely.Label.REP
    assert decide(score=70).reason == "Model score 70 of 100"


def test_a_leaders_mark_is_the_weakest_signal():
    assert decide(marked=True).label == Likely.Label.DEM
    assert decide(marked=True, score=10).label == Likely.Label.REP
    assert decide().basis == Likely.Basis.NONE


def test_a_refusal_says_nothing_about_party_but_counts_as_asked(cycle):
    voter = make_voter(make_household(None), score=80)
    make_party_id(voter, 9, days_ago=5)
    annotated = party.with_party_signals(Voter.objects.filter(pk=voter.pk)).get()
    assert party.likely_party(annotated).basis == Likely.Basis.SCORE
    assert not Voter.objects.filter(pk=voter.pk).needing_id().exists()


ladder_signals = st.fixed_dictionaries(
    {
        "id": st.one_of(st.none(), st.tuples(st.sampled_from([1, 2, 3, 4, 5, 9]), st.integers(0, 3000))),
        "declared": st.sampled_from(["", "Democratic", "Republican", "Libertarian", " "]),
        "score": st.one_of(st.none(), st.integers(0, 100)),
        "marked": st.booleans(),
    }
)


@pytest.mark.django_db
def test_the_sql_ladder_agrees_with_the_python_one():
    # Each example in its own savepoint inside the test's transaction, so examples never meet.
    @hypothesis_settings(max_examples=40, deadline=None)
    @given(cases=st.lists(ladder_signals, min_size=1, max_size=8))
    def voters_with(cases):
        with transaction.atomic():
            marker = make_user(f"marker{Voter.objects.count()}@example.org")
            voters = []
            for case in cases:
                voter = make_voter(make_household(None), declared=case["declared"], score=case["score"])
                if case["id"]:
                    make_party_id(voter, case["id"][0], days_ago=case["id"][1])
                if case["marked"]:
                    make_mark(voter, marker)
                voters.append(voter.pk)
            now = timezone.now()
            rows = party.with_party_signals(Voter.objects.filter(pk__in=voters)).with_likely_label(now=now)
            for voter in rows:
                assert voter.likely_label == party.likely_party(voter, now=now).label, voter.pk
            transaction.set_rollback(True)

    voters_with()
