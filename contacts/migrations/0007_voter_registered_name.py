"""Index registered voters by name, as the door's walk-in match looks them up.

Built concurrently: statewide the voter table has millions of rows, and a plain CREATE INDEX would
hold every write to it for the build's minutes.
"""

import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contacts", "0006_export_admin_kinds"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="voter",
            index=models.Index(
                django.db.models.functions.text.Upper("last_name"),
                django.db.models.functions.text.Upper("first_name"),
                condition=models.Q(("is_registered", True)),
                name="voter_registered_name",
            ),
        ),
    ]
