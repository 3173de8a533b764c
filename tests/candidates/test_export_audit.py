"""Staff's download of the export audit is itself an export of people data: a fresh password first,
formula-safe, and audited like every other export."""

import csv
import hashlib
import io

from django.urls import reverse

from contacts.exports import export_begin, export_finish
from contacts.models import Export
from tests.cast import make_client, make_reauthenticated_client, make_user

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def test_it_asks_for_the_password_again_before_sending_the_audit(sam):
    response = make_client(sam).get(reverse("candidates:exports_csv"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not Export.objects.exists()


def test_the_download_writes_its_own_audit_row_with_the_hash_of_the_bytes_sent(sam):
    earlier = export_begin(user=sam, kind=Export.Kind.VAN, file_name="van.csv", filters={}, ip=None)
    export_finish(export=earlier, rows=3, sha256="ab" * 32)
    response = make_reauthenticated_client(sam).get(reverse("candidates:exports_csv"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    lines = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
    # The audit as it stood when asked for: the earlier export, not the download in progress.
    assert [line["id"] for line in lines] == [str(earlier.pk)]
    own = Export.objects.exclude(pk=earlier.pk).get()
    assert own.user == sam and own.kind == Export.Kind.AUDIT and own.is_complete
    assert own.rows == 1 and own.sha256 == hashlib.sha256(body).hexdigest()
    assert own.ip == "127.0.0.1"


def test_formula_payloads_in_the_audit_come_back_as_plain_text(sam):
    for index, payload in enumerate(["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]):
        user = make_user(f"payload{index}@example.org")
        export_begin(user=user, kind=Export.Kind.MAIL, file_name=payload, filters={"x": payload}, ip=None,
                     purpose=payload)  # fmt: skip
    body = b"".join(make_reauthenticated_client(sam).get(reverse("candidates:exports_csv")).streaming_content)
    cells = [cell for row in csv.reader(io.StringIO(body.decode(), newline="")) for cell in row]
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
