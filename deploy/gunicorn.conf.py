"""gunicorn settings for the exhibit platform (deploy/systemd/exhibit-gunicorn.service).

Under systemd the socket unit hands gunicorn its listening socket and ``bind`` is not used;
run by hand, it listens where ``GUNICORN_BIND`` says.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "unix:/run/exhibit/gunicorn.sock")
# Sync workers suit a site behind nginx, which buffers slow clients and whole uploads.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
# An upload is inspected (header and a decode check) in the request; tiles are made by the
# background worker. Two minutes covers a 1 GiB scan on a slow disk.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Recycle workers now and then, so no slow leak in a library grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Request line and headers: gunicorn's defaults, stated; bodies are limited by nginx and Django.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
# Leave X-Forwarded-For to Django (TRUSTED_PROXY_COUNT); gunicorn's access log shows the peer.
