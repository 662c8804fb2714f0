"""Plain HTTP to gunicorn, as a browser behind the reverse proxy would send it.

The proxy terminates TLS and passes each request on over HTTP with the site's host name
and ``X-Forwarded-Proto: https``; this client does the same, keeps cookies as a browser
keeps them (the Secure ones too: to the browser the site is HTTPS), and fills in and
sends the forms it finds on a page, with their hidden fields, as a browser sends them.
Only the standard library: no test client, nothing between the test and the socket.
"""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import Morsel, SimpleCookie

REDIRECTS = {301, 302, 303, 307, 308}


@dataclass
class Field:
    """An input, a textarea, a button, or one option of a select, with its label."""

    name: str
    kind: str  # the input's type, "textarea", "button" or "option"
    value: str
    checked: bool = False
    label: str = ""
    id: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    text: str = ""

    def choice(self, name: str, label: str) -> str:
        """The value of the tick box, radio button or option of ``name`` labelled ``label``."""
        for item in self.fields:
            if (
                item.name == name
                and item.kind in {"checkbox", "radio", "option"}
                and label in item.label
            ):
                return item.value
        labels = [item.label for item in self.fields if item.name == name]
        raise AssertionError(f"No {label!r} among the choices for {name!r}: {labels}")

    def choices(self, name: str) -> list[Field]:
        return [
            item
            for item in self.fields
            if item.name == name and item.kind in {"checkbox", "radio", "option"}
        ]

    def data(
        self, answers: dict[str, str | list[str]], button: str | None = None
    ) -> list[tuple[str, str]]:
        """What the browser sends: each field as the page set it, unless answered, and
        the name and value of the button pressed (chosen by its text), if it has one."""
        sent: list[tuple[str, str]] = []
        selects: dict[str, list[Field]] = {}
        for item in self.fields:
            if item.name in answers or not item.name:
                continue
            if item.kind == "option":
                selects.setdefault(item.name, []).append(item)
            elif item.kind in {"checkbox", "radio"}:
                if item.checked:
                    sent.append((item.name, item.value))
            elif item.kind not in {"button", "submit", "reset", "image", "file"}:
                sent.append((item.name, item.value))
        for name, options in selects.items():
            chosen = [option for option in options if option.checked] or options[:1]
            sent += [(name, option.value) for option in chosen]
        for name, value in answers.items():
            sent += [(name, one) for one in ([value] if isinstance(value, str) else value)]
        if button is not None:
            pressed = [
                item
                for item in self.fields
                if item.kind in {"button", "submit"} and item.label.strip() == button
            ]
            assert pressed, f"No button {button!r} in the form to {self.action}"
            if pressed[0].name:
                sent.append((pressed[0].name, pressed[0].value))
        return sent


class _PageParser(HTMLParser):
    """Collects the forms (their fields and labels) and the links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []
        self.labels: dict[str, str] = {}
        self._form: Form | None = None
        self._select: str | None = None
        self._text: list[list[str]] = []  # one buffer per element whose text is wanted
        self._open: list[tuple[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(action=attr.get("action", ""), method=attr.get("method", "get"))
            self.forms.append(self._form)
        elif tag == "a" and "href" in attr:
            self._start_text(tag, attr["href"])
        elif tag == "label":
            self._start_text(tag, attr.get("for", ""))
        elif self._form is None:
            return
        elif tag == "input":
            kind = attr.get("type", "text").lower()
            default = "on" if kind in {"checkbox", "radio"} else ""
            self._form.fields.append(
                Field(
                    name=attr.get("name", ""),
                    kind=kind,
                    value=attr.get("value", default),
                    checked="checked" in attr,
                    label=attr.get("value", "") if kind == "submit" else "",
                    id=attr.get("id", ""),
                )
            )
        elif tag == "select":
            self._select = attr.get("name", "")
        elif tag == "option" and self._select is not None:
            option = Field(self._select, "option", attr.get("value"), "selected" in attr)
            self._form.fields.append(option)
            self._start_text(tag, option)
        elif tag in {"textarea", "button"}:
            item = Field(
                name=attr.get("name", ""),
                kind="textarea" if tag == "textarea" else attr.get("type", "submit"),
                value=attr.get("value", ""),
                id=attr.get("id", ""),
            )
            self._form.fields.append(item)
            self._start_text(tag, item)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        if self._open and self._open[-1][0] == tag:
            _, target = self._open.pop()
            text = " ".join("".join(self._text.pop()).split())
            if tag == "a":
                self.links.append((str(target), text))
            elif tag == "label":
                self.labels[str(target)] = text
            elif isinstance(target, Field):
                if target.kind == "textarea":
                    target.value = text
                else:
                    target.label = text
                    if target.kind == "option" and target.value is None:
                        target.value = text

    def handle_data(self, data: str) -> None:
        for buffer in self._text:
            buffer.append(data)
        if self._form is not None:
            self._form.text += data

    def _start_text(self, tag: str, target: object) -> None:
        self._open.append((tag, target))
        self._text.append([])

    def close(self) -> None:
        super().close()
        for form in self.forms:
            for item in form.fields:
                if item.id and item.id in self.labels and not item.label:
                    item.label = self.labels[item.id]


@dataclass
class Page:
    status: int
    path: str
    headers: http.client.HTTPMessage
    text: str

    def _parsed(self) -> _PageParser:
        parser = _PageParser()
        parser.feed(self.text)
        parser.close()
        return parser

    def form(self, containing: str) -> Form:
        """The page's form whose action or visible text contains ``containing``."""
        forms = self._parsed().forms
        for form in forms:
            if containing in form.action or containing in " ".join(form.text.split()):
                return form
        raise AssertionError(
            f"No form with {containing!r} on {self.path}: {[form.action for form in forms]}"
        )

    def link(self, text: str) -> str:
        """The address of the first link whose text contains ``text``."""
        links = self._parsed().links
        for href, words in links:
            if text in words:
                return href
        raise AssertionError(f"No link {text!r} on {self.path}: {[w for _, w in links]}")


class Browser:
    """One person's browser, talking to gunicorn on 127.0.0.1 through the proxy's eyes."""

    def __init__(self, port: int, host: str) -> None:
        self.port = port
        self.host = host
        self.origin = f"https://{host}"
        self.cookies: dict[str, Morsel] = {}
        self.set_cookies: list[Morsel] = []  # every cookie the site gave, as it gave it
        self.page: Page | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        data: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        forwarded_proto: str | None = "https",
        follow: bool = True,
    ) -> Page:
        for _ in range(10):
            page = self._once(method, path, data, headers, forwarded_proto)
            location = page.headers.get("Location")
            if not follow or page.status not in REDIRECTS or not location:
                self.page = page
                return page
            target = urllib.parse.urlsplit(urllib.parse.urljoin(self.origin + path, location))
            if f"{target.scheme}://{target.netloc}" != self.origin:
                return page  # off the site: not followed
            path = target.path + (f"?{target.query}" if target.query else "")
            if page.status in {301, 302, 303}:
                method, data = "GET", None
        raise AssertionError(f"Too many redirects from {path}")

    def get(self, path: str, **options) -> Page:
        return self.request("GET", path, **options)

    def submit(
        self,
        form: Form,
        answers: dict[str, str | list[str]] | None = None,
        button: str | None = None,
    ) -> Page:
        """Send ``form`` from the current page as the browser would."""
        assert self.page is not None
        action = form.action or self.page.path
        fields = form.data(answers or {}, button)
        if form.method.lower() == "get":
            query = urllib.parse.urlencode(fields)
            return self.get(f"{urllib.parse.urlsplit(action).path or self.page.path}?{query}")
        return self.request("POST", action, data=fields)

    def _once(self, method, path, data, extra_headers, forwarded_proto) -> Page:
        headers = {"Host": self.host, "User-Agent": "contactpolicy-smoke-test"}
        if forwarded_proto:
            headers["X-Forwarded-Proto"] = forwarded_proto
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={m.value}" for name, m in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # A browser says where a form came from; Django checks it on HTTPS.
            headers["Origin"] = self.origin
            if self.page is not None:
                headers["Referer"] = self.origin + self.page.path
        headers.update(extra_headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)  # a deletion: nothing is kept
                else:
                    self.cookies[name] = morsel
                    self.set_cookies.append(morsel)
        return Page(response.status, path, response.headers, text)
