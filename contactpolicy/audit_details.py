"""How the audit history reads an event (R34, #21): its details in words, with names and
links to the records they name, never ids and dictionaries; and which events' details
are confidential.

The apps fill three registries, each in its ``audit_details.py`` (imported with every
app's ``audit_actions.py`` when the project starts, ``contactpolicy/apps.py``):

* **keys**: how a key of an event's data reads. Its label; the kind of record its value
  names by id (``refers_to``); the labels of the values it holds (``choices``: a status,
  a role, an outcome); that its values are field names to put in words (``words``); or
  that it is not shown (``hidden``). A key is declared for everyone, for the actions of
  one app (its heading in the filter), or for one action
  (``actions.add(code, label, keys={...})``): the narrowest declaration wins. A key
  nobody declares reads as its name in words, with its value as it is (a date as a date).
* **references**: how the ids of one kind of record read for the person reading, a page
  of events at a time: its name, and a link where that person may open it. One call per
  kind of record for the whole page (a query or two), however many events it has.
* **confidential records**: which records of a kind are safeguarding information (a
  concern, a referral, LADO advice). Every event about one is confidential, whatever
  its action, as is every event of an action registered ``confidential=True`` (the
  DSL's log): only the readers ``may_read_confidential`` lets through read its details;
  the others read that it happened, not what it said.

:func:`describe_events` reads a page of events with them; :func:`details_text` writes
what it read as one line, for the CSV export.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone

from contactpolicy.audit import ActionGroup, AuditAction, find_action
from contactpolicy.exceptions import AuditActionError

# What a withheld event's details read instead, on the page and in the export.
WITHHELD = (
    "Not shown: confidential safeguarding information, for the designated safeguarding "
    "lead and their deputies."
)


@dataclass(frozen=True)
class Shown:
    """One value as the reader reads it, with a link where they may open it."""

    text: str
    url: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Key:
    """How one key of an event's data reads (see the module's docstring)."""

    label: str = ""
    refers_to: str = ""
    choices: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None
    words: bool = False
    hidden: bool = False
    # For a value that is itself keys and values (a declaration's answers): how its own
    # keys read, before anything declared elsewhere.
    keys: Mapping[str, Key] | None = None
    # ... or chosen by the value of another key beside it (the answers by the kind the
    # event names): (that key, {its value: keys}); ``keys`` when it names none of them.
    keys_by: tuple[str, Mapping[str, Mapping[str, Key]]] | None = None

    def inner_keys(self, beside: Mapping[str, Any]) -> Mapping[str, Key] | None:
        """How the keys of this key's value read, given the keys beside it."""
        if self.keys_by is not None:
            name, table = self.keys_by
            chosen = table.get(str(beside.get(name)))
            if chosen is not None:
                return chosen
        return self.keys

    def choice(self, value: Any) -> str | None:
        choices = self.choices() if callable(self.choices) else self.choices
        return None if choices is None else choices.get(str(value))


@dataclass
class Line:
    """One line of an event's details: a label and its values; for a change, what the
    values were (``before``); for a value that holds several (a declaration's answers),
    its own ``lines``."""

    label: str
    values: list[Any] = field(default_factory=list)
    before: list[Any] | None = None
    lines: list[Line] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before is not None

    def text(self) -> str:
        if self.lines:
            return f"{self.label}: " + ", ".join(line.text() for line in self.lines)
        now = _joined(self.values)
        if self.changed:
            return f"{self.label}: {_joined(self.before)} \u2192 {now}"
        return f"{self.label}: {now}"


def _joined(values: Iterable[Any]) -> str:
    return ", ".join(str(value) for value in values) or "none"


# Keys ------------------------------------------------------------------------------------


class KeyVocabulary:
    """How the keys of events' data read: for everyone, per heading, per action."""

    def __init__(self) -> None:
        self._everyone: dict[str, Key] = {}
        self._by_group: dict[str, dict[str, Key]] = defaultdict(dict)

    def add(
        self, name: str, label: str = "", *, group: ActionGroup | str | None = None, **how: Any
    ) -> Key:
        """Declare how ``name`` reads (``how``: :class:`Key`'s fields), for every action
        or for those under ``group``'s heading."""
        heading = group.heading if isinstance(group, ActionGroup) else group
        keys = self._by_group[heading] if heading else self._everyone
        if name in keys:
            where = f"under {heading!r}" if heading else "for every action"
            raise AuditActionError(f"The data key {name!r} is declared already {where}.")
        keys[name] = key = Key(label=label, **how)
        return key

    def key_for(self, action: AuditAction | None, name: str) -> Key:
        if action is not None:
            key = action.keys.get(name) or self._by_group.get(action.group, {}).get(name)
            if key is not None:
                return key
        return self._everyone.get(name) or Key()


keys = KeyVocabulary()


def label_for(key: Key, name: str) -> str:
    return key.label or name.replace("_", " ").capitalize()


# References and confidential records ------------------------------------------------------

Resolver = Callable[[set[int], Any], Mapping[int, Shown]]
ConfidentialRule = Callable[[set[int]], set[int]]


class ReferenceRegistry:
    """How the ids of each kind of record read for a reader; which kind an event's
    record (its target) is; and which records are confidential."""

    def __init__(self) -> None:
        self._resolvers: dict[str, Resolver] = {}
        self._by_model: dict[str, str] = {}
        self._confidential: dict[str, ConfidentialRule] = {}

    def add(self, name: str, resolve: Resolver, *, model: str = "") -> None:
        """``resolve(ids, reader)``: the ids it knows, each as the reader reads it (ids
        of records that are gone may be left out). ``model`` (``"app_label.Model"``):
        the events whose record is one of these are linked through it too."""
        if name in self._resolvers:
            raise AuditActionError(f"The reference {name!r} is registered already.")
        self._resolvers[name] = resolve
        if model:
            self._by_model[model.lower()] = name

    def confidential(self, model: str, rule: ConfidentialRule) -> None:
        """``rule(ids)``: which records of ``model`` with these ids are confidential
        (every event about them is)."""
        self._confidential[model.lower()] = rule

    def name_for_model(self, model: str) -> str | None:
        return self._by_model.get(model.lower())

    def resolve(self, name: str, ids: set[int], reader: Any) -> Mapping[int, Shown]:
        resolver = self._resolvers.get(name)
        return resolver(ids, reader) if resolver is not None and ids else {}

    def confidential_ids(self, model: str, ids: set[int]) -> set[int]:
        rule = self._confidential.get(model.lower())
        return rule(ids) if rule is not None and ids else set()


references = ReferenceRegistry()


# Reading a page of events -----------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A value naming a record by id, until the page's references are resolved."""

    name: str
    pk: int


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
MISSING = object()


def _model_of(event: Any) -> str:
    content_type = event.target_type
    return f"{content_type.app_label}.{content_type.model}" if content_type else ""


def _pk(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _values(key: Key, value: Any, refs: dict[str, set[int]]) -> list[Any]:
    """``value`` as a list of what the reader reads: :class:`Shown`, or a :class:`_Ref`
    collected in ``refs`` to be resolved with the page's others."""
    if isinstance(value, list | tuple | set):
        return [shown for item in value for shown in _values(key, item, refs)]
    if value is None:
        return [Shown("none")]
    if isinstance(value, bool):
        return [Shown("yes" if value else "no")]
    if key.refers_to and (pk := _pk(value)) is not None:
        refs[key.refers_to].add(pk)
        return [_Ref(key.refers_to, pk)]
    if (label := key.choice(value)) is not None:
        return [Shown(label)]
    if isinstance(value, dict):
        return [Shown("; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items()))]
    text = str(value)
    if key.words:
        return [Shown(text.replace("_", " "))]
    if DATE.match(text):
        try:
            return [Shown(formats.date_format(datetime.date.fromisoformat(text), "j F Y"))]
        except ValueError:
            pass
    elif DATETIME.match(text):
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return [Shown(formats.date_format(moment, "j F Y, H:i"))]
    return [Shown(text)]


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def _key(action: AuditAction | None, scope: Mapping[str, Key], name: str) -> Key:
    return scope.get(name) or keys.key_for(action, name)


def _changes(
    action: AuditAction | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    refs: dict[str, set[int]],
    depth: int = 0,
    scope: Mapping[str, Key] | None = None,
) -> list[Line]:
    """What changed from ``before`` to ``after``, key by key (the unchanged left out)."""
    lines = []
    scope = scope or {}
    for name in dict.fromkeys([*before, *after]):
        key = _key(action, scope, name)
        old, new = before.get(name, MISSING), after.get(name, MISSING)
        if key.hidden or old == new:
            continue
        label = label_for(key, name)
        if isinstance(old, dict) and isinstance(new, dict) and depth < 2:
            inner = _changes(action, old, new, refs, depth + 1, key.inner_keys({**before, **after}))
            lines.append(Line(label, lines=inner))
            continue
        was = [Shown("none")] if old is MISSING else _values(key, old, refs)
        now = [Shown("none")] if new is MISSING else _values(key, new, refs)
        lines.append(Line(label, now, before=was))
    return lines


def _lines(
    action: AuditAction | None,
    data: Mapping[str, Any],
    refs: dict[str, set[int]],
    depth: int = 0,
    scope: Mapping[str, Key] | None = None,
) -> list[Line]:
    lines: list[Line] = []
    scope = scope or {}
    before, after = data.get("before", MISSING), data.get("after", MISSING)
    handled: tuple[str, ...] = ("before", "after")
    if isinstance(before, dict) and isinstance(after, dict):
        lines += _changes(action, before, after, refs, depth, scope)
    elif isinstance(after, dict) and (before is MISSING or before is None):
        lines += _lines(action, after, refs, depth + 1, scope)  # made: what it was made with
    elif before is not MISSING and after is not MISSING:
        key = _key(action, scope, "after")
        lines.append(
            Line(
                key.label or "Changed",
                _values(key, after, refs),
                before=_values(_key(action, scope, "before"), before, refs),
            )
        )
    else:
        handled = ()
    for name, value in data.items():
        if name in handled:
            continue
        key = _key(action, scope, name)
        if key.hidden or _empty(value):
            continue
        label = label_for(key, name)
        if isinstance(value, dict) and not key.refers_to and key.choices is None and depth < 2:
            inner = key.inner_keys(data)
            lines.append(Line(label, lines=_lines(action, value, refs, depth + 1, inner)))
        else:
            lines.append(Line(label, _values(key, value, refs)))
    return lines


def _resolved(
    values: list[Any] | None, found: Mapping[str, Mapping[int, Shown]]
) -> list[Any] | None:
    if values is None:
        return None
    return [
        found[value.name].get(value.pk) or Shown(f"{value.name} {value.pk} (not found)")
        if isinstance(value, _Ref)
        else value
        for value in values
    ]


def _resolve_lines(lines: list[Line], found: Mapping[str, Mapping[int, Shown]]) -> None:
    for line in lines:
        line.values = _resolved(line.values, found)
        line.before = _resolved(line.before, found)
        _resolve_lines(line.lines, found)


def describe_events(
    events: Iterable[Any], *, reader: Any, may_read_confidential: Callable[[Any], bool]
) -> list[Any]:
    """Read ``events`` (``AuditEvent`` rows with their actor and target type) for
    ``reader``, a page at a time, in a number of queries that does not grow with the
    page. Each event gets:

    * ``label``: its action's words;
    * ``who``: who did it, linked to their staff file where the reader may open it;
    * ``record``: what it was about, as it was called then, linked where the reader
      may open it;
    * ``confidential``: its details are safeguarding information;
    * ``withheld``: ... and ``reader`` may not read them (``may_read_confidential``):
      ``details`` is empty, and the page says why;
    * ``details``: its data as :class:`Line` s.
    """
    events = list(events)
    # Which are confidential: by action, or by their record (one call per kind).
    targets: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if (pk := _pk(event.target_id)) is not None:
            targets[_model_of(event)].add(pk)
    confidential = {
        (model, pk)
        for model, ids in targets.items()
        for pk in references.confidential_ids(model, ids)
    }
    refs: dict[str, set[int]] = defaultdict(set)
    person = references.name_for_model("directory.person")
    for event in events:
        action = find_action(event.action)
        event.label = action.label if action is not None else event.action
        event.confidential = (action is not None and action.confidential) or (
            _model_of(event),
            _pk(event.target_id),
        ) in confidential
        event.withheld = event.confidential and not may_read_confidential(event)
        event.details = [] if event.withheld else _lines(action, event.data or {}, refs)
        if person and event.actor_id:
            refs[person].add(event.actor_id)
        name = references.name_for_model(_model_of(event))
        if name and (pk := _pk(event.target_id)) is not None:
            refs[name].add(pk)
    found = {name: references.resolve(name, ids, reader) for name, ids in refs.items()}
    for event in events:
        _resolve_lines(event.details, found)
        who = event.actor.get_full_name() if event.actor_id else "The system"
        linked = found.get(person, {}).get(event.actor_id) if event.actor_id else None
        event.who = Shown(who, linked.url if linked else "")
        name = references.name_for_model(_model_of(event))
        target = found.get(name, {}).get(_pk(event.target_id)) if name else None
        event.record = Shown(event.target_label, target.url if target else "")
    return events


def details_text(event: Any) -> str:
    """An event's details, read by :func:`describe_events`, as one line."""
    if event.withheld:
        return WITHHELD
    return "; ".join(line.text() for line in event.details)


# The base layer's own keys (signing in, refusals, the workflow, background work) -------

for name, label, how in (
    ("reason", "Reason", {}),
    ("reasons", "Reasons", {}),
    ("email_digest", "Address typed (kept only as a digest)", {}),
    ("asked_for", "Asked for", {}),
    ("page", "Page", {}),
    ("path", "Address asked for", {}),
    ("method", "", {"hidden": True}),
    ("idle_minutes", "Minutes without use", {}),
    ("working_day_over", "At the working day's end", {}),
    ("tries", "Tries", {}),
    ("told", "Administrators told", {}),
):
    keys.add(name, label, **how)
