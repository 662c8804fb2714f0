"""Reading one cell of a school's data, as the MIS or a spreadsheet gives it.

Each reader takes the cell's text and returns the value, or raises ``CellProblem`` with
a reason in plain English that the preview shows beside the row and column. Dates are
read day first, as in England: 03/04/2026 is 3 April 2026.
"""

from __future__ import annotations

import datetime
import re

from directory.models import FamilyLink, Role, YearGroup


class CellProblem(ValueError):
    """A cell that cannot be read; its message is shown to the administrator."""


# A cell beginning with one of these is run as a formula by Excel and the others when
# the data is next exported and opened ("CSV injection"): never taken in.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?$")
WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([A-Za-z]+)[ \-,]+(\d{4})$")

TRUE = {"yes", "y", "true", "t", "1", "pr", "x"}
FALSE = {"no", "n", "false", "f", "0", ""}


def text(value: object) -> str:
    """The cell as text, trimmed; a number from a spreadsheet without its ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split())


def formula_refused(value: str, *, phone: bool = False) -> None:
    """A cell that a spreadsheet would run as a formula is refused; a telephone number
    may begin with + (an international number)."""
    if phone and PHONE.match(value):
        return
    if value.startswith(FORMULA_STARTS):
        raise CellProblem(
            f"It begins with “{value[0]}”, which spreadsheet programs run as a formula. "
            "Remove that character (or the formula) and give the value itself."
        )


def name(value: str, *, required: bool = True, length: int = 100) -> str:
    if not value:
        if required:
            raise CellProblem("It is empty; a name is needed.")
        return ""
    formula_refused(value)
    if len(value) > length:
        raise CellProblem(f"It is {len(value)} characters long; at most {length} fit.")
    return value


def date(value: str, *, required: bool = False) -> datetime.date | None:
    """A date written day first (03/04/2026, 3/4/2026, 03-04-2026, 3 April 2026) or as
    ISO (2026-04-03, as a spreadsheet's own date cells arrive)."""
    if not value:
        if required:
            raise CellProblem("It is empty; a date is needed, such as 03/04/2026.")
        return None
    if match := DAY_FIRST.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif (match := WORDS.match(value)) and match.group(2).lower() in MONTHS:
        day, year = int(match.group(1)), int(match.group(3))
        month = MONTHS[match.group(2).lower()]
    else:
        raise CellProblem(
            f"“{value}” is not a date we can read. Write it day first, such as 03/04/2026 "
            "for 3 April 2026."
        )
    if not 1 <= month <= 12:
        raise CellProblem(
            f"“{value}” has {month} as its month. Dates are read day first: 03/04/2026 is "
            "3 April 2026."
        )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellProblem(f"“{value}” is not a real date (there is no such day).") from None


def yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise CellProblem(f"“{value}” should be yes or no.")


def _choice(value: str, choices: type, what: str, aliases: dict[str, str]) -> str:
    lowered = value.lower().strip()
    for choice_value, label in choices.choices:
        if lowered in (str(choice_value).lower(), str(label).lower()):
            return choice_value
    if lowered in aliases:
        return aliases[lowered]
    known = ", ".join(str(label) for _, label in choices.choices)
    raise CellProblem(f"“{value}” is not a {what} we know. Use one of: {known}.")


ROLE_ALIASES = {
    "teacher": Role.STAFF,
    "teaching assistant": Role.STAFF,
    "support staff": Role.STAFF,
    "member of staff": Role.STAFF,
    "headteacher": Role.HEAD,
    "head teacher": Role.HEAD,
    "head": Role.HEAD,
    "manager": Role.HEAD,
    "executive head": Role.EXECUTIVE_HEAD,
    "dsl": Role.DSL,
    "designated safeguarding lead": Role.DSL,
    "deputy dsl": Role.DEPUTY_DSL,
    "chair": Role.CHAIR,
    "vice-chair": Role.VICE_CHAIR,
    "vice chair": Role.VICE_CHAIR,
}


def role(value: str) -> str:
    if not value:
        return Role.STAFF
    return _choice(value, Role, "role", ROLE_ALIASES)


RELATIONSHIP_ALIASES = {
    "mum": FamilyLink.Relationship.MOTHER,
    "dad": FamilyLink.Relationship.FATHER,
    "stepmother": FamilyLink.Relationship.STEP_PARENT,
    "stepfather": FamilyLink.Relationship.STEP_PARENT,
    "step-mother": FamilyLink.Relationship.STEP_PARENT,
    "step-father": FamilyLink.Relationship.STEP_PARENT,
    "step parent": FamilyLink.Relationship.STEP_PARENT,
    "guardian": FamilyLink.Relationship.CARER,
    "foster carer": FamilyLink.Relationship.CARER,
    "carer": FamilyLink.Relationship.CARER,
    "grandmother": FamilyLink.Relationship.GRANDPARENT,
    "grandfather": FamilyLink.Relationship.GRANDPARENT,
    "aunt": FamilyLink.Relationship.OTHER,
    "uncle": FamilyLink.Relationship.OTHER,
    "sibling": FamilyLink.Relationship.OTHER,
    "other": FamilyLink.Relationship.OTHER,
    "other relative": FamilyLink.Relationship.OTHER,
}


def relationship(value: str) -> str:
    if not value:
        raise CellProblem("It is empty; say how they are related, such as Mother or Carer.")
    return _choice(value, FamilyLink.Relationship, "relationship", RELATIONSHIP_ALIASES)


YEAR_PREFIX = re.compile(r"^(?:year|yr|y|nc year)\s*", re.IGNORECASE)
YEAR_ALIASES = {
    "reception": YearGroup.RECEPTION,
    "rec": YearGroup.RECEPTION,
    "yr r": YearGroup.RECEPTION,
    "nursery": YearGroup.NURSERY_2,
    "n": YearGroup.NURSERY_2,
    "nursery 1": YearGroup.NURSERY_1,
    "nursery 2": YearGroup.NURSERY_2,
}


def year_group(value: str) -> str:
    """Reception, R, Year 6, Y6, 6, N1 and the like."""
    if not value:
        return ""
    lowered = value.lower().strip()
    if lowered in YEAR_ALIASES:
        return YEAR_ALIASES[lowered]
    bare = YEAR_PREFIX.sub("", value).strip().upper()
    if bare in YearGroup.values:
        return bare
    raise CellProblem(
        f"“{value}” is not a year group we know. Use Reception, Year 1 to Year 13, N1 or N2."
    )


def email(value: str, *, required: bool = True) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if not value:
        if required:
            raise CellProblem("It is empty; an email address is needed.")
        return ""
    formula_refused(value)
    try:
        validate_email(value)
    except ValidationError:
        raise CellProblem(f"“{value}” is not an email address.") from None
    return value.lower()


def phone(value: str) -> str:
    if not value:
        return ""
    formula_refused(value, phone=True)
    if not PHONE.match(value):
        raise CellProblem(f"“{value}” is not a telephone number.")
    return value


def plain(value: str, *, length: int) -> str:
    """Free text of the MIS (a job title, a class, a destination)."""
    if not value:
        return ""
    formula_refused(value)
    if len(value) > length:
        raise CellProblem(f"It is {len(value)} characters long; at most {length} fit.")
    return value
