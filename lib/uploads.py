"""Large uploads: streamed to a file on disk as they arrive, and cut off past a size cap.

Django keeps uploads under FILE_UPLOAD_MAX_MEMORY_SIZE in memory and has no cap at all on file
size (DATA_UPLOAD_MAX_MEMORY_SIZE covers form fields only). A view that accepts a 1.7 GB voter
file installs this handler before it reads the request, so nothing is held in memory and an
oversized upload is dropped, and its partial file deleted, as soon as it passes the cap.

Voter files and the reports made from them hold raw voter lines: they are written owner-only
(files 0600, directories 0700) whatever the process's umask, which can only take bits away.
"""

import os
from pathlib import Path

from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


def private_directory(path: Path) -> Path:
    """Create a directory only its owner may enter (0700), or make an existing one so; return it."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def open_private(path: Path, mode: str = "w", **kwargs):
    """Open a file for writing, truncated, that only its owner may read (0600) whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # a file that already existed keeps its old mode through O_CREAT
        return open(descriptor, mode, **kwargs)  # noqa: SIM115 (the caller closes it)
    except BaseException:
        os.close(descriptor)
        raise


class CappedDiskUploadHandler(TemporaryFileUploadHandler):
    """Write every uploaded file to a temporary file; skip any file larger than max_bytes."""

    FORM_ROOM = 65_536  # the form's other fields and the multipart boundaries, besides the file

    def __init__(self, request=None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A request announcing more than the cap (plus room for the form's other fields) is
        # refused before a byte of it is written.
        if content_length and content_length > self.max_bytes + self.FORM_ROOM:
            self.too_large = True
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args, **kwargs) -> None:
        if self.too_large:
            raise SkipFile()
        self.received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            self.file.close()  # a NamedTemporaryFile: closing it deletes the partial upload
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)
