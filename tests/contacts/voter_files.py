"""Voter files for tests: copies of the real-format fixtures, and small PSR files built row by row."""

import shutil
from pathlib import Path

from django.core.management import call_command

from contacts.voterfile.layout import CURRENT_HEADER

# Samples in the Secretary of State's real format (current and 2023 editions) and the Census
# geocoder's output for the current one.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_copy(name: str, directory: Path) -> Path:
    """Copy a fixture into a test's directory: reports are written next to the input."""
    target = directory / name
    shutil.copy(FIXTURES / name, target)
    return target


def fixture_rows(name: str = "psr_sample.txt") -> tuple[list[str], list[list[str]]]:
    """Return a fixture's header and rows as lists of fields."""
    lines = (FIXTURES / name).read_bytes().decode("utf-8").splitlines()
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]


def row(**fields: str) -> list[str]:
    """Return a current-edition row: a Nodaway voter, with any field set by its header name.

    Field names are the header's with spaces as underscores: row(voter_id="12", first_name="ANN").
    """
    values = dict.fromkeys(CURRENT_HEADER, "")
    values.update(
        {
            "County": "Nodaway",
            "First Name": "ANN",
            "Last Name": "EXAMPLE",
            "House Number": "100",
            "Street Name": "MAIN",
            "Street Type": "ST",
            "Residential City": "MARYVILLE",
            "Residential State": "MO",
            "Residential ZipCode": "64468",
            "Birthdate": "1970",
            "Registration Date": "05/06/2010",
            "Precinct": "NOD3",
            "Precinct Name": "MARYVILLE",
            "Split": "01",
            "CONGRESSIONAL DISTRICT 20": "20 CN 6",
            "LEGISLATIVE DISTRICT 20": "20 LE 001",
            "SENATE DISTRICT 20": "20 SE 12",
            "Voter Status": "Active",
            "Voter History 1": "11/05/2024 General",
        }
    )
    for name, value in fields.items():
        header = next(h for h in CURRENT_HEADER if h.replace(" ", "_").lower() == name.lower())
        values[header] = value
    return [values[h] for h in CURRENT_HEADER]


def write_psr(path: Path, rows: list[list[str]], *, header: list[str] | tuple[str, ...] = CURRENT_HEADER,
              ending: str = "\r\n", encoding: str = "utf-8", bom: bool = False) -> Path:  # fmt: skip
    """Write rows as a PSR file: tab-separated, no quoting, CRLF like the Secretary of State's."""
    text = ending.join("\t".join(fields) for fields in [list(header), *rows]) + ending
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def run(command: str, path: Path, *args: str) -> str:
    """Run an import command quietly and return what it printed."""
    from io import StringIO

    out = StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def report_rows(path: Path) -> list[dict]:
    import csv

    with open(Path(str(path) + ".rejects.csv"), newline="", encoding="utf-8") as report:
        return list(csv.DictReader(report))
