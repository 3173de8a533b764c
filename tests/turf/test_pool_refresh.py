"""A committed import refreshes the free pool at once, and never fails for want of a broker."""

import logging

from tests.contacts.voter_files import row, run, write_psr
from turf.models import Cycle


def test_a_committed_import_rebuilds_the_free_pool(cycle, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id="11")]))
    assert Cycle.objects.get(pk=cycle.pk).pool_built_at is not None


def test_a_dry_run_leaves_the_pool_alone(cycle, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id="11")]), "--dry-run")
    assert callbacks == [] and Cycle.objects.get(pk=cycle.pk).pool_built_at is None


def test_with_the_broker_down_the_import_still_succeeds_and_says_so(
    cycle, tmp_path, caplog, dead_broker, django_capture_on_commit_callbacks
):
    # Queueing the refresh fails; the nightly one will do it.
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        output = run("import_voters", write_psr(tmp_path / "psr.txt", [row(voter_id="11")]))
    assert "inserted: 1" in output
    assert "the broker is down" in caplog.text
    assert Cycle.objects.get(pk=cycle.pk).pool_built_at is None
