import os
import stat

import pytest
from django.core.files.uploadhandler import SkipFile

from lib.uploads import CappedDiskUploadHandler


def _start(handler: CappedDiskUploadHandler) -> None:
    handler.handle_raw_input(None, {}, None, b"boundary")
    handler.new_file("file", "psr.txt", "text/plain", None)


def test_it_streams_an_upload_to_a_file_on_disk():
    handler = CappedDiskUploadHandler(max_bytes=1000)
    _start(handler)

    handler.receive_data_chunk(b"a" * 600, 0)
    handler.receive_data_chunk(b"b" * 400, 600)
    upload = handler.file_complete(1000)

    assert os.path.exists(upload.temporary_file_path())
    with open(upload.temporary_file_path(), "rb") as stored:
        assert stored.read() == b"a" * 600 + b"b" * 400
    upload.close()


def test_it_drops_an_upload_and_its_partial_file_past_the_cap_even_unannounced():
    handler = CappedDiskUploadHandler(max_bytes=1000)
    _start(handler)
    handler.receive_data_chunk(b"a" * 600, 0)
    partial = handler.file.temporary_file_path()

    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"b" * 600, 600)

    assert handler.too_large and not os.path.exists(partial)


def test_it_skips_a_file_whose_request_announces_more_than_the_cap():
    handler = CappedDiskUploadHandler(max_bytes=1000)
    handler.handle_raw_input(None, {}, 1000 + CappedDiskUploadHandler.FORM_ROOM + 1, b"boundary")

    with pytest.raises(SkipFile):
        handler.new_file("file", "psr.txt", "text/plain", None)
    assert handler.too_large


def test_it_streams_into_a_given_directory_owner_only_whatever_the_umask(tmp_path):
    handler = CappedDiskUploadHandler(max_bytes=1000, directory=tmp_path / "incoming")
    previous = os.umask(0)
    try:
        _start(handler)
        handler.receive_data_chunk(b"voter lines", 0)
        upload = handler.file_complete(11)
    finally:
        os.umask(previous)

    path = upload.temporary_file_path()
    assert os.path.dirname(path) == str(tmp_path / "incoming")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "incoming").st_mode) == 0o700
    upload.close()
    assert not os.path.exists(path)  # a temporary file still: gone unless the upload is kept
