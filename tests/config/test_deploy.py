"""deploy/: the documented production environment passes Django's deployment checks, and the
nginx, gunicorn and systemd files agree with the settings and with each other."""

import re
import runpy
import secrets
from pathlib import Path

from django.conf import settings

from tests.config.test_settings import manage

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "exhibit.conf").read_text()


def env_example():
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_check_deploy_is_silent_with_the_documented_production_environment(tmp_path):
    env = env_example()
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        # No database server is needed for the checks; the rest is as documented.
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_ROOT=str(tmp_path / "private"),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_nginx_takes_the_same_request_size_as_django():
    size = re.search(r"client_max_body_size (\d+)m;", NGINX)
    assert size, "client_max_body_size is missing"
    assert int(size.group(1)) * 1024 * 1024 == settings.REQUEST_MAX_BYTES
    assert settings.REQUEST_MAX_BYTES == (
        settings.IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    assert str(settings.REQUEST_MAX_BYTES) in (ROOT / ".env.example").read_text()


def test_nginx_serves_tiles_only_after_django_and_media_never_as_a_page():
    env = env_example()
    tiles = re.search(
        r"location (\S+) \{\s*internal;\s*alias (\S+);",
        NGINX[NGINX.index("location " + env["IIIF_ACCEL_REDIRECT"]) :],
    )
    assert tiles, "the IIIF location must be internal"
    assert tiles.group(1) == env["IIIF_ACCEL_REDIRECT"]
    assert tiles.group(2) == env["PRIVATE_ROOT"] + "/iiif/"
    # Renditions only after Django's check: /media/ serves no file, old URLs move.
    media = NGINX[NGINX.index("location /media/") :]
    media = media[: media.index("\n    }\n")]
    assert "root " not in media and "alias " not in media
    assert "return 301 /renditions/$2/$3.$4;" in media
    assert "return 404;" in media
    renditions = re.search(
        r"location (\S+) \{\s*internal;\s*alias (\S+);",
        NGINX[NGINX.index("location " + env["RENDITION_ACCEL_REDIRECT"]) :],
    )
    assert renditions, "the renditions location must be internal"
    assert renditions.group(1) == env["RENDITION_ACCEL_REDIRECT"]
    assert renditions.group(2) == env["MEDIA_ROOT"] + "/derivatives/"
    block = NGINX[NGINX.index("location " + env["RENDITION_ACCEL_REDIRECT"]) :]
    block = block[: block.index("\n    }\n")]
    assert "default_type application/octet-stream;" in block
    assert "add_header X-Content-Type-Options nosniff always;" in block
    assert "sandbox" in block
    assert "text/html" not in block and "svg" not in block
    # Review and preview answers: the same files, with headers of their own.
    private = env["RENDITION_ACCEL_REDIRECT"].rstrip("/") + "-private/"
    block = NGINX[NGINX.index(f"location {private} {{") :]
    block = block[: block.index("\n    }\n")]
    assert "internal;" in block and f"alias {env['MEDIA_ROOT']}/derivatives/;" in block
    assert 'add_header X-Robots-Tag "noindex, nofollow" always;' in block
    assert "add_header Referrer-Policy no-referrer always;" in block
    assert "add_header X-Content-Type-Options nosniff always;" in block
    assert "Access-Control-Allow-Origin" not in block and "text/html" not in block
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    assert "return 301 https://$host$request_uri;" in NGINX


def test_gunicorn_and_systemd_files_fit_together():
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "unix:/run/exhibit/gunicorn.sock"
    assert "server unix:/run/exhibit/gunicorn.sock" in NGINX
    socket = (DEPLOY / "systemd" / "exhibit-gunicorn.socket").read_text()
    assert "ListenStream=/run/exhibit/gunicorn.sock" in socket
    web = (DEPLOY / "systemd" / "exhibit-gunicorn.service").read_text()
    assert "--config /srv/exhibit/app/deploy/gunicorn.conf.py config.wsgi" in web
    worker = (DEPLOY / "systemd" / "exhibit-worker.service").read_text()
    assert "manage.py db_worker" in worker
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/exhibit/exhibit.env" in unit
        assert "ReadWritePaths=/srv/exhibit/media /srv/exhibit/private" in unit


def test_nginx_sends_originals_only_after_django_with_the_security_headers():
    env = env_example()
    originals = re.search(
        r"location (\S+) \{\s*internal;\s*alias (\S+);",
        NGINX[NGINX.index("location " + env["DOWNLOAD_ACCEL_REDIRECT"]) :],
    )
    assert originals, "the originals location must be internal"
    assert originals.group(1) == env["DOWNLOAD_ACCEL_REDIRECT"]
    assert originals.group(2) == env["PRIVATE_ROOT"] + "/originals/"
    block = NGINX[originals.start() + NGINX.index("location " + env["DOWNLOAD_ACCEL_REDIRECT"]) :]
    block = block[: block.index("\n    }\n")]
    # add_header in a location drops the server's: every security header is set here again.
    for header in (
        "Strict-Transport-Security", "X-Content-Type-Options nosniff",
        "Content-Security-Policy \"default-src 'none'; sandbox\"",
        "Cross-Origin-Resource-Policy same-origin", "Referrer-Policy", "X-Frame-Options DENY",
    ):  # fmt: skip
        assert f"add_header {header}" in block, header
    # Django's Content-Type and Content-Disposition come through: no types map overrides them.
    assert "types {" not in block
