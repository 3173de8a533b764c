"""The apps form a ladder (DESIGN.md section 3), checked by import-linter's contracts in pyproject.toml."""

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Packages outside the ladder: the suite and the benchmarks may import every app.
NOT_APPS = {"tests", "bench"}


def import_linter_options() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_no_app_imports_an_app_above_it():
    if importlib.util.find_spec("importlinter") is None:
        pytest.fail("import-linter is missing: `make install` installs the dev extra that has it.")
    lint = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "0 broken" in lint.stdout


def test_every_app_is_on_the_ladder():
    """Check every package at the top of the repository, so a new app cannot slip past the contract."""
    options = import_linter_options()
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_APPS
    unchecked = sorted(packages - set(options["root_packages"]))
    assert not unchecked, f"Add these packages to root_packages in pyproject.toml: {unchecked}"
    ladder = options["contracts"][0]["layers"]
    named = {name.strip(" ()") for layer in ladder for name in layer.replace(":", "|").split("|")}
    assert not packages - named, f"Put these packages on the ladder's layers: {sorted(packages - named)}"
