"""Tokens issued before every token had to expire get the longest lifetime a token may now have."""

from datetime import timedelta

from django.db import migrations

# Frozen here (not imported from services) so the migration means the same thing whatever the code later says.
MAX_DAYS = 365


def set_expiry(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at + timedelta(days=MAX_DAYS))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(set_expiry, migrations.RunPython.noop)]
