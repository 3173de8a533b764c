"""The walk-in match finds voters by name through an index, not by reading the voter table."""

import pytest
from django.db import connection

from contacts.models import Voter
from events.checkin import match_walk_in
from tests.cast import make_household, make_voter


@pytest.mark.parametrize(
    "told", [{"address": "412 Juniper St"}, {"zip_code": "64468"}, {"phone": "6605550123"}]
)
def test_the_walk_in_name_lookup_uses_the_name_index(db, told):
    make_voter(make_household(None, street="Juniper", number=412), first="JO", last="MARCH")
    # Enough other voters, with their statistics, that reading the table costs more than the index.
    Voter.objects.bulk_create(
        Voter(id=900_000_000 + n, first_name=f"FIRST{n}", last_name=f"LAST{n}") for n in range(5000)
    )
    sent = []

    def capture(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        match_walk_in(name="Jo March", **told)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_voter")
        cursor.execute("EXPLAIN " + sent[0][0], sent[0][1])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "voter_registered_name" in plan, plan
