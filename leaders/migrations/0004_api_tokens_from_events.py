import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leaders', '0003_encrypt_mfa_secrets'),
        ('events', '0003_sync_request_counts'),
    ]

    # API tokens are sign-in for phones, so they move from events to accounts. The table and its rows
    # stay: the model takes over events_apitoken, then the table gets this app's name.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='Which device or script holds it.', max_length=60)),
                ('digest', models.CharField(editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'events_apitoken',
                'constraints': [models.CheckConstraint(condition=models.Q(('revoked_by', None), models.Q(('revoked_at', None), _negated=True), _connector='OR'), name='api_token_revoked_with_time')],
            },
        )]),
        migrations.AlterModelTable(name='apitoken', table=None),
    ]
