"""Start revision history from what is already there, and let the roles read the audit log.

Without a first historical row, the first edit after upgrading would leave no record of the
text as it stood before it, and nothing to restore.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

TRACKED = [
    "exhibit", "section", "block", "galleryitem", "essay", "annotation", "image", "entity",
    "repository", "archivalreference",
]  # fmt: skip


def record_baseline(apps, schema_editor):
    now = timezone.now()
    for name in TRACKED:
        model = apps.get_model("exhibit", name)
        historical = apps.get_model("exhibit", f"historical{name}")
        fields = [
            f.attname
            for f in historical._meta.concrete_fields
            if not f.name.startswith("history_") and f.attname != "history_user_id"
        ]
        existing = set(historical.objects.values_list("id", flat=True))
        rows = [
            historical(
                **{attname: getattr(obj, attname) for attname in fields},
                history_date=now,
                history_type="+",
                history_change_reason="As it stood when revision history began",
            )
            for obj in model.objects.iterator()
            if obj.pk not in existing
        ]
        historical.objects.bulk_create(rows, batch_size=500)


def grant_audit_view(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view = Permission.objects.filter(
        content_type__app_label="exhibit", codename="view_auditevent"
    )
    for group in Group.objects.filter(name__in=["Curator", "Editor"]):
        group.permissions.add(*view)


class Migration(migrations.Migration):
    dependencies = [("exhibit", "0009_history")]

    operations = [
        migrations.RunPython(record_baseline, migrations.RunPython.noop),
        migrations.RunPython(grant_audit_view, migrations.RunPython.noop),
    ]
