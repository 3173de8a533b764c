"""Files of voter or people data sent out: streamed CSV, formula-safe, each with its audit row and the SHA-256 of its bytes.

The audit row is written before the first byte and completed after the last, so an export a
browser broke off still shows, without a hash. Rows are produced and hashed one at a time: a file of
any size is sent in constant memory.
"""

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone

from contacts.models import Export
from lib.spreadsheet import SafeWriter


def export_begin(
    *, user, kind: str, file_name: str, filters: dict, ip: str | None, purpose: str = ""
) -> Export:
    """Write the audit row of an export about to be sent."""
    return Export.objects.create(
        user=user,
        kind=kind,
        file_name=file_name,
        filters=filters,
        ip=ip,
        purpose=purpose,
    )


def export_finish(*, export: Export, rows: int, sha256: str) -> None:
    """Complete an export's audit row once its last byte was sent."""
    Export.objects.filter(pk=export.pk).update(finished_at=timezone.now(), rows=rows, sha256=sha256)


ROWS_PER_WRITE = 500


def _audited_lines(export: Export, header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    digest, count = hashlib.sha256(), 0
    writer.writerow(header)
    rows = iter(rows)
    # A few hundred rows at a time through csv's C loop; a chunk of about 64 KiB at a time out.
    while batch := list(islice(rows, ROWS_PER_WRITE)):
        writer.writerows(batch)
        count += len(batch)
        if buffer.tell() > 64 * 1024:
            chunk = buffer.getvalue().encode()
            digest.update(chunk)
            yield chunk
            buffer.seek(0)
            buffer.truncate()
    chunk = buffer.getvalue().encode()
    digest.update(chunk)
    yield chunk
    export_finish(export=export, rows=count, sha256=digest.hexdigest())


def _audited_file(export: Export, path: Path) -> Iterator[bytes]:
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(64 * 1024):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            yield chunk
    export_finish(export=export, rows=max(lines - 1, 0), sha256=digest.hexdigest())


def audited_file_response(
    request, *, kind: str, path: Path, file_name: str, filters: dict
) -> StreamingHttpResponse:
    """Stream a CSV file written earlier (formula-safe when written), audited as `audited_csv_response` is.

    Its rows are counted as its lines less the header: the files sent so have one record a line.
    """
    export = export_begin(
        user=request.user, kind=kind, file_name=file_name, filters=filters, ip=client_ip(request)
    )
    response = StreamingHttpResponse(_audited_file(export, path), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


def audit_built_file(request, *, kind: str, file_name: str, filters: dict, rows: int, data: bytes) -> None:
    """Audit a file built whole before it is sent (the admin's exports), with the hash of its bytes."""
    export = export_begin(
        user=request.user, kind=kind, file_name=file_name, filters=filters, ip=client_ip(request)
    )
    export_finish(export=export, rows=rows, sha256=hashlib.sha256(data).hexdigest())


def client_ip(request) -> str | None:
    """The address the request came from, behind as many trusted proxies as the settings say."""
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # allauth's answer when no address is known: the export is still audited
        return None


def audited_csv_response(
    request, *, kind: str, file_name: str, filters: dict, header: list[str], rows: Iterable[Iterable[Any]],
    purpose: str = "",
) -> StreamingHttpResponse:  # fmt: skip
    """Stream rows as a formula-safe CSV attachment, audited from the first byte to the last."""
    export = export_begin(
        user=request.user, kind=kind, file_name=file_name, filters=filters, ip=client_ip(request), purpose=purpose
    )  # fmt: skip
    response = StreamingHttpResponse(
        _audited_lines(export, header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response
