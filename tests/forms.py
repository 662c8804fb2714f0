"""What a browser would send from a page's form, for tests that post it back changed."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    """The values a browser would send from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button"}:
            if attrs.get("type") == "checkbox":
                if "value" in attrs:  # one of several choices under one name
                    self.data.setdefault(name, [])
                    if "checked" in attrs:
                        self.data[name].append(attrs["value"])
                elif "checked" in attrs:
                    self.data[name] = "on"
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.lstrip("\n") if not self.data[self._textarea] else data
            )


def change_form(client, url: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(client.get(url).text)
    return parser.data
