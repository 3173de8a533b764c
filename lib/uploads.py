"""Large uploads: streamed to a file on disk as they arrive, and cut off past a size cap.

Django keeps uploads under FILE_UPLOAD_MAX_MEMORY_SIZE in memory and has no cap at all on file
size (DATA_UPLOAD_MAX_MEMORY_SIZE covers form fields only). A view that accepts a 1.7 GB voter
file installs this handler before it reads the request, so nothing is held in memory and an
oversized upload is dropped, and its partial file deleted, as soon as it passes the cap.

Voter files and the reports made from them hold raw voter lines: they are written owner-only
(files 0600, directories 0700) whatever the process's umask, which can only take bits away.
"""

import os
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, TemporaryFileUploadHandler


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


class _UploadedFileIn(TemporaryUploadedFile):
    """An upload streamed to a temporary file (0600, deleted on close) in a directory of our choosing."""

    def __init__(self, directory: Path, name, content_type, size, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(suffix=".upload", dir=private_directory(directory))  # noqa: SIM115
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class CappedDiskUploadHandler(TemporaryFileUploadHandler):
    """Write every uploaded file to a temporary file; skip any file larger than max_bytes.

    Given a directory, the file is written there (owner-only) rather than in the system's
    temporary directory: a voter file then never sits in a shared /tmp, and keeping it is a rename.
    """

    FORM_ROOM = 65_536  # the form's other fields and the multipart boundaries, besides the file

    def __init__(self, request=None, *, max_bytes: int, directory: Path | None = None) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.directory = directory
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
        if self.directory is None:
            super().new_file(*args, **kwargs)
            return
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = _UploadedFileIn(
            self.directory, self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            self.file.close()  # a NamedTemporaryFile: closing it deletes the partial upload
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)
