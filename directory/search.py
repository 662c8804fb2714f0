"""Finding people by name whatever the way it is typed (#22).

A person, pupil or family member keeps a ``search_name``: each form of their name
lower-cased, without accents, apostrophes, hyphens or spaces ("Siân O'Connor-Ní Bhriain"
is ``sianoconnornibhriain``), the forms separated by a space. The words typed are made
the same way in Python, and each must be inside it: the same answer on SQLite and
PostgreSQL, with no collation of either involved. "sian", "oconnor", "O\u2019Connor",
"ni bhriain" and "sian oconnor" all find her.

The column is filled whenever a row is saved or bulk-created (the field's ``pre_save``,
which ``bulk_create`` calls too); a ``bulk_update`` names it among its fields after
:func:`search_names_refresh`, and a loader writing rows itself (``bench/scale.py``'s
COPY) writes :func:`search_name_of` beside the names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q

# Letters that carry their mark in themselves, so NFKD does not take it off.
_PLAIN = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}
)
MOST_WORDS = 4


def normalised(text: str) -> str:
    """``text`` as it is searched: lower case, no accents, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(
        character
        for character in decomposed
        if character.isalnum() and not unicodedata.combining(character)
    )


def search_name_of(*full_names: str) -> str:
    """The stored search column for the given forms of one person's name."""
    forms = dict.fromkeys(normalised(name) for name in full_names)
    return " ".join(form for form in forms if form)


def full_names(
    given: str, family: str, preferred_given: str = "", preferred_family: str = ""
) -> list[str]:
    """The forms of a name: legal, as known (a pupil's preferred names), and each
    mixture of the two."""
    return [
        f"{first} {last}"
        for first in dict.fromkeys([given, preferred_given or given])
        for last in dict.fromkeys([family, preferred_family or family])
    ]


def search_name_for(instance: models.Model) -> str:
    """The search column of a person, pupil or family member, from its name fields
    (a pupil's preferred names too): also for the models of a migration's state."""
    return search_name_of(
        *full_names(
            instance.given_name,
            instance.family_name,
            getattr(instance, "preferred_given_name", ""),
            getattr(instance, "preferred_family_name", ""),
        )
    )


def search_words(text: str) -> list[str]:
    """The words typed, made as the column is; those that leave nothing are dropped."""
    words = (normalised(word) for word in text.split())
    return [word for word in words if word][:MOST_WORDS]


def name_query(text: str, prefix: str = "") -> Q:
    """Each word of ``text`` in the name of the row (a person, pupil or family member)
    or of the one ``prefix`` leads to (``"declaration__declarant__"``); nobody for
    words with no letters or digits in them."""
    words = search_words(text)
    if not words:
        return Q(**{f"{prefix}pk__in": []})
    query = Q()
    for word in words:
        query &= Q(**{f"{prefix}search_name__contains": word})
    return query


class SearchNameField(models.CharField):
    """The search column, worked out from the row's names each time it is written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = search_name_for(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def search_names_refresh[M: models.Model](objects: Iterable[M]) -> list[M]:
    """``objects`` with their search column worked out again, for a ``bulk_update``."""
    objects = list(objects)
    for instance in objects:
        instance.search_name = search_name_for(instance)
    return objects
