"""Deployment: settings come from the environment alone, and production values are safe."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)), **env}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_silent_with_production_values(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="exhibit.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_serving_without_a_secret_key_is_refused_when_debug_is_off():
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": str(ROOT), "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_management_commands_run_without_a_key_but_say_so_and_deploy_check_fails():
    migrations = manage("makemigrations", "--check", "--dry-run", DEBUG="false")
    assert migrations.returncode == 0, migrations.stderr
    assert "exhibit.W001" in migrations.stderr
    deploy = manage("check", "--deploy", DEBUG="false")
    assert deploy.returncode != 0
    assert "exhibit.E001" in deploy.stderr


def test_debug_is_off_unless_asked():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY=secrets.token_urlsafe(50),
    )  # fmt: skip
    assert result.stdout.strip().endswith("False"), result.stderr


SHOW_STORAGE = (
    "from django.conf import settings as s; "
    "print(s.STORAGES['default']['BACKEND'], s.AWS_STORAGE_BUCKET_NAME, s.AWS_S3_ENDPOINT_URL, "
    "s.AWS_QUERYSTRING_AUTH, s.AWS_S3_FILE_OVERWRITE, s.AWS_S3_CUSTOM_DOMAIN)"
)


def test_media_storage_is_local_by_default():
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings as s; "
                    "print(s.STORAGES['default']['BACKEND'])", DEBUG="true")  # fmt: skip
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage", result.stderr


def test_s3_media_storage_is_configured_from_the_environment():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        SHOW_STORAGE,
        DEBUG="true",
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="exhibit-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.org",
        AWS_S3_CUSTOM_DOMAIN="media.exhibit.example.org",
    )
    assert result.stdout.split() == [
        "exhibit.storage_s3.PublicMediaS3Storage",
        "exhibit-media",
        "https://s3.example.org",
        "False",
        "False",
        "media.exhibit.example.org",
    ], result.stderr


def test_s3_media_storage_without_a_bucket_is_refused():
    result = manage("check", DEBUG="true", MEDIA_STORAGE="s3")
    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_an_unknown_media_storage_or_log_format_is_refused():
    assert (
        "MEDIA_STORAGE must be local or s3"
        in manage("check", DEBUG="true", MEDIA_STORAGE="nfs").stderr
    )
    assert (
        "LOG_FORMAT must be json or text" in manage("check", DEBUG="true", LOG_FORMAT="xml").stderr
    )


def database_options(**env):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))",
        SECRET_KEY="x" * 50,
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_connections_turn_jit_off_unless_asked():
    url = "postgres://postgres@127.0.0.1:5432/test"
    assert "-c jit=off" in database_options(DATABASE_URL=url)
    assert "jit" not in database_options(DATABASE_URL=url, POSTGRES_JIT="true")
    # Options the deployer gave in the URL are kept.
    kept = database_options(DATABASE_URL=f"{url}?options=-c%20statement_timeout%3D5000")
    assert "statement_timeout=5000" in kept and "jit=off" in kept
    assert "jit" not in database_options(DATABASE_URL="sqlite:///:memory:")


def test_the_apps_postgresql_connection_runs_without_jit(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # the suite also runs on SQLite, which has no JIT
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
