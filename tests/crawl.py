"""A crawler over the public site, as a visitor (or a reviewer) would follow it."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import Resolver404, resolve

SITE = "http://testserver"
URL_ATTRIBUTES = {"href", "src", "srcset", "data-manifest", "data-info", "data-tile-source"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value:
                continue
            if name == "srcset":
                self.links += [part.strip().split(" ")[0] for part in value.split(",")]
            elif name in URL_ATTRIBUTES or (name.startswith("data-") and "/" in value):
                self.links.append(value)


def _json_links(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _json_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_links(item)
    elif isinstance(value, str) and value.startswith(SITE):
        yield value


def _local(url, base):
    url = urldefrag(urljoin(base, url)).url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(("/admin/", "/static/")):
        return None
    if not path.startswith(settings.MEDIA_URL):
        try:
            resolve(parts.path)
        except Resolver404:
            return None  # a JSON-LD identifier that names a thing but is not a page (a Canvas)
    return path


def _tile_links(info):
    """The listed sizes of a IIIF level-0 ``info.json``, as image URLs."""
    return [f"{info['id']}/full/{s['width']},{s['height']}/0/default.jpg" for s in info["sizes"]]


def crawl(start=("/",), client=None, files=True, within="/"):
    """Every page a visitor can reach from ``start``, with JSON-LD, manifests, info.json and
    (with ``files``) the public media files and IIIF tiles: ``{path: (status, type, body)}``.
    Only links under ``within`` are followed."""
    cache.clear()
    client = client or Client()
    seen, queue, pages = set(), list(start), {}
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.startswith(settings.MEDIA_URL):
            if files:
                file = settings.MEDIA_ROOT / path[len(settings.MEDIA_URL) :]
                pages[path] = (200, "media", file.read_bytes()) if file.exists() else (404, "", b"")
            continue
        response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
        kind = response.get("Content-Type", "")
        pages[path] = (response.status_code, kind, body)
        if response.status_code != 200:
            continue
        found = []
        if "html" in kind:
            if re.fullmatch(r"/(essays|images)/[^/]+/", path):
                queue.append(f"{path}annotations/")  # W3C collections, found by convention
            parser = _Links()
            parser.feed(body.decode())
            found = parser.links
        elif "json" in kind:
            data = json.loads(body)
            found = list(_json_links(data))
            if files and path.endswith("/info.json"):
                found += _tile_links(data)
        for link in found:
            local = _local(link, SITE + path)
            if local and local not in seen and local.startswith(within):
                queue.append(local)
    return pages
