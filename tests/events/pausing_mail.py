"""A mail backend for a dispatch run in a process of its own, which a test then kills for real.

Each email the "server" accepts is a file of its own in EMAIL_FILE_PATH. With MAIL_PAUSE_AT=n it
stops at the n-th email of the process, writes `paused` next to the emails, and sleeps until killed:
MAIL_PAUSE_WHEN=before stops before that email is accepted (no file), =after once it was accepted
(its file is written) and before the dispatcher could mark its row.
"""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class PausingBackend(BaseEmailBackend):
    accepted = 0

    def send_messages(self, email_messages) -> int:
        folder = Path(settings.MAIL_DIR)
        pause_at = int(os.environ.get("MAIL_PAUSE_AT", "0"))
        for message in email_messages:
            PausingBackend.accepted += 1
            pausing = PausingBackend.accepted == pause_at
            if pausing and os.environ.get("MAIL_PAUSE_WHEN") == "before":
                self._pause(folder)
            (folder / f"{uuid.uuid4()}.eml").write_bytes(message.message().as_bytes())
            if pausing:
                self._pause(folder)
        return len(email_messages)

    @staticmethod
    def _pause(folder: Path) -> None:
        (folder / "paused").touch()
        time.sleep(600)  # the test kills the process long before this ends
