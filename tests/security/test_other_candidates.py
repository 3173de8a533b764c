"""A second approved candidate, with MFA, probing the first one's candidacy by id: 404 everywhere, nothing sent."""

import pytest
from django.urls import reverse

from candidates import services
from contacts.models import Export
from leaders.models import User
from tests.candidates.races import make_candidacy, make_race
from tests.cast import PASSWORD, make_client, make_user

pytestmark = pytest.mark.django_db(databases=["default", "shared", "shared_reader"])


def test_another_candidate_reaches_none_of_cathys_candidacy(sam, cathy):
    """tests/test_access.py's only other candidate has no MFA, so it never gets past MFA set-up."""
    cora = make_user("cora@example.org", role=User.Role.CANDIDATE)
    for person in (cathy, cora):
        services.account_approve(actor=sam, candidate=person)
    theirs = make_candidacy(sam, make_race(sam), candidate=cathy)
    make_candidacy(sam, make_race(sam, code="20 LE 002"), name="Cora Candidate", candidate=cora)
    client = make_client(cora)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for name, query in [("candidacy", {}), ("district", {}), ("mail_list", {}),
                        ("mail_count", {"purpose": "gotv"}), ("mail_download", {"purpose": "gotv"})]:  # fmt: skip
        response = client.get(reverse(f"candidates:{name}", args=[theirs.pk]), query)
        assert response.status_code == 404, (name, response.status_code)
    assert not Export.objects.exists()
