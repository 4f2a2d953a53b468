"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Serving: settings refuse to start without a SECRET_KEY (unless DEBUG is on).
os.environ["EXHIBIT_SERVING"] = "true"

application = get_asgi_application()
