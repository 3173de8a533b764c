from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('events', '0003_sync_request_counts'),
    ]

    # The sync API's rate limit moves with the sync API. The table stays (unlogged, as events made
    # it): the model takes over events_requestcount, then the table gets this app's name.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.CreateModel(
            name='RequestCount',
            fields=[
                ('key', models.CharField(max_length=80, primary_key=True, serialize=False)),
                ('window_start', models.BigIntegerField(help_text='The minute counted, in minutes since the epoch.')),
                ('count', models.IntegerField()),
            ],
            options={'db_table': 'events_requestcount'},
        )]),
        migrations.AlterModelTable(name='requestcount', table=None),
    ]
