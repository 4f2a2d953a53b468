"""Assertions about HTML that tests share."""

from html.parser import HTMLParser

ACTIVE_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "form", "base", "meta"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset"}


class _Inspector(HTMLParser):
    def __init__(self, allowed_tags):
        super().__init__()
        self.allowed_tags = allowed_tags
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS - self.allowed_tags:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name == "style" and tag not in self.allowed_tags:
                self.problems.append(f"{tag}[style]")
            if name in URL_ATTRIBUTES and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag}[{name}={value}]")


def assert_inert(html, allowed_tags=frozenset()):
    """Fail if ``html`` holds anything that could run script: tags, handlers, script URLs."""
    inspector = _Inspector(set(allowed_tags))
    inspector.feed(html)
    assert not inspector.problems, f"active content found: {inspector.problems}"
