"""The shared ID database is a real second database, and candidates' connection may only read it."""

import pytest
from django.db import DatabaseError, connections

from contacts.shared import SharedVoter

pytestmark = pytest.mark.django_db(databases=["default", "shared", "shared_reader"])


@pytest.fixture(autouse=True)
def _close_the_reader():
    """Close the reader's own connection, which the test database's teardown would wait for."""
    yield
    connections["shared_reader"].close()


def _tables(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        return set(connections[alias].introspection.table_names(cursor))


def test_the_test_set_up_creates_both_databases_and_splits_the_tables_between_them():
    default, shared = connections["default"].settings_dict, connections["shared"].settings_dict
    assert shared["NAME"] == default["NAME"] + "_shared"
    program, ids = _tables("default"), _tables("shared")
    assert {"contacts_voter", "contacts_contactattempt", "leaders_user"} <= program
    assert {"contacts_sharedvoter", "contacts_sharedaggregate", "contacts_rollupstate"} <= ids
    assert not {name for name in ids if name.startswith("contacts_")} & program
    assert {name for name in ids if not name.startswith("contacts_")} == {"django_migrations"}


def test_the_reader_reads_the_shared_tables_as_its_own_role():
    reader = connections["shared_reader"]
    assert reader.settings_dict["NAME"] == connections["shared"].settings_dict["NAME"]
    with reader.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (reader.settings_dict["USER"],)
    assert reader.settings_dict["USER"] != connections["shared"].settings_dict["USER"]
    assert SharedVoter.objects.for_candidates().count() == 0


@pytest.mark.parametrize(
    "table", ["contacts_voter", "contacts_contactattempt", "contacts_phone", "leaders_user"]
)
def test_a_query_on_a_program_table_through_the_reader_fails(table):
    with (
        pytest.raises(DatabaseError, match="does not exist"),
        connections["shared_reader"].cursor() as cursor,
    ):
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a constant)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO contacts_sharedaggregate (kind, county, code, voters, tier_1, tier_2, tier_3, tier_4,"
        " tier_5, unidentified, from_conversation, from_voter_file, from_model_score, contacted, suppressed)"
        " VALUES ('county', 'X', 'X', 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0)",
        "UPDATE contacts_sharedvoter SET tier = 1",
        "DELETE FROM contacts_rollupstate",
        "TRUNCATE contacts_sharedvoter",
        "CREATE TABLE contacts_notes (note text)",
    ],
)
def test_a_write_through_the_reader_fails(statement):
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        connections["shared_reader"].cursor() as cursor,
    ):
        cursor.execute(statement)
