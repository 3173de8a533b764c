from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0003_sync_request_counts'),
        ('leaders', '0004_api_tokens_from_events'),
        ('field', '0001_request_counts_from_events'),
    ]

    # Their tables now belong to leaders (API tokens) and field (sync request counts): forget the
    # models here without touching the tables.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveConstraint(model_name='apitoken', name='api_token_revoked_with_time'),
            migrations.DeleteModel(name='RequestCount'),
            migrations.DeleteModel(name='ApiToken'),
        ]),
    ]
