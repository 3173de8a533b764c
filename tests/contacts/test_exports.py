"""Every export path neutralizes spreadsheet formulas: admin CSV and XLSX, resources, reports, geocoder input."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contacts.admin import PhoneAdmin
from contacts.models import Phone, Score
from contacts.resources import PhoneResource, ScoreResource
from tests.cast import make_reauthenticated_client
from tests.contacts.voter_files import row, run, write_psr

pytestmark = pytest.mark.django_db

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def phones(tmp_path):
    run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id=str(n)) for n in range(1, 7)]))
    for voter_id, payload in enumerate(PAYLOADS, start=1):
        Phone.objects.create(voter_id=voter_id, number=f"660555010{voter_id}", source=payload)
        Score.objects.create(voter_id=voter_id, value=50, source=payload)


def _admin_export(client, model: str, format_name: str) -> bytes:
    formats = [f.__name__ for f in PhoneAdmin(Phone, None).get_export_formats()]
    resource = f"{model}resource"
    fields = {"phone": ["voter", "number", "kind", "source"], "score": ["voter", "value", "source"]}[model]
    data = {"format": str(formats.index(format_name)), "resource": "0"}
    data.update({f"{resource}_{field}": "on" for field in fields})
    response = client.post(reverse(f"admin:contacts_{model}_export"), data)
    assert response.status_code == 200, response.content[:500]
    return response.content


@pytest.mark.parametrize("model", ["phone", "score"])
def test_it_neutralizes_every_formula_in_the_admins_csv_export(phones, sam, model):
    rows = list(
        csv.DictReader(io.StringIO(_admin_export(make_reauthenticated_client(sam), model, "CSV").decode()))
    )

    assert sorted(r["source"] for r in rows) == sorted("'" + payload for payload in PAYLOADS)


def test_it_neutralizes_every_formula_in_the_admins_xlsx_export(phones, sam):
    sheet = load_workbook(io.BytesIO(_admin_export(make_reauthenticated_client(sam), "phone", "XLSX"))).active
    header = [cell.value for cell in sheet[1]]
    sources = [r[header.index("source")] for r in sheet.iter_rows(min_row=2, values_only=True)]

    # XML turns a carriage return into a line feed; what matters is the leading apostrophe.
    assert sorted(sources) == sorted("'" + payload.replace("\r", "\n") for payload in PAYLOADS)


@pytest.mark.parametrize("resource", [PhoneResource, ScoreResource])
def test_it_neutralizes_a_resource_used_directly(phones, resource):
    dataset = resource().export()

    assert sorted(dataset["source"]) == sorted("'" + payload for payload in PAYLOADS)
    assert all(isinstance(voter, int) for voter in dataset["voter"])  # numbers are left alone
