"""WSGI entry point for gunicorn: ``gunicorn config.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Serving: settings refuse to start without a SECRET_KEY (unless DEBUG is on).
os.environ["EXHIBIT_SERVING"] = "true"

application = get_wsgi_application()
