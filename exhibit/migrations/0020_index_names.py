"""The A–Z indexes' lines (IndexName), filled from the entities there are."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from exhibit.services.index_names import rebuild_all

    rebuild_all(
        apps.get_model("exhibit", "Entity"),
        apps.get_model("exhibit", "IndexName"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exhibit", "0019_search_visible_from"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndexName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("person", "Person"),
                            ("place", "Place"),
                            ("organisation", "Organisation"),
                            ("event", "Event"),
                        ],
                        max_length=16,
                        editable=False,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(editable=False, max_length=255, verbose_name="name")),
                (
                    "sort_key",
                    models.CharField(editable=False, max_length=1024, verbose_name="sort key"),
                ),
                ("letter", models.CharField(editable=False, max_length=4, verbose_name="letter")),
                (
                    "see",
                    models.BooleanField(
                        default=False, editable=False, verbose_name="cross-reference"
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="index_names",
                        to="exhibit.entity",
                    ),
                ),
            ],
            options={
                "verbose_name": "index name",
                "indexes": [
                    models.Index(
                        fields=["kind", "letter", "sort_key"], name="indexname_letter_page"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
