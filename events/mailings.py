"""Emails to invitees: reminders before a gathering, change and cancellation notices, unsubscribing.

Each email owed is a Mailing row first, unique per (invitation, kind, lead, sequence): reminders are
owed by one INSERT … ON CONFLICT DO NOTHING per lead time, notices by the service that changed the
gathering, in the same transaction as the change. Sending then goes claim → send → mark:

1. claim: one short transaction sets `claimed_at` on a batch of unsent rows whose claim is empty or
   older than MAILING_CLAIM_TIMEOUT_MINUTES, taking them with FOR UPDATE SKIP LOCKED, and commits;
2. send each email over one SMTP connection;
3. mark each row sent (`sent_at`) the moment its email went, only if the claim is still ours.

Guarantee: two dispatchers (two beats, two workers) never claim the same row, so they never send the
same email twice, and no row owed is ever forgotten. A worker that dies after claiming leaves its
rows claimed; the next dispatch after the timeout claims and sends them again. The only duplicate
possible is an email the mail server accepted in the instant before the worker died and before its
row was marked (at most the one in flight per dead worker): at-most-once is impossible without the
server's help, so it is at-least-once with that single window, and the Message-ID is the same on
both copies (`<mailing-ID@…>`) so mail clients can fold them. A row tried MAX_TRIES times is left.
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

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


def _mark(mailing: Mailing, outcome: str, *, now: datetime) -> None:
    Mailing.objects.filter(pk=mailing.pk, claimed_at=mailing.claimed_at).update(sent_at=now, outcome=outcome)


def _release(mailing_ids: list[int]) -> None:
    """Give claims back after the mail server failed: the next dispatch tries them again."""
    Mailing.objects.filter(pk__in=mailing_ids, sent_at__isnull=True).update(claimed_at=None)


def mailings_send(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Owe the due reminders, then send every email owed, batch by batch; return counts per outcome."""
    now = now or timezone.now()
    reminders_owe(now=now)
    counts: dict[str, int] = {}
    with mailers.default as mail:
        while limit is None or sum(counts.values()) < limit:
            ids = _claim(now=now)
            if not ids:
                break
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
            for index, mailing in enumerate(batch):
                try:
                    outcome = _deliver(mailing, mail, stopped=stopped, now=now)
                except (smtplib.SMTPException, OSError):
                    log.exception(
                        "Mail server failed; %d emails wait for the next dispatch.", len(ids) - index
                    )
                    _release([m.pk for m in batch[index:]])
                    return counts
                _mark(mailing, outcome, now=timezone.now())
                counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _deliver(mailing: Mailing, mail, *, stopped: set[str], now: datetime) -> str:
    """Send one email, or say why it is not needed any more; return the outcome to record."""
    invitation, gathering = mailing.invitation, mailing.invitation.gathering
    if not invitation.email or invitation.email in stopped:
        return Mailing.Outcome.STOPPED
    if mailing.sequence < gathering.sequence and mailing.kind != Mailing.Kind.CANCEL:
        return Mailing.Outcome.SKIPPED  # a newer notice describes the gathering as it is now
    if mailing.kind == Mailing.Kind.REMINDER and (
        gathering.is_cancelled or gathering.starts_at <= now or not invitation.is_expected
    ):
        return Mailing.Outcome.SKIPPED
    try:
        mail.send_messages([build_email(mailing, now=now)])
    except smtplib.SMTPRecipientsRefused as refused:
        address_stop(
            address=invitation.email, reason=StoppedAddress.Reason.BOUNCED, detail=str(refused)[:300]
        )
        stopped.add(invitation.email)
        return Mailing.Outcome.BOUNCED
    return Mailing.Outcome.SENT


SUBJECTS = {
    Mailing.Kind.REMINDER: "Reminder: {kind}, {when}",
    Mailing.Kind.CHANGE: "Changed: {kind}, now {when}",
    Mailing.Kind.CANCEL: "Cancelled: {kind}, {when}",
}


def unsubscribe_token(address: str) -> str:
    """The same token for an address every time (no timestamp): every email's link keeps working."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(address.lower(), compress=True)


def address_from_unsubscribe_token(token: str) -> str | None:
    try:
        return signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None


def build_email(mailing: Mailing, *, now: datetime) -> EmailMultiAlternatives:
    """Build one email (text, HTML, the gathering's .ics and a one-click unsubscribe) for a mailing."""
    invitation, gathering = mailing.invitation, mailing.invitation.gathering
    rsvp_url = settings.SITE_URL + reverse("events:rsvp", args=[invitation.link_token()])
    unsubscribe_url = settings.SITE_URL + reverse(
        "events:unsubscribe", args=[unsubscribe_token(invitation.email)]
    )
    when = timezone.localtime(gathering.starts_at)
    # The subject holds no text a host typed: nothing there can smuggle a header in.
    subject = SUBJECTS[mailing.kind].format(
        kind=gathering.get_kind_display(), when=f"{when:%a %b %-d, %-I:%M %p}"
    )
    context = {
        "mailing": mailing,
        "gathering": gathering,
        "invitation": invitation,
        "first_name": invitation.voter.first_name.title(),
        "host_first_name": gathering.host.first_name,
        "rsvp_url": rsvp_url,
        "unsubscribe_url": unsubscribe_url,
        "party_name": settings.PARTY_NAME,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("events/email/mailing.txt", context),
        to=[invitation.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<mailing-{mailing.pk}@{settings.SITE_URL.split('://', 1)[-1].split('/')[0]}>",
        },
    )
    message.attach_alternative(render_to_string("events/email/mailing.html", context), "text/html")
    method = "CANCEL" if gathering.is_cancelled else "PUBLISH"
    message.attach(
        "gathering.ics",
        ics(gathering.calendar_event(url=rsvp_url), now=now),
        f"text/calendar; method={method}",
    )
    return message


def address_stop(*, address: str, reason: str, detail: str = "") -> None:
    """Never mail this address again (its owner unsubscribed, or mail to it bounced)."""
    StoppedAddress.objects.get_or_create(
        address=address.lower(), defaults={"reason": reason, "detail": detail}
    )
