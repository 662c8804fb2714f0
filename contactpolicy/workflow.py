"""The one way a status moves (django-oscar's pattern): each model with allowed moves
declares them as data, ``TRANSITIONS = {from: {to, ...}}`` on its ``TRANSITION_FIELD``
("status" unless it says), and every service moves it with :func:`transition`.

An illegal move raises :class:`IllegalTransition`, whatever the model, and is put on the
audit trail. A refused move rolls back the service that tried it, so the refusal is
written after that rollback by :func:`atomic`, the decorator such services use in place
of ``transaction.atomic``: the record of the attempt survives what it attempted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import models, transaction

from contactpolicy.audit_actions import MOVE_REFUSED as REFUSED
from contactpolicy.services import audit_event_record


class IllegalTransition(Exception):
    """The object's status does not allow this move; the message is for the person."""

    def __init__(self, message: str, *, obj: models.Model, to: str, actor: Any) -> None:
        super().__init__(message)
        self.obj = obj
        self.to = to
        self.actor = actor
        self.current = getattr(obj, field_of(type(obj)))
        self.recorded = False

    def record(self) -> None:
        """Put the refused move on the audit trail, once."""
        if self.recorded:
            return
        self.recorded = True
        audit_event_record(
            actor=self.actor,
            action=REFUSED,
            target=self.obj,
            data={
                "record": self.obj._meta.verbose_name,
                "from": str(self.current),
                "to": str(self.to),
                "reason": str(self),
            },
        )


def field_of(model: type[models.Model]) -> str:
    return getattr(model, "TRANSITION_FIELD", "status")


def allows(obj: models.Model, to: str) -> bool:
    """Whether ``obj`` may move to ``to`` now (for pages that offer the move)."""
    return to in type(obj).TRANSITIONS.get(getattr(obj, field_of(type(obj))), ())


def transition(obj: models.Model, to: str, *, actor: Any, message: str | None = None) -> None:
    """Move ``obj`` to ``to`` along its model's TRANSITIONS (the caller saves it), or
    raise IllegalTransition. Lock the row first (``select_for_update``)."""
    field = field_of(type(obj))
    if not allows(obj, to):
        current = getattr(obj, field)
        choices = dict(type(obj)._meta.get_field(field).flatchoices)
        raise IllegalTransition(
            message
            or f"This {obj._meta.verbose_name} is {str(choices.get(current, current)).lower()}, "
            f"so it cannot be {str(choices.get(to, to)).lower()} now.",
            obj=obj,
            to=to,
            actor=actor,
        )
    setattr(obj, field, to)


def refuse(obj: models.Model, *, attempted: str, actor: Any, message: str) -> None:
    """Refuse something the object's status does not allow, other than a move (a
    submitted declaration changed, say): raised and audited as an illegal move."""
    raise IllegalTransition(message, obj=obj, to=attempted, actor=actor)


def atomic[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service that moves a status: a move it tried and was
    refused is audited once its own changes are rolled back."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except IllegalTransition as refused:
            refused.record()
            raise

    return wrapper
