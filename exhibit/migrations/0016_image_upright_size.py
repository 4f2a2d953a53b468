"""Processing records when it started, so a run its worker never finished can be recognised."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exhibit", "0015_link_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="processing_started",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="processing started"
            ),
        ),
    ]
