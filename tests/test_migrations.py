"""Migrations read as the models: one initial migration per app (then only what came after the
squash), and a fresh `migrate` builds it all."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# contacts needs two: its attempts point at leaders' User, whose home points at contacts' Voter.
# Its third adds the shared ID database's tables (migrated there alone) and withdrawn attempts; the
# rest add one thing each, as their names say.
INITIAL = {
    "contacts": [
        "0001_initial",
        "0002_initial",
        "0003_shared_database_and_withdrawals",
        "0004_export_audit",
        "0005_plausibility_flags",
        "0006_export_admin_kinds",
        "0007_voter_registered_name",
        "0008_van_ids_and_address_units",
        "0009_export_rejects",
    ],
    "leaders": [
        "0001_initial",
        "0002_leader_pipeline",
        "0003_backfill_profiles",
        "0004_remove_user_invited_by",
        "0005_invitation_revoked",
    ],
    "turf": ["0001_initial"],
    "events": [
        "0001_initial",
        "0002_gathering_end_notes_and_mailings",
        "0003_speakers_and_check_in",
        "0004_attendee_prospect",
        "0005_mailing_seat_opened",
    ],
    "candidates": ["0001_initial"],
    "field": ["0001_initial"],
    "dashboard": ["0001_goals_and_county_classes", "0002_coordinator_changes", "0003_county_summaries"],
}


def test_each_app_starts_from_its_initial_migration():
    found = {
        app: sorted(path.stem for path in (ROOT / app / "migrations").glob("0*.py"))
        for app in sorted({path.parent.parent.name for path in ROOT.glob("*/migrations/__init__.py")})
    }
    assert found == INITIAL


def test_the_models_need_no_new_migration(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _all(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_a_fresh_database_has_what_the_models_cannot_declare(db):
    # The cutter's nearest-neighbour searches: earthdistance over cube, and GiST indexes on ll_to_earth().
    assert _one("SELECT count(*) FROM pg_extension WHERE extname IN ('cube', 'earthdistance')") == (2,)
    for index, table in (
        ("turf_household_earth", "contacts_household"),
        ("turf_poolvoter_earth", "turf_poolvoter"),
    ):
        definition = _one("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])[0]
        assert f"ON public.{table} USING gist (ll_to_earth(latitude, longitude))" in definition
    assert (
        "WHERE ((latitude IS NOT NULL) AND (longitude IS NOT NULL))"
        in _one("SELECT indexdef FROM pg_indexes WHERE indexname = 'turf_household_earth'")[0]
    )
    # The sync API's rate-limit counts skip the write-ahead log.
    assert _one("SELECT relpersistence FROM pg_class WHERE relname = 'field_requestcount'") == ("u",)
    # Keys and codes sort byte by byte.
    collations = {
        (table, column): collation
        for table, column, collation in _all(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_name IN ('contacts_household', 'contacts_voter') AND collation_name IS NOT NULL"
        )
    }
    assert collations == {
        ("contacts_household", "address_key"): "C",
        ("contacts_household", "street_name"): "C",
        ("contacts_household", "county"): "C",
        ("contacts_household", "precinct"): "C",
        ("contacts_voter", "county"): "C",
        ("contacts_voter", "precinct"): "C",
    }


def test_migrate_refuses_a_database_made_by_the_migrations_before_the_squash(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('contacts', '0003_voter_file', now())"
        )
    with pytest.raises(SystemCheckError, match=r"(?s)contacts\.0003_voter_file.*make clean"):
        call_command("migrate", "--noinput", skip_checks=False, stdout=io.StringIO())


def test_migrate_accepts_this_database(db):
    call_command("migrate", "--noinput", skip_checks=False, stdout=io.StringIO())
    call_command("check", databases=["default"], stdout=io.StringIO())
