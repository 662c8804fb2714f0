"""Sections that higher apps add to a declaration's page (an explicit hook).

The approvals app, for example, shows the decisions and their conditions to the
declarant without the declarations app importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from declarations.models import Declaration


@dataclass(frozen=True)
class Section:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionFunction = Callable[[HttpRequest, Declaration], Section | None]
_sections: list[SectionFunction] = []


def register_detail_section(function: SectionFunction) -> None:
    if function not in _sections:
        _sections.append(function)


def detail_sections(request: HttpRequest, declaration: Declaration) -> list[Section]:
    return [section for function in _sections if (section := function(request, declaration))]
