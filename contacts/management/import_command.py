"""The base of the commands that import a data file: progress on the terminal, Ctrl-C rolls back.

The import itself runs as an ImportRun (contacts.import_runs.import_from_disk), so the staff
imports page lists it with the uploads.
"""

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts.import_runs import import_from_disk
from contacts.importing import ImportRefused, ImportResult, Progress


def terminal_progress(stream) -> Callable[[Progress], None]:
    """Return a sink printing progress to a terminal on one line, or one line per update otherwise."""
    tty = getattr(getattr(stream, "_out", stream), "isatty", lambda: False)()

    def sink(progress: Progress) -> None:
        if tty:
            stream.write("\r\033[K" + progress.describe(), ending="")
            stream.flush()
        else:
            stream.write(progress.describe())

    return sink


@contextmanager
def stopped_as_by_ctrl_c(*signals):
    """Turn these signals into KeyboardInterrupt meanwhile, so a killed import (a closed SSH session,
    `kill`) rolls back and records itself as stopped, as after Ctrl-C. Only the main thread may."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class ImportCommand(BaseCommand):
    """A management command importing one kind of file through import_from_disk."""

    kind = ""
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=f"The {self.what}.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do all the work and roll it back: print the counts and write the report, change nothing.",
        )

    def import_options(self, options: dict) -> dict:
        """Return the keyword arguments of this kind's importer that the command line sets."""
        return {}

    def report(self, result: ImportResult) -> None:
        """Print what this kind of import has to say beyond its counts."""

    def handle(self, *args, path: Path, dry_run: bool, verbosity: int, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        sinks = [terminal_progress(self.stderr)] if verbosity else []
        extra = self.import_options(options)
        try:
            with stopped_as_by_ctrl_c(signal.SIGTERM, signal.SIGHUP):
                result = import_from_disk(kind=self.kind, path=path, dry_run=dry_run, sinks=sinks, **extra)
        except ImportRefused as refusal:
            raise CommandError(f"{path}: {refusal} Nothing was imported.") from None
        if not verbosity:
            return
        self.stderr.write("")
        title = f"{self.what[0].upper()}{self.what[1:]} {path}"
        self.stdout.write(title + (" (dry run: nothing was changed)" if dry_run else ""))
        for line in result.counts.lines(result.shown):
            self.stdout.write("  " + line)
        self.report(result)
        self.stdout.write(f"Rejected rows and warnings: {result.report}")
