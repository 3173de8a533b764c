"""The domain's words, each defined once where the data lives: called, knocked, reached, callable
phone, hostile door, likely Democrat."""

from django.utils import timezone

from contacts.models import ContactAttempt, Household, Phone, Suppression, Voter
from tests.cast import make_household, make_party_id, make_suppression, make_voter


def _attempt(leader, channel, result, **target):
    return ContactAttempt.objects.create(
        leader=leader, channel=channel, result=result, device_time=timezone.now(), **target
    )


def test_calls_knocks_and_conversations_are_told_apart(alice):
    home = make_household(None)
    voter = make_voter(home)
    call = _attempt(alice, "phone", "no_answer", voter=voter)
    knock = _attempt(alice, "door", "talked", household=home)
    paper = _attempt(alice, "paper", "not_home", household=home)
    talk = _attempt(alice, "phone", "talked", voter=voter)

    assert set(ContactAttempt.objects.called()) == {call, talk}
    # A walk sheet entered from paper reports knocks too.
    assert set(ContactAttempt.objects.knocked()) == {knock, paper}
    assert set(ContactAttempt.objects.reached()) == {knock, talk}


def test_a_number_reported_wrong_is_not_callable_until_the_report_is_lifted(db):
    voter = make_voter(make_household(None), phone=True)
    number = voter.phones.get()
    assert list(Phone.objects.callable()) == [number]
    report = make_suppression(voter, Suppression.Reason.WRONG_NUMBER, phone=number)
    assert not Phone.objects.callable().exists()
    Suppression.objects.filter(pk=report.pk).update(dismissed_at=timezone.now())
    assert list(Phone.objects.callable()) == [number]


def test_a_door_is_hostile_while_anyone_there_is_reported_hostile(db):
    home, calm = make_household(None), make_household(None)
    pat = make_voter(home, first="Pat")
    make_voter(home, first="Sam")
    make_voter(calm)
    report = make_suppression(pat, Suppression.Reason.HOSTILE)

    assert list(Household.objects.hostile()) == [home]
    assert home.is_hostile() and not calm.is_hostile()
    Suppression.objects.filter(pk=report.pk).update(dismissed_at=timezone.now())
    assert not home.is_hostile()


def test_likely_democrats_and_voters_needing_an_id_are_voter_queries(db):
    said_dem = make_voter(make_household(None))
    make_party_id(said_dem, 1)
    declared_rep = make_voter(make_household(None), declared="Republican")
    unknown = make_voter(make_household(None))

    assert list(Voter.objects.likely_democrats()) == [said_dem]
    assert set(Voter.objects.needing_id()) == {unknown}
    assert declared_rep not in Voter.objects.likely_democrats()
