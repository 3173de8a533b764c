"""Give API tokens a lifetime, a last use and a revocation; tokens issued before expire on schedule."""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import ExpressionWrapper, F


def expire_on_schedule(apps, schema_editor):
    # Tokens issued before tokens expired get the lifetime counted from their own issue date.
    ApiToken = apps.get_model("events", "ApiToken")
    lifetime = timedelta(days=settings.API_TOKEN_DAYS)
    ApiToken.objects.filter(expires_at=None).update(
        expires_at=ExpressionWrapper(F("created_at") + lifetime, output_field=models.DateTimeField())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_on_schedule, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("revoked_by", None), models.Q(("revoked_at", None), _negated=True), _connector="OR"),
                name="api_token_revoked_with_time",
            ),
        ),
    ]
