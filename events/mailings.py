"""Emails to invitees: reminders before a gathering, change and cancellation notices, unsubscribing.

Each email owed is a Mailing row first, unique per (invitation, kind, lead, sequence): reminders are
owed by one INSERT … ON CONFLICT DO NOTHING per lead time, notices by the service that changed the
gathering, in the same transaction as the change. Sending then goes claim → send → mark:

1. claim: one short transaction sets `claimed_at` on a batch of unsent rows whose claim is empty or
   older than MAILING_CLAIM_TIMEOUT_MINUTES, taking them with FOR UPDATE SKIP LOCKED, and commits;
2. send each email over one SMTP connection;
3. mark that row sent (`sent_at`) the moment the mail server accepted its email, in a transaction
   of its own, only if the claim is still ours.

A row is marked alone, right after its email, not with the rest of its batch: a batch marked at its
end would, if the worker died, send its whole sent part again. To keep that one UPDATE per email
cheap, the sender commits without waiting for the database's disk (`synchronous_commit = off`): the
commit is at once final for every other session, and a killed worker loses nothing; only a crash of
the database server itself can forget the marks of its last moment (about 0.6 s, three times
PostgreSQL's wal_writer_delay), whose emails would go again. Nor does the sender wait for the
mark's answer then (`_Marks`): the UPDATE is on its way to the database, which commits it on
arrival, while the next email is built; its answer is read before that email goes out, so no email
is sent while an earlier mark is unconfirmed.

What each email of a gathering shares (subject, text and HTML bodies but for the guest's name and
two links, the .ics) is rendered once per gathering and batch (`Letter`), not once per email, and so
are its MIME bytes (and Date), written by Django with stand-ins: each guest's email is those bytes with
the guest's address, Message-ID, unsubscribe link and quoted-printable bodies put in (7-bit clean).

Guarantee: two dispatchers (two beats, two workers) never claim the same row, so they never send the
same email twice, and no row owed is ever forgotten. A worker that dies after claiming leaves its
rows claimed; the next dispatch after the timeout claims and sends the unmarked ones. The only
duplicate possible is the email the mail server accepted in the instant before the worker died and
before its row was marked, at most one per dead worker (plus the database crash above): sending and
recording are two systems, so one of them goes first, and losing a reminder is worse than a second
copy. Both copies carry the same Message-ID (`<mailing-ID@…>`), so mail clients fold them. A row
tried MAX_TRIES times is left.

A guest's address the mail server refuses for good (SMTPRecipientsRefused, or a 5xx reply to the
message) is a bounce: that email is marked bounced and never tried again, the address is stopped
(a StoppedAddress with what the server said), and the host sees it next to the guest. A 4xx reply,
a lost connection or an outage gives the batch's claims back for the next dispatch.
"""

import binascii
import email.policy
import logging
import re
import smtplib
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import MIMEPart
from email.parser import BytesParser

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import punycode
from django.utils.html import escape
from psycopg import pq

from events.calendar import ics
from events.models import Mailing, StoppedAddress

log = logging.getLogger(__name__)

MAX_TRIES = 5
UNSUBSCRIBE_SALT = "events.unsubscribe"

# Each lead time's window runs until the next shorter lead starts: a guest who answered late, or a
# beat that was down, gets the one reminder that fits, never two in a row.
OWE_REMINDERS_SQL = """
    INSERT INTO events_mailing (invitation_id, kind, lead_minutes, sequence, created_at, tries, outcome)
    SELECT invitation.id, 'reminder', %(lead)s, gathering.sequence, %(now)s, 0, ''
    FROM events_gathering gathering
    JOIN events_invitation invitation ON invitation.gathering_id = gathering.id
    WHERE gathering.cancelled_at IS NULL
      AND gathering.starts_at > %(now)s
      AND gathering.starts_at <= %(now)s + %(lead)s * interval '1 minute'
      AND gathering.starts_at > %(now)s + %(shorter)s * interval '1 minute'
      AND invitation.rsvp IN ('yes', 'maybe') AND invitation.waitlisted_at IS NULL
      AND invitation.email <> ''
      AND (invitation.answered_at IS NULL
           OR invitation.answered_at <= gathering.starts_at - %(lead)s * interval '1 minute')
      AND NOT EXISTS (SELECT 1 FROM events_stoppedaddress stopped WHERE stopped.address = invitation.email)
    ORDER BY gathering.id, invitation.id  -- a gathering's rows in a row: claimed together, rendered once
    ON CONFLICT (invitation_id, kind, lead_minutes, sequence) DO NOTHING
"""

CLAIM_SQL = """
    UPDATE events_mailing SET claimed_at = %(now)s, tries = tries + 1
    WHERE id IN (
        SELECT id FROM events_mailing
        WHERE sent_at IS NULL AND tries < %(max_tries)s
          AND (claimed_at IS NULL OR claimed_at < %(stale)s)
        ORDER BY id
        LIMIT %(batch)s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id
"""


def reminders_owe(*, now: datetime) -> int:
    """Owe each due reminder once (one row per invitee, lead time and sequence); return how many are new."""
    leads = settings.GATHERING_REMINDER_MINUTES
    created = 0
    with connection.cursor() as cursor:
        for lead, shorter in zip(leads, [*leads[1:], 0], strict=True):
            cursor.execute(OWE_REMINDERS_SQL, {"lead": lead, "shorter": shorter, "now": now})
            created += cursor.rowcount
    return created


def _claim(*, now: datetime) -> list[int]:
    stale = now - timedelta(minutes=settings.MAILING_CLAIM_TIMEOUT_MINUTES)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL, {"now": now, "stale": stale, "batch": settings.MAILING_BATCH, "max_tries": MAX_TRIES}
        )
        return [row[0] for row in cursor.fetchall()]


MARK_SQL = b"UPDATE events_mailing SET sent_at = $1, outcome = $2 WHERE id = $3 AND claimed_at = $4"


class _Marks:
    """Each row marked by an UPDATE of its own, whose answer is read only before the connection's next use.

    The statement goes alone through the extended protocol (parse, bind, execute, sync), so the server
    runs and commits it as its own transaction the moment it arrives, whether or not anyone reads the
    answer. Every other use of the connection, and every email sent, comes after `confirm()`.
    """

    def __init__(self) -> None:
        self.unconfirmed = False

    def mark(self, mailing: Mailing, outcome: str, *, now: datetime) -> None:
        self.confirm()
        pgconn = connection.connection.pgconn
        pgconn.send_query_params(
            MARK_SQL,
            [now.isoformat().encode(), outcome.encode(), str(mailing.pk).encode(),
             mailing.claimed_at.isoformat().encode()],
        )  # fmt: skip
        self.unconfirmed = True
        while pgconn.flush():  # a non-blocking connection: the few bytes it could not send at once
            pass

    def confirm(self) -> None:
        """Read the last mark's answer (waiting for it only if it is not there yet); raise if it failed."""
        if not self.unconfirmed:
            return
        self.unconfirmed = False
        pgconn, errors = connection.connection.pgconn, []
        while (result := pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK:
                errors.append((result.error_message or b"").decode(errors="replace"))
        if errors:
            raise DatabaseError(f"Marking an email sent failed: {errors[0]}")


def _release(mailing_ids: list[int]) -> None:
    """Give claims back after the mail server failed: the next dispatch tries them again."""
    Mailing.objects.filter(pk__in=mailing_ids, sent_at__isnull=True).update(claimed_at=None)


@contextmanager
def _commits_not_waiting_for_disk():
    """Let this connection's commits return before the WAL reaches disk (see the module docstring)."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        # A broken connection has no setting left to reset, and its error is the one to report.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def mailings_send(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Owe the due reminders, then send every email owed, batch by batch; return counts per outcome."""
    now = now or timezone.now()
    reminders_owe(now=now)
    counts: dict[str, int] = {}
    marks = _Marks()
    with mailers.default as mail, _commits_not_waiting_for_disk():
        try:
            _dispatch(mail, marks, counts, now=now, limit=limit)
        finally:
            marks.confirm()  # before the connection's next use, and to raise a failed last mark
    return counts


def _dispatch(mail, marks: _Marks, counts: dict[str, int], *, now: datetime, limit: int | None) -> None:
    """Claim, send and mark batch by batch until nothing is owed, the limit is reached or the server fails."""
    while limit is None or sum(counts.values()) < limit:
        marks.confirm()
        ids = _claim(now=now)
        if not ids:
            return
        batch = list(
            Mailing.objects.filter(pk__in=ids)
            .select_related("invitation__gathering__host", "invitation__voter")
            .order_by("pk")
        )
        stopped = set(
            StoppedAddress.objects.filter(address__in={m.invitation.email for m in batch}).values_list(
                "address", flat=True
            )
        )
        letters: dict[tuple[int, str], Letter] = {}  # this batch's gatherings, as loaded with it
        for index, mailing in enumerate(batch):
            try:
                outcome = _deliver(mailing, mail, marks, stopped=stopped, letters=letters, now=now)
            except (smtplib.SMTPException, OSError):
                log.exception("Mail server failed; %d emails wait for the next dispatch.", len(ids) - index)
                marks.confirm()
                _release([m.pk for m in batch[index:]])
                return
            if outcome is None:  # refused for now (4xx): the claim runs out and it is tried again
                counts["deferred"] = counts.get("deferred", 0) + 1
                continue
            marks.mark(mailing, outcome, now=timezone.now())
            counts[outcome] = counts.get(outcome, 0) + 1


def _deliver(
    mailing: Mailing,
    mail,
    marks: _Marks,
    *,
    stopped: set[str],
    letters: dict[tuple[int, str], "Letter"],
    now: datetime,
) -> str | None:
    """Send one email, or say why it is not needed any more; return the outcome to record (None: later)."""
    invitation, gathering = mailing.invitation, mailing.invitation.gathering
    if not invitation.email or invitation.email in stopped:
        return Mailing.Outcome.STOPPED
    if mailing.sequence < gathering.sequence and mailing.kind != Mailing.Kind.CANCEL:
        return Mailing.Outcome.SKIPPED  # a newer notice describes the gathering as it is now
    if mailing.kind in (Mailing.Kind.REMINDER, Mailing.Kind.SEAT) and (
        gathering.is_cancelled or gathering.starts_at <= now or not invitation.is_expected
    ):
        return Mailing.Outcome.SKIPPED
    key = (gathering.pk, mailing.kind)
    if key not in letters:
        marks.confirm()  # rendering may read the database
        letters[key] = Letter.of(mailing, now=now)
    try:
        message = letters[key].email(mailing)
    except ValueError as unwritable:  # an address no email header can carry: no server would take it
        return _bounced(invitation.email, unwritable, stopped)
    marks.confirm()  # no email goes while an earlier one's mark is unconfirmed
    try:
        mail.send_messages([message])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as refused:  # the guest's address, or
        codes = (  # the message to it: for good (5xx), or for now (4xx)
            [code for code, _ in refused.recipients.values()]
            if isinstance(refused, smtplib.SMTPRecipientsRefused)
            else [refused.smtp_code]
        )
        if min(codes) < 500:
            return None
        return _bounced(invitation.email, refused, stopped)
    return Mailing.Outcome.SENT


def _bounced(address: str, error: Exception, stopped: set[str]) -> str:
    """Stop an address refused for good, with what was said; nothing is mailed to it again."""
    stopped.add(address)
    address_stop(address=address, reason=StoppedAddress.Reason.BOUNCED, detail=str(error)[:300])
    return Mailing.Outcome.BOUNCED


SUBJECTS = {
    Mailing.Kind.REMINDER: "Reminder: {kind}, {when}",
    Mailing.Kind.CHANGE: "Changed: {kind}, now {when}",
    Mailing.Kind.CANCEL: "Cancelled: {kind}, {when}",
    Mailing.Kind.SEAT: "A seat opened for you: {kind}, {when}",
}
# What differs from one guest to the next: rendered as these stand-ins, replaced in each email. A NUL
# never reaches a gathering's text (Django's form fields refuse it), so no host can type one.
GUEST_SLOTS = {name: f"\x00{name}\x00" for name in ("first_name", "rsvp_url", "unsubscribe_url")}


def unsubscribe_token(address: str) -> str:
    """The same token for an address every time (no timestamp): every email's link keeps working."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(address.lower(), compress=True)


def address_from_unsubscribe_token(token: str) -> str | None:
    try:
        return signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None


# Where each guest's values go in a letter's MIME bytes. A body's stand-in is one short ASCII line,
# which Django writes 7bit: the letter relabels that part quoted-printable, the guest's body's encoding.
RAW_SLOTS = {
    "to": b"guest@slot.invalid",
    "message_id": b"<message-id@slot.invalid>",
    "unsubscribe": b"<unsubscribe@slot.invalid>",
    "text": b"text-slot\r\n",
    "html": b"html-slot\r\n",
}
RAW_SLOT_NAMES = {slot: name for name, slot in RAW_SLOTS.items()}


def _header_value(value: str) -> bytes:
    """A header value as it stands in the bytes: plain ASCII on one line, or refused."""
    if not value.isascii() or "\r" in value or "\n" in value:
        raise ValueError(f"Not a plain ASCII header value: {value!r}")
    return value.encode()


def _quoted_printable(body: str) -> bytes:
    """A text part's body: its UTF-8 lines (split as `email` splits them) with CRLF, quoted-printable."""
    return binascii.b2a_qp(b"\r\n".join(body.encode().splitlines()) + b"\r\n", istext=True)


def _bodies_quoted_printable(raw: bytes) -> bytes:
    """Relabel the parts whose body is a stand-in (7bit, one line) quoted-printable, as the guest's will be."""
    for slot in (RAW_SLOTS["text"], RAW_SLOTS["html"]):
        raw, found = re.subn(
            rb"Content-Transfer-Encoding: 7bit\r\n((?:[^\r\n]+\r\n)*\r\n)" + re.escape(slot),
            lambda part: b"Content-Transfer-Encoding: quoted-printable\r\n" + part[1] + slot,  # noqa: B023
            raw,
        )
        if found != 1:
            raise RuntimeError(f"Django wrote the letter's stand-in {slot!r} {found} times")
    return raw


class GuestEmail(EmailMultiAlternatives):
    """A guest's copy, with the MIME bytes its letter wrote for it: the mail backend sends those as they are."""

    def __init__(self, raw: bytes, **kwargs):
        super().__init__(**kwargs)
        self.raw = raw

    def message(self, *, policy=email.policy.default) -> "WrittenMessage":
        message = BytesParser(_class=WrittenMessage, policy=policy).parsebytes(self.raw, headersonly=True)
        message.raw = self.raw
        return message


class WrittenMessage(email.message.EmailMessage):
    """A message parsed down to its headers that writes itself as the bytes it was parsed from.

    Writing it again through `email` would refold each header longer than a line (the unsubscribe
    link, as encoded words a mail client need not decode there) and cost milliseconds an email.
    """

    raw: bytes

    def as_bytes(self, unixfrom: bool = False, policy=None) -> bytes:
        return self.raw

    __bytes__ = as_bytes


@dataclass(frozen=True)
class Letter:
    """One kind of email about one gathering, rendered once: each guest's copy only fills in the slots."""

    subject: str
    text: str
    html: str
    calendar: MIMEPart
    pieces: tuple[bytes, ...]  # the MIME bytes, split around the RAW_SLOTS

    @classmethod
    def of(cls, mailing: Mailing, *, now: datetime) -> "Letter":
        gathering = mailing.invitation.gathering
        when = timezone.localtime(gathering.starts_at)
        context = {
            "mailing": mailing,
            "gathering": gathering,
            "host_first_name": gathering.host.first_name,
            "party_name": settings.PARTY_NAME,
            **GUEST_SLOTS,
        }
        calendar = MIMEPart(policy=email.policy.default)
        calendar.set_content(
            # No guest's link in it: the same file for every guest (the body carries their link).
            ics(gathering.calendar_event(), now=now),
            subtype="calendar",
            params={"method": "CANCEL" if gathering.is_cancelled else "PUBLISH"},
            disposition="attachment",
            filename="gathering.ics",
            cte="quoted-printable",  # 7-bit clean, as the bodies are
        )
        # The subject holds no text a host typed: nothing there can smuggle a header in.
        subject = SUBJECTS[mailing.kind].format(
            kind=gathering.get_kind_display(), when=f"{when:%a %b %-d, %-I:%M %p}"
        )
        stand_in = cls._message(
            subject, calendar, to="guest@slot.invalid", text="text-slot", html="html-slot",
            message_id="<message-id@slot.invalid>", unsubscribe="<unsubscribe@slot.invalid>",
        )  # fmt: skip
        # Django's own message of the stand-in fields, as its SMTP backend would write it.
        raw = EmailMultiAlternatives.message(stand_in, policy=email.policy.SMTP).as_bytes()
        raw = _bodies_quoted_printable(raw)
        for slot in RAW_SLOTS.values():
            if raw.count(slot) != 1:
                raise RuntimeError(f"Django wrote the letter's stand-in {slot!r} {raw.count(slot)} times")
        return cls(
            subject=subject,
            text=render_to_string("events/email/mailing.txt", context),
            html=render_to_string("events/email/mailing.html", context),
            calendar=calendar,
            pieces=tuple(re.split(b"(" + b"|".join(map(re.escape, RAW_SLOTS.values())) + b")", raw)),
        )

    @staticmethod
    def _message(subject: str, calendar: MIMEPart, *, to, text, html, message_id, unsubscribe, raw=b""):
        message = GuestEmail(
            raw,
            subject=subject,
            body=text,
            to=[to],
            headers={
                "List-Unsubscribe": unsubscribe,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Message-ID": message_id,
            },
        )
        message.attach_alternative(html, "text/html")
        message.attach(calendar)
        return message

    def email(self, mailing: Mailing) -> GuestEmail:
        """This guest's copy: text, HTML, the gathering's .ics and a one-click unsubscribe."""
        invitation = mailing.invitation
        guest = {
            "first_name": invitation.voter.first_name.title(),
            "rsvp_url": settings.SITE_URL + reverse("events:rsvp", args=[invitation.link_token()]),
            "unsubscribe_url": settings.SITE_URL
            + reverse("events:unsubscribe", args=[unsubscribe_token(invitation.email)]),
        }
        text, html = self.text, self.html
        for name, slot in GUEST_SLOTS.items():
            text, html = text.replace(slot, guest[name]), html.replace(slot, escape(guest[name]))
        local, _, domain = invitation.email.rpartition("@")
        headers = {
            "to": f"{local}@{punycode(domain)}",
            "message_id": f"<mailing-{mailing.pk}@{settings.SITE_URL.split('://', 1)[-1].split('/')[0]}>",
            "unsubscribe": f"<{guest['unsubscribe_url']}>",
        }
        values = {name: _header_value(value) for name, value in headers.items()}
        values |= {"text": _quoted_printable(text), "html": _quoted_printable(html)}
        raw = b"".join(
            values[RAW_SLOT_NAMES[piece]] if piece in RAW_SLOT_NAMES else piece for piece in self.pieces
        )
        return self._message(self.subject, self.calendar, text=text, html=html, raw=raw, **headers)


def address_stop(*, address: str, reason: str, detail: str = "") -> None:
    """Never mail this address again (its owner unsubscribed, or mail to it bounced)."""
    StoppedAddress.objects.get_or_create(
        address=address.lower(), defaults={"reason": reason, "detail": detail}
    )
