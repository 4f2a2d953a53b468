"""Give the roles their permissions on annotations and essay revisions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="exhibit")
    # Curators annotate and retire notes; they do not delete them. Revisions are a record.
    curator = ["add_annotation", "change_annotation", "view_annotation", "view_essayrevision"]
    editor = [*curator, "delete_annotation"]
    for name, codenames in (("Curator", curator), ("Editor", editor)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms.filter(codename__in=codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Curator", "Editor"]):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="exhibit",
                content_type__model__in=["annotation", "essayrevision"],
            )
        )


class Migration(migrations.Migration):
    dependencies = [("exhibit", "0003_annotations")]

    operations = [migrations.RunPython(grant, revoke)]
