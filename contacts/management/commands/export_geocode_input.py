from pathlib import Path

from django.core.management.base import BaseCommand

from contacts.geocodes import BATCH_SIZE, export_geocode_input


class Command(BaseCommand):
    help = (
        "Write households without a geocode as US Census batch geocoder input files of at most "
        f"{BATCH_SIZE:,} addresses each (geocode_input_0001.csv, ...). Send them to the geocoder, then "
        "import its answers with import_geocodes."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="Where to write the files (created if missing).")
        parser.add_argument(
            "--retry", action="store_true", help="Also send households the geocoder could not match before."
        )

    def handle(self, *args, directory: Path, retry: bool, **options):
        files, count = export_geocode_input(directory, retry=retry)
        if not files:
            self.stdout.write("Every household with a street address already has a geocode (or was tried).")
            return
        self.stdout.write(f"Wrote {count:,} addresses to {len(files)} file(s) in {directory}:")
        for path in files:
            self.stdout.write(f"  {path.name}")
