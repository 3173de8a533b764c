"""The ID rollup: which ID wins, incremental equals full, killed runs, re-imports, the command."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import ContactAttempt, PartyID, Suppression, Voter
from contacts.rollup import COLUMNS, rollup_ids
from contacts.shared import RollupRun, RollupState, SharedAggregate, SharedVoter, TierSource
from tests.cast import make_alice, make_household, make_user, make_voter
from tests.contacts.voter_files import row, run, write_psr

pytestmark = pytest.mark.django_db(databases=["default", "shared"])


def knock(voter, leader, result="talked", *, party_id=None, days_ago=1, household=None, withdrawn=False):
    """Record an attempt (and the ID it learned) as the field app does: received now, entered earlier."""
    attempt = ContactAttempt.objects.create(
        leader=leader,
        voter=None if household else voter,
        household=household,
        channel="door",
        result=result,
        device_time=timezone.now() - timedelta(days=days_ago),
        withdrawn_at=timezone.now() if withdrawn else None,
    )
    if party_id is not None:
        PartyID.objects.create(
            voter=voter, value=party_id, channel="door", leader=leader, attempt=attempt,
            recorded_at=attempt.device_time,
        )  # fmt: skip
    return attempt


def shared(voter) -> SharedVoter:
    return SharedVoter.objects.get(voter_id=voter.pk)


def tables() -> tuple[list, list]:
    voters = list(SharedVoter.objects.order_by("voter_id").values_list(*COLUMNS))
    areas = list(SharedAggregate.objects.order_by("kind", "county", "code").values())
    return voters, [{k: v for k, v in area.items() if k != "id"} for area in areas]


def recomputed() -> tuple[list, list]:
    """Return the shared tables as a full rollup into empty ones makes them."""
    SharedVoter.objects.all().delete()
    SharedAggregate.objects.all().delete()
    RollupState.objects.all().delete()
    rollup_ids(full=True)
    return tables()


def time_passes(*, imports: bool = True):
    """Move everything written so far an hour back, well before the last run's watermark and its overlap.

    Without `imports`, what only imports write (voters, scores) stays: a voter-file ID's date is
    the day an import last changed the voter, and nothing else may change it.
    """
    hour = "interval '1 hour'"
    tables = [
        ("contacts_contactattempt", ["received_at", "withdrawn_at"]),
        ("contacts_suppression", ["updated_at"]),
    ]
    if imports:
        tables += [
            ("contacts_voter", ["updated_at"]),
            ("contacts_score", ["updated_at"]),
            ("contacts_importrun", ["started_at", "finished_at"]),
        ]
    with connection.cursor() as cursor:
        for table, columns in tables:
            moved = ", ".join(f"{c} = {c} - {hour}" for c in columns)
            cursor.execute(f"UPDATE {table} SET {moved}")  # noqa: S608 (constants)


@pytest.fixture
def leader(db):
    return make_alice()


def test_its_columns_are_the_shared_tables():
    assert [field.column for field in SharedVoter._meta.fields] == COLUMNS


def test_the_latest_conversation_id_beats_older_ones(leader):
    voter = make_voter(make_household(None))
    knock(voter, leader, party_id=4, days_ago=30)
    knock(voter, leader, party_id=2, days_ago=3)
    # Synced late, but entered before the last one: it does not win.
    knock(voter, leader, party_id=5, days_ago=10)
    rollup_ids()
    row = shared(voter)
    assert (row.tier, row.tier_source, row.tier_channel) == (2, TierSource.CONVERSATION, "door")
    assert row.tier_on == timezone.localdate(timezone.now() - timedelta(days=3))
    assert row.contacted


def test_a_refusal_does_not_erase_an_id(leader):
    voter = make_voter(make_household(None), declared="Republican")
    knock(voter, leader, party_id=1, days_ago=5)
    knock(voter, leader, "refused", party_id=PartyID.Value.REFUSED, days_ago=1)
    rollup_ids()
    assert (shared(voter).tier, shared(voter).tier_source) == (1, TierSource.CONVERSATION)


def test_the_voter_file_comes_before_a_model_score_which_counts_only_where_no_id_exists(leader):
    household = make_household(None)
    declared = make_voter(household, declared="Democratic", score=10)
    scored_dem, scored_middle, scored_rep = (make_voter(household, score=s) for s in (80, 50, 20))
    identified = make_voter(household, score=90)
    knock(identified, leader, party_id=5)
    nothing = make_voter(household)
    rollup_ids()
    assert (shared(declared).tier, shared(declared).tier_source) == (1, TierSource.VOTER_FILE)
    assert [shared(v).tier for v in (scored_dem, scored_middle, scored_rep)] == [2, 3, 4]
    assert shared(scored_dem).tier_source == TierSource.MODEL_SCORE
    assert shared(scored_middle).model_score == 50
    assert (shared(identified).tier, shared(identified).tier_source) == (5, TierSource.CONVERSATION)
    assert (shared(nothing).tier, shared(nothing).tier_source) == (None, "")


def test_a_withdrawn_attempt_counts_for_nothing(leader):
    voter = make_voter(make_household(None))
    knock(voter, leader, party_id=3, days_ago=9)
    made_up = knock(voter, leader, party_id=1, days_ago=1)
    Suppression.objects.create(voter=voter, reason=Suppression.Reason.HOSTILE, attempt=made_up)
    rollup_ids()
    assert (shared(voter).tier, shared(voter).mail_suppressions) == (1, ["hostile"])
    time_passes()
    ContactAttempt.objects.filter(pk=made_up.pk).update(withdrawn_at=timezone.now())
    rollup_ids()
    assert (shared(voter).tier, shared(voter).mail_suppressions) == (3, [])


def test_only_mail_suppressions_in_force_apply(leader):
    household = make_household(None)
    hostile, moved, confirmed, wrong_number = (make_voter(household) for _ in range(4))
    Suppression.objects.create(voter=hostile, reason=Suppression.Reason.HOSTILE)
    Suppression.objects.create(voter=moved, reason=Suppression.Reason.MOVED)  # waits for a second word
    Suppression.objects.create(
        voter=confirmed, reason=Suppression.Reason.DECEASED, confirmed_at=timezone.now(), confirmed_by=leader
    )
    Suppression.objects.create(voter=wrong_number, reason=Suppression.Reason.WRONG_NUMBER)
    rollup_ids()
    assert [shared(v).mail_suppressions for v in (hostile, moved, confirmed, wrong_number)] == [
        ["hostile"], [], ["deceased"], [],
    ]  # fmt: skip
    county = SharedAggregate.objects.get(kind="county", code="Nodaway")
    assert (county.voters, county.suppressed, county.unidentified) == (4, 2, 4)


def test_a_talk_at_the_door_without_a_name_counts_everyone_there_as_contacted(leader):
    household = make_household(None)
    first, second = make_voter(household), make_voter(household)
    elsewhere = make_voter(make_household(None))
    knock(first, leader, household=household)
    knock(elsewhere, leader, "not_home")
    rollup_ids()
    assert [shared(v).contacted for v in (first, second, elsewhere)] == [True, True, False]


def test_incremental_runs_take_only_touched_voters_and_equal_a_full_recompute(leader):
    household = make_household(None)
    voters = [make_voter(household) for _ in range(5)]
    first = rollup_ids()
    assert (first.full, first.voters_touched, first.rows_changed) == (True, 5, 5)
    time_passes()
    knock(voters[2], leader, party_id=2)
    second = rollup_ids()
    assert (second.full, second.voters_touched, second.rows_changed) == (False, 1, 1)
    assert SharedAggregate.objects.get(kind="county", code="Nodaway").tier_2 == 1
    assert tables() == recomputed()


def test_a_second_run_at_once_does_nothing(leader):
    make_voter(make_household(None))
    seen = []

    def from_another_worker():
        try:
            seen.append(rollup_ids())
        finally:
            connections.close_all()

    def meanwhile():
        worker = threading.Thread(target=from_another_worker)
        worker.start()
        worker.join()

    rollup_ids(after_chunk=meanwhile)
    assert seen == [None]


def test_a_run_killed_after_a_chunk_is_finished_by_the_next(leader):
    household = make_household(None)
    voters = [make_voter(household) for _ in range(7)]
    rollup_ids()
    time_passes()
    for voter in voters:
        knock(voter, leader, party_id=voter.pk % 5 + 1)

    def die():
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        rollup_ids(chunk_voters=3, after_chunk=die)
    state = RollupState.objects.get()
    assert state.run_after == voters[2].pk and SharedVoter.objects.filter(tier__isnull=False).count() == 3
    finished = rollup_ids(chunk_voters=3)
    assert finished.run_id == state.run_id and finished.voters_touched == 7
    assert RollupRun.objects.get(pk=finished.run_id).finished_at is not None
    assert RollupState.objects.get().run_target is None
    assert tables() == recomputed()


def test_a_reimport_that_moves_a_voter_out_of_a_district_updates_their_row(tmp_path, leader):
    make_user("sam@example.org")
    first = write_psr(tmp_path / "a.txt", [row(voter_id="11"), row(voter_id="12", first_name="BO")])
    run("import_voters", first)
    rollup_ids()
    assert set(shared(Voter.objects.get(pk=11)).districts) >= {"20 CN 6", "20 LE 001"}
    time_passes()
    moved = [
        row(voter_id="11", **{"LEGISLATIVE_DISTRICT_20": "20 LE 002"}),
        row(voter_id="12", first_name="BO"),
    ]
    run("import_voters", write_psr(tmp_path / "b.txt", moved))
    done = rollup_ids()
    assert (done.full, done.voters_touched) == (False, 1)
    assert "20 LE 002" in shared(Voter.objects.get(pk=11)).districts
    assert "20 LE 001" not in shared(Voter.objects.get(pk=11)).districts
    old = SharedAggregate.objects.get(kind="district", code="20 LE 001")
    assert old.voters == 1
    assert SharedAggregate.objects.get(kind="district", code="20 LE 002").voters == 1
    # Left out of a full edition and unregistered: gone from the shared database.
    time_passes()
    run("import_voters", write_psr(tmp_path / "c.txt", [row(voter_id="12", first_name="BO")]),
        "--unregister-missing", "--full-edition", "Nodaway")  # fmt: skip
    rollup_ids()
    assert not SharedVoter.objects.filter(voter_id=11).exists()
    assert not SharedAggregate.objects.filter(kind="district", code="20 LE 002").exists()
    assert tables() == recomputed()


def test_a_reimport_that_changes_only_a_doors_address_reaches_the_next_incremental_run(tmp_path, leader):
    make_user("sam@example.org")
    at_the_door = [row(voter_id="21"), row(voter_id="22", first_name="BO")]
    run("import_voters", write_psr(tmp_path / "a.txt", [*at_the_door, row(voter_id="23", house_number="7")]))
    rollup_ids()
    time_passes()
    # Same door (the household's key holds the 5-digit ZIP, not the city or ZIP+4): only the
    # household row changes, no voter row.
    moved = {"residential_city": "MARYVILLE CITY", "residential_zipcode": "64468-1234"}
    again = [
        row(voter_id="21", **moved),
        row(voter_id="22", first_name="BO", **moved),
        row(voter_id="23", house_number="7"),
    ]
    run("import_voters", write_psr(tmp_path / "b.txt", again))
    done = rollup_ids()
    assert (done.full, done.voters_touched, done.rows_changed) == (False, 2, 2)
    assert [(shared(Voter.objects.get(pk=pk)).residence_city, shared(Voter.objects.get(pk=pk)).residence_zip)
            for pk in (21, 22, 23)] == [("MARYVILLE CITY", "64468-1234")] * 2 + [("MARYVILLE", "64468")]  # fmt: skip
    assert tables() == recomputed()


def test_the_command_runs_incremental_or_full(leader):
    make_voter(make_household(None))
    out = io.StringIO()
    call_command("rollup_ids", stdout=out)
    call_command("rollup_ids", "--full", stdout=out)
    assert out.getvalue().splitlines() == [
        "Full rollup: 1 voters rolled up, 1 rows changed.",
        "Full rollup: 1 voters rolled up, 0 rows changed.",
    ]


# --- Incremental equals full, on random histories ---------------------------------------------------

STEP = st.one_of(
    st.tuples(st.just("knock"), st.integers(0, 5), st.sampled_from([None, 1, 2, 3, 4, 5, 9]),
              st.integers(0, 60), st.sampled_from(["talked", "not_home", "refused"])),
    st.tuples(st.just("door"), st.integers(0, 2), st.sampled_from(["talked", "not_home"])),
    st.tuples(st.just("withdraw"), st.integers(0, 40)),
    st.tuples(st.just("suppress"), st.integers(0, 5), st.sampled_from(Suppression.Reason.values), st.booleans()),
    st.tuples(st.just("lift"), st.integers(0, 40)),
    st.tuples(st.just("rollup"), st.booleans()),
)  # fmt: skip


def _play(step, voters, households, leader):
    kind, *args = step
    attempts = list(ContactAttempt.objects.order_by("pk"))
    if kind == "knock":
        voter, value, days_ago, result = voters[args[0]], args[1], args[2], args[3]
        knock(voter, leader, result, party_id=value, days_ago=days_ago)
    elif kind == "door":
        knock(None, leader, args[1], household=households[args[0]])
    elif kind == "withdraw" and attempts:
        ContactAttempt.objects.filter(pk=attempts[args[0] % len(attempts)].pk).update(
            withdrawn_at=timezone.now()
        )
    elif kind == "suppress":
        voter, reason, confirmed = voters[args[0]], args[1], args[2]
        Suppression.objects.create(
            voter=voter, reason=reason, attempt=attempts[-1] if attempts else None,
            confirmed_at=timezone.now() if confirmed else None, confirmed_by=leader if confirmed else None,
        )  # fmt: skip
    elif kind == "lift":
        standing = list(Suppression.objects.filter(dismissed_at__isnull=True, confirmed_at__isnull=True))
        if standing:
            lifted = standing[args[0] % len(standing)]
            lifted.dismissed_at = timezone.now()
            lifted.save(update_fields=["dismissed_at", "updated_at"])
    elif kind == "rollup":
        rollup_ids(chunk_voters=2)
        if args[0]:
            time_passes(imports=False)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, max_size=25))
def test_incremental_rollups_equal_a_full_recompute_on_random_histories(leader, steps):
    with transaction.atomic(), transaction.atomic(using="shared"):
        households = [make_household(None, precinct=f"P{n}") for n in range(3)]
        voters = [
            make_voter(households[n % 3], declared=["", "Democratic", "Libertarian"][n % 3],
                       score=[None, 20, 50, 80][n % 4])
            for n in range(6)
        ]  # fmt: skip
        for n, voter in enumerate(voters):
            Voter.objects.filter(pk=voter.pk).update(districts=[f"20 CN {n % 2}", f"20 LE 00{n % 3}"])
        rollup_ids()
        for step in steps:
            _play(step, voters, households, leader)
        rollup_ids(chunk_voters=2)
        assert tables() == recomputed()
        transaction.set_rollback(True, using="shared")
        transaction.set_rollback(True)


def test_beat_runs_it_every_minute_and_in_full_nightly_as_a_task_that_survives_a_killed_worker(leader):
    from django.conf import settings

    from contacts.tasks import rollup_ids_task

    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "contacts.tasks.rollup_ids_task"
    ]
    assert sorted((e["schedule"], e.get("kwargs", {})) for e in entries) == [
        (timedelta(minutes=1), {}),
        (timedelta(days=1), {"full": True}),
    ]
    assert rollup_ids_task.acks_late and rollup_ids_task.reject_on_worker_lost
    make_voter(make_household(None))
    rollup_ids_task.delay()
    assert SharedVoter.objects.count() == 1 and RollupRun.objects.get().finished_at is not None
