"""Create the Curator and Editor roles and the ``script`` user that scripted changes log as."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = [
    "archivalreference", "block", "contributor", "entity", "essay", "essayauthor",
    "exhibit", "galleryitem", "image", "repository", "section",
]  # fmt: skip
# Rows a curator removes while arranging content inline.
CURATOR_DELETABLE = ["block", "essayauthor", "galleryitem"]
PUBLISH = ["publish_exhibit", "publish_section", "publish_essay"]


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("auth", "User")
    exhibit_perms = Permission.objects.filter(content_type__app_label="exhibit")

    curator_codenames = [
        f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "view")
    ] + [f"delete_{model}" for model in CURATOR_DELETABLE]
    curator, _ = Group.objects.get_or_create(name="Curator")
    curator.permissions.set(exhibit_perms.filter(codename__in=curator_codenames))

    editor_codenames = curator_codenames + PUBLISH + [f"delete_{m}" for m in CONTENT_MODELS]
    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.set(exhibit_perms.filter(codename__in=editor_codenames))

    User.objects.get_or_create(
        username="script",
        defaults={"is_active": False, "password": "!", "first_name": "Scripted changes"},
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Curator", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("exhibit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
