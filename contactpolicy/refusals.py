"""A record that exists but that the person may not open is a 404 to them, as one that
does not exist is (never a 403 that confirms it is there), and an access refusal on the
audit trail (R34, #21): the DSL and administrator of the record's organisation find who
tried to open what.

A selector looks records up through :func:`visible_or_404`, or raises :class:`Refused`
itself when its rule is not a queryset; ``contactpolicy.middleware.RefusalAuditMiddleware``
records the refusal (``access_refusal_record``: once per person, record and hour) after
the view has given up, outside any transaction of the view's, and the person reads the
same "not found" page either way.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404


class Refused(Http404):
    """Not found, to the person; on the audit trail, an attempt to open ``record`` (or
    ``page``, for a page their roles do not open), filed under the record's organisation
    or ``organisation_pk``. ``asked_for``: what the person asked for, where the refusal
    is recorded against the record holding it (an attachment's declaration)."""

    def __init__(
        self,
        record: models.Model | None = None,
        *,
        page: str = "",
        asked_for: str = "",
        organisation_pk: int | None = None,
    ) -> None:
        super().__init__("Not found.")
        self.record = record
        self.page = page
        self.asked_for = asked_for
        self.organisation_pk = organisation_pk


def visible_or_404[M: models.Model](visible: QuerySet[M], *, about: str = "", **lookup: Any) -> M:
    """The one record of ``visible`` (a queryset already limited to what the person may
    see) that ``lookup`` finds. A record that exists outside ``visible`` raises
    :class:`Refused`; one that does not exist, a plain :class:`Http404`.

    ``about``: the relation to record the refusal against, when the record asked for is
    part of another (an attachment, a request, a follow-up, an entry: its declaration):
    the refusal is then filed under that record, named by it and kept as confidential
    as it is. The extra queries are only for a refusal."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        pass
    hidden = visible.model._default_manager.filter(**lookup)
    if about:
        hidden = hidden.select_related(about)
    found = hidden.first()
    if found is None:
        raise Http404("Not found.")
    if about:
        raise Refused(getattr(found, about), asked_for=str(found._meta.verbose_name))
    raise Refused(found)


def refused_unless(allowed: bool, record: models.Model, **refusal: Any) -> None:
    """Raise :class:`Refused` for ``record`` unless ``allowed``: for a rule worked out on
    the record itself rather than by a queryset."""
    if not allowed:
        raise Refused(record, **refusal)
