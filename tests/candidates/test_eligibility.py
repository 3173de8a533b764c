"""Eligibility (DESIGN.md section 7): incumbent, or an uncontested primary, or a won primary; never after
the general election; never without staff's approval. Hypothesis walks random races and dates."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates import services
from candidates.eligibility import decide, eligibility
from candidates.models import Candidacy
from tests.candidates.races import make_candidacy, make_race
from tests.cast import make_user

STATUSES = st.sampled_from(list(Candidacy.Status))
DAY = st.dates(min_value=date(2026, 1, 1), max_value=date(2032, 12, 31))


@st.composite
def situations(draw):
    """A race's dates, a day to decide on (before, on or after each date), and one candidacy's facts."""
    primary = draw(DAY)
    general = primary + timedelta(days=draw(st.integers(1, 200)))
    today = draw(
        st.one_of(
            st.sampled_from([primary - timedelta(days=1), primary, primary + timedelta(days=1), general,
                             general + timedelta(days=1)]),
            st.dates(min_value=primary - timedelta(days=400), max_value=general + timedelta(days=400)),
        )
    )  # fmt: skip
    return dict(
        approved=draw(st.booleans()), status=draw(STATUSES), is_democrat=draw(st.booleans()),
        is_incumbent=draw(st.booleans()), other_democrats=draw(st.integers(0, 3)),
        primary_date=primary, general_date=general, today=today,
    )  # fmt: skip


@given(situations())
def test_it_opens_exports_exactly_when_the_rule_says(facts):
    decision = decide(**facts)
    in_the_running = facts["status"] in (Candidacy.Status.FILED, Candidacy.Status.WON_PRIMARY)
    won = facts["status"] == Candidacy.Status.WON_PRIMARY and facts["today"] > facts["primary_date"]
    expected = (
        facts["approved"]
        and facts["today"] <= facts["general_date"]
        and in_the_running
        and facts["is_democrat"]
        and (facts["is_incumbent"] or facts["other_democrats"] == 0 or won)
    )
    assert decision.eligible == expected
    assert decision.reason.strip()


@given(situations())
def test_it_never_opens_after_the_general_election_or_without_approval(facts):
    decision = decide(**facts)
    if facts["today"] > facts["general_date"] or not facts["approved"]:
        assert not decision.eligible


@given(situations())
def test_a_contested_primary_is_named_with_its_date_until_it_is_won(facts):
    facts |= dict(approved=True, is_democrat=True, is_incumbent=False, status=Candidacy.Status.FILED)
    facts["other_democrats"] = max(1, facts["other_democrats"])
    facts["today"] = min(facts["today"], facts["general_date"])
    decision = decide(**facts)
    assert not decision.eligible
    day = facts["primary_date"]
    assert f"{day:%b} {day.day}, {day.year}" in decision.reason
    assert "contested by another Democrat" in decision.reason


def test_it_says_plainly_why_a_contested_primary_closes_exports():
    decision = decide(
        approved=True, status="filed", is_democrat=True, is_incumbent=False, other_democrats=1,
        primary_date=date(2026, 8, 4), general_date=date(2026, 11, 3), today=date(2026, 6, 1),
    )  # fmt: skip
    assert decision.reason == (
        "The primary on Aug 4, 2026 is contested by another Democrat; exports open if you win it."
    )


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    others=st.lists(st.tuples(st.booleans(), st.sampled_from(list(Candidacy.Status))), max_size=3),
    status=st.sampled_from(
        [Candidacy.Status.FILED, Candidacy.Status.WON_PRIMARY, Candidacy.Status.WITHDRAWN]
    ),
    incumbent=st.booleans(),
    approved=st.booleans(),
    offset=st.integers(-30, 130),
)
def test_the_database_agrees_with_the_rule_over_random_races(others, status, incumbent, approved, offset):
    """Eligibility read from rows: other Democrats still filed (or beaten) contest; withdrawn ones do not."""
    with transaction.atomic():
        sam = make_user("sam-h@example.org", role="staff")
        cathy = make_user("cathy-h@example.org", role="candidate")
        race = make_race(sam)
        ours = make_candidacy(sam, race, candidate=cathy, status=status, is_incumbent=incumbent)
        winner = status == Candidacy.Status.WON_PRIMARY
        for index, (democrat, their_status) in enumerate(others):
            if their_status == Candidacy.Status.WON_PRIMARY and democrat:
                if winner:  # a race has one Democratic winner
                    their_status = Candidacy.Status.LOST
                winner = True
            make_candidacy(sam, race, name=f"Other {index}", is_democrat=democrat, status=their_status)
        if approved:
            services.account_approve(actor=sam, candidate=cathy)
        today = race.primary_date + timedelta(days=offset)
        contesting = sum(1 for democrat, s in others if democrat and s != Candidacy.Status.WITHDRAWN)
        expected = decide(
            approved=approved, status=status, is_democrat=True, is_incumbent=incumbent,
            other_democrats=contesting, primary_date=race.primary_date, general_date=race.general_date, today=today,
        )  # fmt: skip
        assert eligibility(ours, today=today) == expected
        transaction.set_rollback(True)


def test_a_revoked_approval_closes_exports_again(sam, cathy):
    race = make_race(sam)
    ours = make_candidacy(sam, race, candidate=cathy, is_incumbent=True)
    today = race.primary_date
    assert not eligibility(ours, today=today)
    services.account_approve(actor=sam, candidate=cathy)
    assert eligibility(ours, today=today)
    services.account_revoke(actor=sam, candidate=cathy)
    decision = eligibility(ours, today=today)
    assert not decision and "not approved" in decision.reason
