"""Markdown to safe HTML: one parser, one sanitiser allowlist for every curator-written field."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre",
    "q", "s", "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title"},
    "a": {"href"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Remove everything outside the allowlist: scripts, event handlers, ``javascript:`` URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_HREF = re.compile(r'<a href="([^"]*)"')


def safe_url(url: str) -> str:
    """``url`` if the allowlist lets it be a link (http, https, mailto, or relative), else "".

    For curator-entered URL fields shown as links: the value goes through the same nh3
    allowlist as rendered Markdown, so ``javascript:`` in any spelling never becomes a link.
    """
    if not url or not url.strip():
        return ""
    cleaned = nh3.clean(
        f'<a href="{html.escape(url.strip(), quote=True)}"></a>',
        tags={"a"},
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )
    match = _HREF.match(cleaned)
    return html.unescape(match[1]) if match else ""


def _render_figure(renderer, tokens, idx, options, env):
    """``::: figure`` … ``:::`` is a figure whose picture is still to come, with its caption."""
    if tokens[idx].nesting == 1:
        return '<figure class="figure-placeholder">\n<figcaption>\n'
    return "</figcaption>\n</figure>\n"


def _parser(heading_anchors: bool) -> MarkdownIt:
    # Raw HTML in the source is escaped, not passed through; the sanitiser is a second wall.
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "linkify": False})
    md.enable(["replacements", "smartquotes", "table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(container_plugin, name="figure", render=_render_figure)
    if heading_anchors:
        md.use(anchors_plugin, min_level=2, max_level=4, slug_func=slugify, permalinkSymbol="¶")
    return md


_PARSERS = {True: _parser(True), False: _parser(False)}


@dataclass
class Rendered:
    html: str
    headings: list[dict] = field(default_factory=list)
    word_count: int = 0


_HEADING = re.compile(r'<h([2-4]) id="([^"]+)">(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def render_markdown(source: str, *, heading_anchors: bool = False, doc_id: str = "") -> Rendered:
    """Render curator Markdown (with footnotes) to sanitised HTML, listing its headings.

    ``doc_id`` prefixes footnote ids, so several rendered pieces can share one page.
    """
    env = {"docId": doc_id} if doc_id else {}
    html = sanitize_html(_PARSERS[heading_anchors].render(source or "", env))
    headings = [
        {"level": int(level), "id": anchor, "text": _TAG.sub("", inner).strip()}
        for level, anchor, inner in _HEADING.findall(html)
    ]
    words = len(_TAG.sub(" ", html).split())
    return Rendered(html=html, headings=headings, word_count=words)


def render_inline(source: str) -> str:
    """Render one paragraph of Markdown (a caption, a quotation) without the <p> wrapper."""
    return sanitize_html(_PARSERS[False].renderInline(source or ""))
