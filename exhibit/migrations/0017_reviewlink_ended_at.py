from django.db import migrations, models
from django.utils import timezone


def end_links_of_published_exhibits(apps, schema_editor):
    """Links to an exhibit published today are already dead; they stay dead if it is later
    unpublished."""
    ReviewLink = apps.get_model("exhibit", "ReviewLink")
    ReviewLink.objects.filter(exhibit__status="published").update(ended_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("exhibit", "0016_image_upright_size"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewlink",
            name="ended_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the exhibit was published, which ends the link for good.",
                null=True,
                verbose_name="ended",
            ),
        ),
        migrations.RunPython(end_links_of_published_exhibits, migrations.RunPython.noop),
    ]
