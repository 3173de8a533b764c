"""Attacks through names that reach an email's headers: a leader's own name is the sign-up email's subject."""

import pytest
from django.core import mail

from leaders.pipeline import add_prospect
from leaders.services import invite_prospect
from tests.cast import make_user

pytestmark = pytest.mark.django_db


def test_a_newline_or_quote_in_the_inviters_name_stays_one_plain_line_of_subject():
    """A name typed at sign-up (a newline posted straight to the form) reached the subject: a 500, no email."""
    host = make_user("mal@example.org", first_name="Mal\r\nBcc: victim@example.net")
    host.last_name = "O'Brien"
    host.save()
    profile = add_prospect(first_name="Rita", email="rita@example.org", county="Nodaway", recruiter=host)
    invite_prospect(profile=profile, by=host, site_url="https://example.org/")
    [message] = mail.outbox
    assert message.recipients() == ["rita@example.org"]
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Mal Bcc: victim@example.net O'Brien invites you" in message.subject
