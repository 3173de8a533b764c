"""Run the benchmarks and print their table: `make bench`, or `python -m bench [name ...]`.

A benchmark is a module of this package with a `run()` that builds what it needs in a database of
its own (never the dev database), measures, cleans up, and returns (measure, result) rows. To add
one, write the module and name it in BENCHMARKS. Timings live here, never in the tests.
"""

import importlib
import sys
import time
import traceback

BENCHMARKS = [
    "importer",
    "turf",
    "sync",
    "offline",
    "van",
    "door",
    "rollup",
    "dashboard",
    "followup",
    "tree",
    "gatherings",
    "plausibility",
    "mail",
]


def print_table(sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
    """Print (title, rows) sections as one two-column table."""
    rows = [row for _, section in sections for row in section]
    width = max([len(measure) for measure, _ in rows] + [20])
    rule = "-" * (width + 2 + max([len(result) for _, result in rows] + [20]))
    print(rule)
    for title, section in sections:
        print(title)
        for measure, result in section:
            print(f"  {measure:<{width}}  {result}")
    print(rule, flush=True)


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}.")
        return 2
    sections, failed = [], False
    for name in names:
        print(f"[bench] {name} ...", flush=True)
        start = time.perf_counter()
        try:
            rows = importlib.import_module(f"bench.{name}").run()
        except Exception:
            traceback.print_exc()
            rows, failed = [("failed", "see the traceback above")], True
        title = f"{name} ({time.perf_counter() - start:.0f} s)"
        sections.append((title, rows))
        print_table([sections[-1]])
    if len(sections) > 1:
        print("\nAll benchmarks")
        print_table(sections)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
