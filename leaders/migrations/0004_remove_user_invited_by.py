"""The recruiter lives on the leader's profile now (backfilled in 0003): one place for one fact."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("leaders", "0003_backfill_profiles")]

    operations = [migrations.RemoveField(model_name="user", name="invited_by")]
