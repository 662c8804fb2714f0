"""The registry of audit actions (R34): every action the audit trail may hold, with the
words the DSL reads it by and filters on.

Each app names its own actions in its ``audit_actions.py``, under one heading of the
audit page's action filter::

    actions = ActionGroup("Declarations")
    DECLARATION_SUBMITTED = actions.add("declaration.submitted", "Declaration submitted")

and passes the constant to ``audit_event_record``, which refuses a code nobody
registered. ``ContactPolicyConfig.ready()`` imports every installed app's
``audit_actions`` module, so the registry is whole before the first event is written or
the filter drawn, not only as far as the code run so far happens to have imported.

An action is a ``str``: the constant is its code, so it is stored, compared and queried
as the code it is (``AuditEvent.objects.filter(action=DECLARATION_SUBMITTED)``), and it
carries its label with it. Codes are what stored rows hold: a code is never reused for
something else, and a code that has to change keeps the old one in ``formerly`` so that
rows written under it are still labelled and found by the filter.

Two flags say how the audit history treats an action's events (issue #21):

* ``confidential=True``: the details of its events are safeguarding information (a
  referral, LADO advice, the DSL's log). Only the safeguarding roles read them; anyone
  else reading the audit history sees that the event happened, not what it said. (An
  event is confidential too when its record is, whatever its action:
  ``contactpolicy/audit_details.py``.)
* ``refusal=True``: something refused to someone (a record they may not open, a wrong
  password, a lock-out), found together by the audit history's "only refusals" filter.

How the keys of an action's data read (``keys``, or for a whole app its
``audit_details.py``) is ``contactpolicy/audit_details.py``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from contactpolicy.exceptions import (
    AuditActionError,
    DuplicateAuditAction,
    UnregisteredAuditAction,
)

ACTION_MAX_LENGTH = 64  # AuditEvent.action


class AuditAction(str):
    """One thing the audit trail records: its code (the string itself), its label in
    plain British English, the heading it is listed under in the DSL's filter, and how
    its events are read (confidential, a refusal, how its data's keys read)."""

    label: str
    group: str
    formerly: tuple[str, ...]
    confidential: bool
    refusal: bool
    keys: Mapping[str, Any]

    def __new__(
        cls,
        code: str,
        label: str,
        *,
        group: str,
        formerly: Iterable[str] = (),
        confidential: bool = False,
        refusal: bool = False,
        keys: Mapping[str, Any] | None = None,
    ) -> AuditAction:
        if not code or len(code) > ACTION_MAX_LENGTH or any(char.isspace() for char in code):
            raise AuditActionError(
                f"An audit action's code is one word of at most {ACTION_MAX_LENGTH} "
                f"characters, not {code!r}."
            )
        if not label.strip():
            raise AuditActionError(f"The audit action {code!r} needs a label.")
        action = super().__new__(cls, code)
        for name, value in (
            ("label", label),
            ("group", group),
            ("formerly", tuple(formerly)),
            ("confidential", bool(confidential)),
            ("refusal", bool(refusal)),
            ("keys", MappingProxyType(dict(keys or {}))),
        ):
            object.__setattr__(action, name, value)
        return action

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"The audit action {str(self)!r} cannot be changed.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"The audit action {str(self)!r} cannot be changed.")

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy or a pickle is the plain code: what the audit trail stores.
        return (str, (str(self),))

    @property
    def code(self) -> str:
        return str(self)


class AuditActionRegistry:
    """Every registered action by code, in the order registered."""

    def __init__(self) -> None:
        self._actions: dict[str, AuditAction] = {}
        self._former: dict[str, AuditAction] = {}

    def register(self, code: str, label: str, *, group: str, **options: Any) -> AuditAction:
        """Register an action (``options``: ``formerly``, ``confidential``, ``refusal``,
        ``keys``, as :class:`AuditAction` takes them)."""
        action = AuditAction(code, label, group=group, **options)
        if len({action.code, *action.formerly}) != len(action.formerly) + 1:
            raise DuplicateAuditAction(f"The audit action {code!r} names a code twice.")
        for taken in (action.code, *action.formerly):
            if taken in self._actions or taken in self._former:
                owner = self._actions.get(taken) or self._former[taken]
                raise DuplicateAuditAction(
                    f"The audit action {taken!r} is registered already "
                    f"({owner.label!r}, under {owner.group!r})."
                )
        # Two options reading alike in the DSL's filter could not be told apart.
        for other in self._actions.values():
            if other.label.casefold() == action.label.casefold():
                raise DuplicateAuditAction(
                    f"The label {action.label!r} of {code!r} is the label of {other.code!r}."
                )
        self._actions[action.code] = action
        self._former.update(dict.fromkeys(action.formerly, action))
        return action

    def __iter__(self) -> Iterator[AuditAction]:
        return iter(self._actions.values())

    def __contains__(self, code: object) -> bool:
        return code in self._actions

    def __len__(self) -> int:
        return len(self._actions)

    def get(self, code: str) -> AuditAction:
        """The action registered under ``code``, the one an event may be written with."""
        try:
            return self._actions[code]
        except (KeyError, TypeError):
            if isinstance(code, str) and code in self._former:
                raise UnregisteredAuditAction(
                    f"{code!r} is no longer written: it is now {self._former[code].code!r}."
                ) from None
            raise UnregisteredAuditAction(
                f"{code!r} is not a registered audit action. Add it to the app's "
                "audit_actions.py and pass the constant."
            ) from None

    def find(self, code: str) -> AuditAction | None:
        """The action a stored code is read by: its own, or the one that replaced it;
        ``None`` if no app registers it any more."""
        return self._actions.get(code) or self._former.get(code)

    def label_of(self, code: str) -> str:
        """What the DSL reads for a stored code: its label, or the code itself if no
        app registers it any more (the row is shown, never hidden)."""
        action = self.find(code)
        return action.label if action is not None else code

    def codes_of(self, code: str) -> list[str]:
        """The codes an event filed under ``code`` may be stored with: the code and the
        codes it replaced (just the code, if nobody registers it)."""
        action = self._actions.get(code)
        return [action.code, *action.formerly] if action is not None else [code]

    def codes_where(self, **flags: bool) -> list[str]:
        """Every code, former codes included, of the actions with these flags
        (``refusal=True``): what a filter on them looks for."""
        return [
            code
            for action in self._actions.values()
            if all(getattr(action, name) == value for name, value in flags.items())
            for code in (action.code, *action.formerly)
        ]

    def choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The choices of the DSL's action filter, grouped under each app's heading."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for action in self._actions.values():
            groups.setdefault(action.group, []).append((action.code, action.label))
        return list(groups.items())


registry = AuditActionRegistry()


class ActionGroup:
    """One app's actions, listed together under ``heading`` in the DSL's filter."""

    def __init__(self, heading: str, *, registry: AuditActionRegistry = registry) -> None:
        self.heading = heading
        self.registry = registry

    def add(
        self,
        code: str,
        label: str,
        *,
        formerly: Iterable[str] = (),
        confidential: bool = False,
        refusal: bool = False,
        keys: Mapping[str, Any] | None = None,
    ) -> AuditAction:
        """Register ``code``. ``confidential``: its details are for the safeguarding roles
        only; ``refusal``: found by the "only refusals" filter; ``keys``: how keys of its
        data read, over the app's and everyone's (``contactpolicy.audit_details.Key``)."""
        return self.registry.register(
            code,
            label,
            group=self.heading,
            formerly=formerly,
            confidential=confidential,
            refusal=refusal,
            keys=keys,
        )


def action_of(code: str) -> AuditAction:
    """The registered action ``code``; ``UnregisteredAuditAction`` if there is none."""
    return registry.get(code)


def label_of(code: str) -> str:
    return registry.label_of(code)


def find_action(code: str) -> AuditAction | None:
    return registry.find(code)


def codes_of(code: str) -> list[str]:
    return registry.codes_of(code)


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return registry.choices()
