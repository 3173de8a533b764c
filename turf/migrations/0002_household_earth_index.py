"""Nearest-household search for the cutter: cube + earthdistance and a GiST index on geocodes.

The index sits on contacts_household, which the contacts app owns; it is an expression index
(no column of contacts changes), created here because only the turf cutter reads it.
"""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("turf", "0001_initial"),
        ("contacts", "0002_initial"),
    ]

    operations = [
        CreateExtension("cube"),
        CreateExtension("earthdistance"),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS turf_household_earth ON contacts_household "
            "USING gist (ll_to_earth(latitude, longitude)) "
            "WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
            "DROP INDEX IF EXISTS turf_household_earth",
        ),
    ]
