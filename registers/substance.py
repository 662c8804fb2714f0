"""What an entry on a staff or pupil file says happened (R25, #21), for one reader.

An entry's own text is the decision as it stood when recorded (kept for ever). Beside it
the reader is shown what was declared: the kind's answers the kind says a file carries
(``Kind.on_file``), whom it was about with the family's relationship to each child, when
it was declared, and a link to the declaration where the reader may open it. The page,
the PDF and the CSV all read :func:`substance_for`, which costs a fixed number of
queries for any number of entries.

Who reads whom, as on the declaration itself (declarations.selectors): the declarant,
and anyone it came to for a decision or a copy, see everyone it names that their settings
allow (``subjects_shown_to``: another school's pupils stay hidden); anyone else reading a
staff file (an administrator, a head of another setting of the trust) sees the pupils only
where they may open pupil files (R35). The answers of a safeguarding declaration (a
concern) are read by the declarant and the safeguarding roles of its setting only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects

from approvals.selectors import declaration_pages_for
from declarations.models import Declaration, DeclarationSubject
from declarations.selectors import subject_settings, subjects_shown_to
from directory.access import PUPIL_FILE_ROLES, SAFEGUARDING_ROLES, Access
from directory.models import FamilyLink, Organisation
from registers.models import RegisterEntry

WITHHELD = "Seen by the safeguarding lead and the head only."


@dataclass
class Substance:
    """What one reader is shown of an entry's declaration."""

    declared_at: datetime.datetime | None
    answers: list[tuple[str, str]] = field(default_factory=list)
    answers_withheld: bool = False
    people: list[str] = field(default_factory=list)
    hidden_people: int = 0
    url: str = ""  # the declaration's page for this reader, if they may open it

    @property
    def answers_text(self) -> str:
        if self.answers_withheld:
            return WITHHELD
        return "; ".join(f"{label}: {value}" for label, value in self.answers)

    @property
    def people_text(self) -> str:
        shown = "; ".join(self.people)
        if self.hidden_people:
            more = f"{self.hidden_people} more not shown to you"
            return f"{shown}; {more}" if shown else more
        return shown


def substance_for(*, user: Any, entries: Iterable[RegisterEntry]) -> list[RegisterEntry]:
    """Set ``entry.substance`` on each entry, for ``user``; return the entries.

    Expects each entry's declaration with its declarant and setting loaded (the file
    selectors' ``ENTRY_RELATED``). Four queries at most, whatever the number: the people
    named, the requests that brought them to the reader, the family's links, and (for a
    declaration naming people of several settings) who may see whom."""
    entries = list(entries)
    access = Access.for_user(user)
    declarations: dict[int, Declaration] = {}
    for entry in entries:
        declarations.setdefault(entry.declaration_id, entry.declaration)
    unique = list(declarations.values())
    prefetch_related_objects(
        unique,
        Prefetch(
            "subjects",
            queryset=DeclarationSubject.objects.select_related("pupil", "family_member"),
        ),
    )
    pages = declaration_pages_for(user=user, declarations=unique)
    subjects_shown_to(user=user, declarations=unique)
    links = _links_of(
        subject.family_member_id
        for declaration in unique
        for subject in declaration.shown_subjects
        if subject.family_member_id
    )
    # Each family member's children's settings (with their trust or federation), as
    # declarations.selectors.children_settings reads them, from the same links.
    children = {
        member_id: {(link.pupil.setting_id, link.pupil.setting.parent_id) for link in found}
        for member_id, found in links.items()
    }
    read: dict[int, Substance] = {}
    for pk, declaration in declarations.items():
        own = access.is_superuser or declaration.declarant_id == access.person_id
        involved = own or pk in pages
        shown, hidden = [], declaration.hidden_subjects
        for subject in declaration.shown_subjects:
            settings = subject_settings(declaration, subject, children)
            if involved or _opens_pupil_files(access, settings):
                shown.append(_named(subject, declaration, links, access, own=own))
            else:
                hidden += 1
        kind = declaration.kind_entry
        # A concern's answers: its declarant and the safeguarding roles only, as in the
        # audit history (a superuser, too, reads that it happened, not what it said).
        withheld = (
            kind.safeguarding
            and declaration.declarant_id != access.person_id
            and not access.has_role(*SAFEGUARDING_ROLES, organisation=declaration.setting_id)
        )
        read[pk] = Substance(
            declared_at=declaration.submitted_at,
            answers=[] if withheld else kind.on_file_answers(declaration.details),
            answers_withheld=withheld,
            people=shown,
            hidden_people=hidden,
            url=pages.get(pk, ""),
        )
    for entry in entries:
        entry.substance = read[entry.declaration_id]
    return entries


def _links_of(member_ids: Iterable[int]) -> dict[int, list[FamilyLink]]:
    ids = set(member_ids)
    found: dict[int, list[FamilyLink]] = defaultdict(list)
    if ids:
        for link in FamilyLink.objects.filter(family_member_id__in=ids).select_related(
            "pupil__setting"
        ):
            found[link.family_member_id].append(link)
    return found


def _opens_pupil_files(access: Access, settings: frozenset[int]) -> bool:
    return any(
        access.has_role(*PUPIL_FILE_ROLES, organisation=setting_id) for setting_id in settings
    )


def _named(
    subject: DeclarationSubject,
    declaration: Declaration,
    links: dict[int, list[FamilyLink]],
    access: Access,
    *,
    own: bool,
) -> str:
    """One person named, in words: a pupil with their year group; a family member with
    who they are to which child (the children of the declaration's setting, trust or
    federation that the reader may see); anyone else as the declarant described them."""
    if subject.pupil_id:
        pupil = subject.pupil
        year = f", {pupil.get_year_group_display()}" if pupil.year_group else ""
        return f"{pupil} (pupil{year})"
    if subject.family_member_id:
        relations = [
            f"{link.get_relationship_display().lower()} of {link.pupil}"
            for link in links.get(subject.family_member_id, [])
            if _same_group(declaration, link.pupil.setting)
            and (own or access.sees_people_of({link.pupil.setting_id}))
        ]
        if relations:
            return f"{subject.family_member} ({', '.join(relations)})"
        return f"{subject.family_member} (family member)"
    return str(subject)


def _same_group(declaration: Declaration, setting: Organisation) -> bool:
    made_at = declaration.setting
    return setting.pk == made_at.pk or (
        made_at.parent_id is not None and setting.parent_id == made_at.parent_id
    )
