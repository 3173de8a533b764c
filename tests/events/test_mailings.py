"""Reminders, change and cancellation notices: each sent once, even with a dead worker or two dispatches."""

import email
import email.policy
import json
import os
import smtplib
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Voter
from events import mailings
from events.mailings import mailings_send, reminders_owe, unsubscribe_token
from events.models import Gathering, Invitation, Mailing, StoppedAddress
from events.services import gathering_cancel, gathering_update, invitation_answer
from leaders.models import User
from tests.cast import a_call, make_client, make_gathering, make_household, make_user, make_voter

WEEK_AGO = timedelta(days=7)
# The outside world: the mail server, here the test backend every message goes through.
LOCMEM = "django.core.mail.backends.locmem.EmailBackend.send_messages"
ROOT = Path(__file__).resolve().parents[2]
# What beat's task runs, in a worker process of its own, at a given moment.
DISPATCH = (
    "import sys, django; django.setup(); from datetime import datetime; "
    "from events.mailings import mailings_send; mailings_send(now=datetime.fromisoformat(sys.argv[1]))"
)


def _guest(gathering, *, email="pat@example.org", rsvp="yes", answered_ago=WEEK_AGO, last="Neighbor"):
    return Invitation.objects.create(
        gathering=gathering, voter=make_voter(make_household((40.35, -94.87)), last=last),
        invited_by=gathering.host,
        rsvp=rsvp, email=email, answered_at=timezone.now() - answered_ago,
    )  # fmt: skip


def _ics(email) -> str:
    [part] = email.attachments
    return part.get_content()


def _starting_in(host, delta, **fields):
    return make_gathering(host, days=delta / timedelta(days=1), **fields)


def test_an_address_no_email_header_can_carry_is_a_bounce_and_the_others_still_go(alice):
    """The forms refuse such an address; one stored some other way must not stop everyone's reminders."""
    gathering = _starting_in(alice, timedelta(days=2) - timedelta(minutes=5))
    _guest(gathering, email="zoë@example.org", last="First")
    _guest(gathering, email="pat@example.org", last="Second")
    assert mailings_send() == {"bounced": 1, "sent": 1}
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    assert StoppedAddress.objects.filter(address="zoë@example.org").exists()
    assert mailings_send() == {}


def test_a_reminder_goes_once_with_text_html_calendar_and_unsubscribe(alice):
    gathering = _starting_in(alice, timedelta(days=2) - timedelta(minutes=5), notes="Bring a <b>chair</b>")
    guest = _guest(gathering)
    assert mailings_send() == {"sent": 1}
    assert mailings_send() == {}
    [email] = mail.outbox
    assert email.to == ["pat@example.org"] and email.subject.startswith("Reminder: House meeting")
    assert "Bring a <b>chair</b>" in email.body
    html, _ = email.alternatives[0]
    assert "Bring a &lt;b&gt;chair&lt;/b&gt;" in html
    [part] = email.attachments
    ics = part.get_content()
    assert part.get_filename() == "gathering.ics" and part.get_content_type() == "text/calendar"
    assert f"UID:{gathering.uid}@" in ics and "SEQUENCE:0" in ics and "METHOD:PUBLISH" in ics
    unsubscribe = reverse("events:unsubscribe", args=[unsubscribe_token("pat@example.org")])
    assert email.extra_headers["List-Unsubscribe"].endswith(f"{unsubscribe}>")
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert reverse("events:rsvp", args=[guest.link_token()]) in email.body
    assert Mailing.objects.get().outcome == "sent"


def test_each_lead_time_reminds_once_and_a_late_answer_skips_the_earlier_one(alice):
    gathering = _starting_in(alice, timedelta(hours=47))
    early, late = _guest(gathering, email="early@example.org"), _guest(gathering, email="late@example.org",
                                                                     answered_ago=timedelta(hours=1))  # fmt: skip
    mailings_send()
    assert [m.to for m in mail.outbox] == [["early@example.org"]]
    mailings_send(now=gathering.starts_at - timedelta(hours=2))
    assert sorted(m.to[0] for m in mail.outbox) == [
        "early@example.org",
        "early@example.org",
        "late@example.org",
    ]
    assert set(Mailing.objects.values_list("invitation", "lead_minutes")) == {
        (early.pk, 2880), (early.pk, 180), (late.pk, 180),
    }  # fmt: skip


def test_no_reminder_for_a_no_an_invitee_without_email_a_waitlisted_yes_or_a_stopped_address(alice):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering, rsvp="no", email="no@example.org")
    _guest(gathering, email="")
    waiting = _guest(gathering, email="waiting@example.org")
    Invitation.objects.filter(pk=waiting.pk).update(waitlisted_at=timezone.now())
    _guest(gathering, email="gone@example.org")
    StoppedAddress.objects.create(address="gone@example.org", reason="unsubscribed")
    _guest(gathering, rsvp="maybe", email="maybe@example.org")
    mailings_send()
    assert [m.to for m in mail.outbox] == [["maybe@example.org"]]


def test_a_worker_killed_after_claiming_is_replaced_after_the_timeout_without_a_duplicate(alice, settings):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering)
    now = timezone.now()
    reminders_owe(now=now)
    assert mailings._claim(now=now) == [Mailing.objects.get().pk]  # ...and the worker dies before sending
    assert mailings_send(now=now + timedelta(minutes=1)) == {}  # its claim is fresh: nobody overtakes it
    assert mail.outbox == []
    later = now + timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES + 1)
    assert mailings_send(now=later) == {"sent": 1}
    assert mailings_send(now=later + timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES + 1)) == {}
    assert len(mail.outbox) == 1 and Mailing.objects.get().tries == 2


def test_a_mail_server_outage_gives_the_claims_back(alice, monkeypatch):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering)

    def down(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(LOCMEM, down)
    assert mailings_send() == {}
    assert Mailing.objects.get().claimed_at is None
    monkeypatch.undo()
    assert mailings_send() == {"sent": 1}


def test_a_bounce_is_recorded_and_the_address_is_mailed_no_more(alice, monkeypatch):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering, email="bounce@example.org")

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"bounce@example.org": (550, b"No such user")})

    monkeypatch.setattr(LOCMEM, refuse)
    assert mailings_send() == {"bounced": 1}
    assert StoppedAddress.objects.get().reason == "bounced"
    monkeypatch.undo()
    gathering_cancel(gathering=gathering)
    assert mailings_send() == {}  # not even the cancellation: the address is stopped
    assert mail.outbox == []


def _refusing(address: str, error: Exception):
    """A mail server that refuses one guest's address with this error and takes every other email."""
    from django.core.mail.backends.locmem import EmailBackend

    accept = EmailBackend.send_messages

    def send_messages(self, messages):
        if messages[0].to == [address]:
            raise error
        return accept(self, messages)

    return send_messages


def test_a_permanent_refusal_of_the_message_is_a_bounce_never_tried_again(alice, monkeypatch, settings):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering, email="full@example.org")
    _guest(gathering, email="ok@example.org")
    monkeypatch.setattr(LOCMEM, _refusing("full@example.org", smtplib.SMTPDataError(552, b"Mailbox full")))
    now = timezone.now()
    assert mailings_send(now=now) == {"bounced": 1, "sent": 1}
    stopped = StoppedAddress.objects.get()
    assert (stopped.address, stopped.reason) == (
        "full@example.org",
        "bounced",
    ) and "Mailbox full" in stopped.detail
    monkeypatch.undo()
    later = now + timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES + 1)
    assert mailings_send(now=later) == {} and [m.to for m in mail.outbox] == [["ok@example.org"]]


def test_a_temporary_refusal_is_tried_again_after_the_claim_timeout_not_bounced(alice, monkeypatch, settings):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering, email="busy@example.org")
    busy = smtplib.SMTPRecipientsRefused({"busy@example.org": (451, b"Try again later")})
    monkeypatch.setattr(LOCMEM, _refusing("busy@example.org", busy))
    now = timezone.now()
    assert mailings_send(now=now) == {"deferred": 1}
    monkeypatch.undo()
    assert mailings_send(now=now + timedelta(minutes=1)) == {}
    assert mailings_send(now=now + timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES + 1)) == {
        "sent": 1
    }
    assert not StoppedAddress.objects.exists()


def test_the_host_sees_the_guest_whose_email_bounced(alice, monkeypatch):
    gathering = _starting_in(alice, timedelta(hours=2))
    gone = _guest(gathering, email="gone@example.org", last="Gone")
    fine = _guest(gathering, email="fine@example.org", last="Fine")
    refused = smtplib.SMTPRecipientsRefused({"gone@example.org": (550, b"No such user")})
    monkeypatch.setattr(LOCMEM, _refusing("gone@example.org", refused))
    assert mailings_send() == {"bounced": 1, "sent": 1}
    page = make_client(alice).get(reverse("events:gathering", args=[gathering.pk])).text
    lines = {line for line in page.split("</li>") if "field-name" in line}
    [gone_line] = [line for line in lines if gone.voter.display_name in line]
    [fine_line] = [line for line in lines if fine.voter.display_name in line]
    assert "reminder email bounced" in gone_line and "bounced" not in fine_line


@pytest.mark.django_db(transaction=True)
def test_two_dispatches_at_once_send_each_email_exactly_once(settings):
    settings.MAILING_BATCH = 5
    host = make_user("host@example.org", role=User.Role.LEADER)
    gathering = _starting_in(host, timedelta(hours=2))
    for number in range(60):
        _guest(gathering, email=f"guest{number}@example.org")
    errors = []

    def dispatch():
        try:
            mailings_send()
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    sent_to = sorted(message.to[0] for message in mail.outbox)
    assert sent_to == sorted(f"guest{number}@example.org" for number in range(60))
    assert Mailing.objects.filter(outcome="sent").count() == 60


# --- a real worker process, killed for real ------------------------------------------------------


def _worker(folder: Path, *, now, pause_at: int = 0, pause_when: str = "") -> subprocess.Popen:
    """Start a dispatch in a process of its own on the test database; each email it sends is a file."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND": "tests.events.pausing_mail.PausingBackend",
        "EMAIL_FILE_PATH": str(folder),
        "MAIL_PAUSE_AT": str(pause_at),
        "MAIL_PAUSE_WHEN": pause_when,
    }
    return subprocess.Popen([sys.executable, "-c", DISPATCH, now.isoformat()], cwd=ROOT, env=env)


def _finished(worker: subprocess.Popen) -> None:
    assert worker.wait(timeout=180) == 0


def _killed_when_paused(worker: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + 180
    while not (folder / "paused").exists():
        assert worker.poll() is None, "the worker ended before it reached the email to stop at"
        assert time.monotonic() < deadline, "the worker never reached the email to stop at"
        time.sleep(0.05)
    worker.kill()  # SIGKILL: no exception handler, no finally, the connection simply drops
    worker.wait(timeout=60)


def _sent(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def _guests(count: int) -> list[str]:
    host = make_user("host@example.org", role=User.Role.LEADER)
    gathering = _starting_in(host, timedelta(hours=2))
    addresses = sorted(f"guest{number:02}@example.org" for number in range(count))
    for address in addresses:
        _guest(gathering, email=address)
    return addresses


def _a_worker_killed_at_the_fourth_email(folder: Path, when: str) -> tuple[list[str], datetime]:
    """Eight guests owed a reminder, and a real worker SIGKILLed at the fourth, `when` the server took it."""
    addresses, now = _guests(8), timezone.now()
    _killed_when_paused(_worker(folder, now=now, pause_at=4, pause_when=when), folder)
    return addresses, now


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_before_the_server_took_an_email_leaves_each_guest_one(tmp_path, settings):
    addresses, now = _a_worker_killed_at_the_fourth_email(tmp_path, "before")
    assert len(_sent(tmp_path)) == 3
    # Each email's row was marked the moment it went: the kill lost none of the three marks.
    assert Mailing.objects.filter(outcome="sent").count() == 3
    _finished(_worker(tmp_path, now=now + timedelta(minutes=1)))  # the dead worker's claim is still fresh
    assert len(_sent(tmp_path)) == 3
    _finished(_worker(tmp_path, now=now + timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES + 1)))
    assert sorted(str(message["To"]) for message in _sent(tmp_path)) == addresses
    assert Mailing.objects.filter(outcome="sent").count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_server_took_an_email_sends_only_that_one_twice_same_id(tmp_path, settings):
    addresses, now = _a_worker_killed_at_the_fourth_email(tmp_path, "after")
    # The fourth email was accepted (its file is there) and its row never marked.
    assert len(_sent(tmp_path)) == 4 and Mailing.objects.filter(outcome="sent").count() == 3
    _finished(_worker(tmp_path, now=now + timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES + 1)))
    sent = _sent(tmp_path)
    recipients = sorted(str(message["To"]) for message in sent)
    assert sorted(set(recipients)) == addresses and len(recipients) == 9
    [twice] = {address for address in recipients if recipients.count(address) == 2}
    ids = {str(message["Message-ID"]) for message in sent if str(message["To"]) == twice}
    assert len(ids) == 1  # the copy a mail client folds into the first


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_at_once_send_each_email_exactly_once(tmp_path):
    addresses, now = _guests(60), timezone.now()
    workers = [_worker(tmp_path, now=now) for _ in range(2)]
    for worker in workers:
        _finished(worker)
    assert sorted(str(message["To"]) for message in _sent(tmp_path)) == addresses


# --- change and cancellation notices -------------------------------------------------------------


def test_a_new_place_sends_a_change_notice_with_a_higher_sequence(alice):
    gathering = _starting_in(alice, timedelta(days=5))
    _guest(gathering, rsvp="maybe")
    _guest(gathering, rsvp="no", email="no@example.org")
    gathering.place = "The library, room B"
    gathering_update(gathering=gathering)
    assert mailings_send() == {"sent": 1}
    [email] = mail.outbox
    assert email.subject.startswith("Changed:") and "The library, room B" in email.body
    assert "SEQUENCE:1" in _ics(email) and email.to == ["pat@example.org"]


def test_two_quick_changes_send_only_the_latest(alice):
    gathering = _starting_in(alice, timedelta(days=5))
    _guest(gathering)
    for place in ("Room A", "Room B"):
        gathering.place = place
        gathering_update(gathering=gathering)
    assert mailings_send() == {"sent": 1, "skipped": 1}
    assert "Room B" in mail.outbox[0].body and "SEQUENCE:2" in _ics(mail.outbox[0])


def test_a_cancellation_sends_method_cancel_and_no_more_reminders(alice):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering)
    reminders_owe(now=timezone.now())
    gathering_cancel(gathering=gathering)
    assert mailings_send() == {"sent": 1, "skipped": 1}
    [email] = mail.outbox
    ics = _ics(email)
    assert email.subject.startswith("Cancelled:") and "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics
    assert "SEQUENCE:1" in ics and f"UID:{gathering.uid}@" in ics


# --- a seat opened ---------------------------------------------------------------------------------


def _waiting(gathering, email: str, *, last: str = "Neighbor") -> Invitation:
    guest = _guest(gathering, email=email, last=last)
    Invitation.objects.filter(pk=guest.pk).update(waitlisted_at=timezone.now())
    return guest


def test_a_seat_freed_by_a_no_tells_the_first_waiting_once_and_the_host_sees_it(alice):
    gathering = _starting_in(alice, timedelta(days=5), capacity=1)
    seated = _guest(gathering, email="first@example.org")
    waiting = _waiting(gathering, "waiting@example.org", last="Waiting")
    _waiting(gathering, "second@example.org", last="Second")
    invitation_answer(invitation=seated, rsvp="no", email="first@example.org")
    page = make_client(alice).get(reverse("events:gathering", args=[gathering.pk])).text
    assert "seat opened: email on its way" in page
    assert mailings_send() == {"sent": 1} and mailings_send() == {}
    [email] = mail.outbox
    assert email.to == ["waiting@example.org"] and email.subject.startswith(
        "A seat opened for you: House meeting"
    )
    assert (
        "off the waitlist" in email.body and reverse("events:rsvp", args=[waiting.link_token()]) in email.body
    )
    page = make_client(alice).get(reverse("events:gathering", args=[gathering.pk])).text
    [line] = [line for line in page.split("</li>") if waiting.voter.display_name in line]
    assert "seat opened: emailed" in line
    # Off again, back on the waitlist, and seated again at the same time and place: told once, not
    # twice; the seat the second guest got and gave back before any email went is not mailed.
    invitation_answer(invitation=waiting, rsvp="no", email="waiting@example.org")
    invitation_answer(invitation=waiting, rsvp="yes", email="waiting@example.org")
    invitation_answer(
        invitation=Invitation.objects.get(voter__last_name="Second"), rsvp="no", email="second@example.org"
    )
    assert Invitation.objects.get(pk=waiting.pk).is_expected
    assert mailings_send() == {"skipped": 1} and len(mail.outbox) == 1


def test_a_larger_room_tells_the_first_waiting(alice):
    gathering = _starting_in(alice, timedelta(days=5), capacity=1)
    _guest(gathering, email="first@example.org")
    _waiting(gathering, "waiting@example.org")
    _waiting(gathering, "")  # seated too, with no email to tell
    gathering.capacity = 3
    gathering_update(gathering=gathering)
    assert mailings_send() == {"sent": 1}
    assert [m.to for m in mail.outbox] == [["waiting@example.org"]]


# --- unsubscribing ---------------------------------------------------------------------------------


def test_unsubscribing_asks_first_then_stops_every_email(alice):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering, email="pat@example.org")
    url = reverse("events:unsubscribe", args=[unsubscribe_token("Pat@Example.org")])
    assert "Stop these emails?" in Client().get(url).text
    assert not StoppedAddress.objects.exists()
    # A mail client's one-click unsubscribe posts without a CSRF token.
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You are unsubscribed" in response.text
    assert StoppedAddress.objects.get().address == "pat@example.org"
    assert mailings_send() == {} and mail.outbox == []


def test_a_forged_unsubscribe_link_changes_nothing(db):
    response = Client().post(reverse("events:unsubscribe", args=["someone@example.org"]))
    assert response.status_code == 400 and not StoppedAddress.objects.exists()


def test_a_gathering_changed_after_a_reminder_is_reminded_again_for_the_new_time(alice):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering)
    mailings_send()
    moved = Gathering.objects.get(pk=gathering.pk)
    moved.starts_at, moved.ends_at = (
        moved.starts_at + timedelta(minutes=30),
        moved.ends_at + timedelta(minutes=30),
    )
    gathering_update(gathering=moved)
    mailings_send()
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Reminder", "Changed", "Reminder"]


def test_an_email_given_on_the_call_that_invited_is_where_the_reminder_goes(alice, lists):
    gathering = _starting_in(alice, timedelta(hours=2))
    voter = lists.calls[0]
    item = a_call(voter, people=[{"voter": voter.pk, "email": "Callee@Example.org"}],
                  invite={"gathering": gathering.pk, "rsvp": "yes"})  # fmt: skip
    item["device_time"] = (timezone.now() - WEEK_AGO).isoformat()
    make_client(alice).post(
        reverse("field:sync"), json.dumps({"attempts": [item]}), content_type="application/json"
    )
    assert Invitation.objects.get().email == "callee@example.org"
    mailings_send()
    assert [m.to for m in mail.outbox] == [["callee@example.org"]]


def test_a_mark_the_database_refuses_stops_the_dispatch_before_the_next_email(alice):
    gathering = _starting_in(alice, timedelta(hours=2))
    _guest(gathering, email="first@example.org")
    _guest(gathering, email="second@example.org")
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION refuse_mark() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
            CREATE TRIGGER refuse_mark BEFORE UPDATE OF sent_at ON events_mailing
            FOR EACH ROW WHEN (NEW.sent_at IS NOT NULL) EXECUTE FUNCTION refuse_mark();
        """)
    with pytest.raises(DatabaseError, match="disk full"):
        mailings_send()
    assert [m.to for m in mail.outbox] == [["first@example.org"]]


# --- each guest's bytes, written from the letter's ---------------------------------------------------

HOSTILE_NAMES = [
    'o"brien',
    "zoë",
    "nguyễn",
    "a\r\nBcc: evil@example.org",
    "=?utf-8?q?x?=",
    "--===============0123456789==",
    "<b>&amp;</b>",
    "x" * 200,
    "trailing space ",
    ".",
]


def _parsed(raw: bytes) -> list[tuple]:
    """What a mail client reads: each part's headers (but the date and boundaries) and decoded content."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return [
        (
            sorted(
                (name, str(value))
                for name, value in part.items()
                if name not in ("Date", "Content-Type", "Content-Transfer-Encoding")
            ),
            part.get_content_type(),
            part.get_param("charset"),
            part.get_param("method"),
            part.get_filename(),
            None if part.is_multipart() else part.get_content(),
        )  # fmt: skip
        for part in message.walk()
    ]


def test_each_guests_bytes_read_as_djangos_own_message_would_even_with_hostile_names(alice):
    gathering = _starting_in(
        alice, timedelta(hours=2), notes="Pie & coffee; naïve café\r\n\r\n" + "long " * 40
    )
    for number, name in enumerate(HOSTILE_NAMES):
        Voter.objects.filter(pk=_guest(gathering, email=f"guest{number}@example.org").voter_id).update(
            first_name=name
        )
    _guest(gathering, email="idn@bücher.example")
    assert mailings_send() == {"sent": len(HOSTILE_NAMES) + 1}
    for sent in mail.outbox:
        ours = sent.message(policy=email.policy.SMTP).as_bytes()
        djangos = EmailMultiAlternatives.message(sent, policy=email.policy.SMTP).as_bytes()
        assert _parsed(ours) == _parsed(djangos)
        assert max(len(line) for line in ours.split(b"\r\n")) <= 998 and b"\n" not in ours.replace(
            b"\r\n", b""
        )
        assert b"Bcc" not in ours.split(b"\r\n\r\n", 1)[0] and ours.isascii()  # a name stays in the bodies
        # The link as it is, not refolded into encoded words a mail client need not decode there.
        assert f"\r\nList-Unsubscribe: {sent.extra_headers['List-Unsubscribe']}\r\n".encode() in ours
    assert {str(email.message_from_bytes(m.message().as_bytes())["To"]) for m in mail.outbox} >= {
        "idn@xn--bcher-kva.example"
    }
