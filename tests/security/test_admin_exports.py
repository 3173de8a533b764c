"""The admin's phone and score exports: every other export of people asks the password again and is audited."""

import hashlib

import pytest
from django.urls import reverse

from contacts.models import Export, Phone
from contacts.resources import PhoneResource, ScoreResource
from tests.cast import PASSWORD, make_client, make_household, make_voter

pytestmark = pytest.mark.django_db


RESOURCES = {"phone": PhoneResource, "score": ScoreResource}


def _export(client, model: str):
    resource = RESOURCES[model]
    fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
    return client.post(reverse(f"admin:contacts_{model}_export"), {"format": "0", "resource": "0", **fields})


@pytest.mark.parametrize("model", ["phone", "score"])
def test_an_admin_export_asks_for_the_password_again_and_is_audited(sam, model):
    voter = make_voter(make_household(None), phone=True, score=55)
    client = make_client(sam)
    asked = _export(client, model)
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    assert not Export.objects.exists()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = _export(client, model)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    if model == "phone":
        assert Phone.objects.get(voter=voter).number in response.content.decode()
    export = Export.objects.get()
    assert (export.user, export.kind, export.rows) == (sam, model + "s", 1)
    assert export.sha256 == hashlib.sha256(response.content).hexdigest() and export.finished_at
