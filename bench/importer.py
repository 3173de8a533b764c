"""The voter file import on a statewide-like PSR file (1,000,000 rows by default).

Builds its own database (bench_importer) on the same server and its files under var/bench, never
the dev database, and drops both at the end (BENCH_KEEP_DB=1 keeps the database). Measures:

  (a) the reference: PostgreSQL COPY of the file into an unlogged table of 54 text columns, the
      median of three runs, so that one disturbed run does not set every ratio;
  (b) a full import_voters into an empty database;
  (c) a re-import of the same file;
  (d) a newer edition with about 3 % changed, 2 % new and 2 % missing voters.

Each import runs in a child process, timed inside it (without interpreter start-up) and measured
for peak RSS by the parent. Targets: (b) within 4x of (a), (c) within 2x, peak RSS under 400 MB.
BENCH_IMPORT_ROWS sets the size (4300000 is statewide).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("MFA_ENCRYPTION_KEY", "YmVuY2gtb25seS1tZmEta2V5LTAxMjM0NTY3ODlhYmM=")
django.setup()

from django.conf import settings  # noqa: E402

from bench.database import admin_connection, database_url, scratch_database  # noqa: E402

BENCH_DB = "bench_importer"
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
WORKDIR = Path(settings.VAR_DIR) / "bench" / "importer"
TARGETS = {"b": 4.0, "c": 2.0}
RSS_TARGET_MB = 400
REFERENCE_RUNS = 3


def _generate(path: Path, edition: int) -> int:
    from contacts.demo import SyntheticVoterFile, write_voter_file
    from contacts.voterfile.layout import ELECTION_AUTHORITIES

    generator = SyntheticVoterFile(voters=ROWS, counties=ELECTION_AUTHORITIES, edition=edition)
    return write_voter_file(path, generator).voters


def _reference(path: Path) -> float:
    """Time COPY of the raw file into an unlogged table of 54 text columns."""
    columns = ", ".join(f"c{i} text" for i in range(54))
    with admin_connection(BENCH_DB) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_reference")
        conn.execute(f"CREATE UNLOGGED TABLE bench_reference ({columns})")
        start = time.perf_counter()
        statement = "COPY bench_reference FROM STDIN (FORMAT text, HEADER true)"
        with conn.cursor() as cursor, cursor.copy(statement) as copy, open(path, "rb") as stream:
            while block := stream.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bench_reference")
    return seconds


def _import(path: Path) -> tuple[float, dict, float]:
    """Run one import in a child process; return its seconds, counts and peak RSS in MB."""
    env = {**os.environ, "DATABASE_URL": database_url(BENCH_DB)}
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.importer", "child", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"The import of {path} failed ({child.returncode}).")
    result = json.loads(output.strip().splitlines()[-1])
    return result["seconds"], result["counts"], usage.ru_maxrss / 1024


def _child(path: str) -> None:
    from contacts.import_runs import import_data
    from contacts.importing import Progress
    from contacts.voterfile.layout import ELECTION_AUTHORITIES
    from contacts.voterfile.unregister import MissingVoters

    # As staff who confirmed the newer edition: its missing voters are unregistered, in every county.
    confirmed = MissingVoters(unregister=True, full_editions=frozenset(ELECTION_AUTHORITIES))
    start = time.perf_counter()
    result = import_data(kind="voters", path=Path(path), progress=Progress(), missing=confirmed)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "counts": result.counts.as_dict()}))


def _row(
    label: str, seconds: float, reference: float, target: float | None, rss: float | None
) -> tuple[str, str]:
    ratio = seconds / reference
    text = f"{seconds:6.1f} s  {ROWS / seconds:>9,.0f} rows/s  {ratio:4.2f}x (a)"
    if target:
        text += f" (target <= {target:g}x: {'met' if ratio <= target else 'MISSED'})"
    if rss is not None:
        text += f"  peak RSS {rss:,.0f} MB"
    return label, text


def run() -> list[tuple[str, str]]:
    """Generate the two editions, time (a)-(d) in a fresh database; return (measure, result) rows."""
    WORKDIR.mkdir(parents=True, exist_ok=True)
    first, newer = WORKDIR / "psr_edition_1.txt", WORKDIR / "psr_edition_2.txt"
    start = time.perf_counter()
    voters = _generate(first, 0)
    _generate(newer, 1)
    generated = time.perf_counter() - start
    megabytes = first.stat().st_size / 1024**2
    try:
        with scratch_database(BENCH_DB):
            references = sorted(_reference(first) for _ in range(REFERENCE_RUNS))
            reference = references[len(references) // 2]
            full = _import(first)
            again = _import(first)
            edition = _import(newer)
    finally:
        for path in (first, newer):
            for leftover in (path, path.with_name(path.name + ".rejects.csv")):
                leftover.unlink(missing_ok=True)
    written = again[1]["inserted"] + again[1]["updated"] + again[1]["unregistered"]
    changes = edition[1]
    peak = max(full[2], again[2], edition[2])
    label, result = _row("(a) COPY into 54 text columns (reference)", reference, reference, None, None)
    return [
        (
            "voter file",
            f"{voters:,} rows, {megabytes:,.0f} MB, 116 election authorities (both editions made in {generated:.0f} s)",
        ),
        (label, f"{result}  median of {REFERENCE_RUNS} runs: {references[0]:.1f}-{references[-1]:.1f} s"),
        _row("(b) import into an empty database", full[0], reference, TARGETS["b"], full[2]),
        _row("(c) re-import of the same file", again[0], reference, TARGETS["c"], again[2]),
        ("    rows written by (c)", f"{written:,} (unchanged {again[1]['unchanged']:,})"),
        _row("(d) newer edition", edition[0], reference, None, edition[2]),
        (
            "    (d) inserted / updated / moved / no longer registered",
            f"{changes['inserted']:,} / {changes['updated']:,} / {changes['moved']:,} / {changes['unregistered']:,}",
        ),  # fmt: skip
        (
            "peak RSS of the imports",
            f"{peak:,.0f} MB (target < {RSS_TARGET_MB} MB: {'met' if peak < RSS_TARGET_MB else 'MISSED'})",
        ),  # fmt: skip
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(sys.argv[2])
    else:
        for measure, result in run():
            print(f"{measure:<56} {result}")
