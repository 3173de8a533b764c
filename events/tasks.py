"""Emails to invitees in the background: every few minutes by beat, and right after a change or cancellation."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from events.mailings import mailings_send

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_mailings() -> None:
    """Owe the reminders now due and send every email owed; a second run at once sends nothing twice."""
    counts = mailings_send()
    if counts:
        logger.info("Gathering emails: %s", counts)


def send_mailings_soon() -> None:
    """Queue a send now; with the broker down, beat's next run sends them (the rows are owed already)."""
    try:
        send_mailings.delay()
    except OperationalError:
        logger.warning("Could not queue gathering emails: the broker is down; beat will send them.")
