"""The governors' summaries (R33): anonymised figures for an organisation and a period.

Everything is counted in the database with grouped queries, so a summary costs the same
number of queries for ten declarations as for a million. The figures are then made safe
to read: no name, identifier or free text ever enters them, and small counts are hidden
(see ``oversight.suppression``).

Counts are always worked out, and hidden, for every setting of the trust or federation
a setting belongs to, with their total, and each report shows its part of that: the
federation's report its schools side by side and the total, a school's report its own
column. So a school's figures read the same in its own report as in its federation's,
and nothing can be found by subtracting one report from the other. Tables that show the
same figure (the final decisions, the declarations of each setting) hide it alike.

The result is a plain dictionary, so that a saved snapshot renders exactly as it did.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import caches
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.safestring import mark_safe

from approvals.models import (
    FINAL_OUTCOMES,
    GOVERNOR_DECIDERS,
    ApprovalRequest,
    Decision,
    Outcome,
)
from contactpolicy.refusals import visible_or_404
from declarations.kinds import KINDS
from declarations.models import Declaration
from directory.access import SUMMARY_ROLES, Access
from directory.models import Organisation, Role
from oversight.models import SummarySnapshot
from oversight.suppression import SMALLEST_SHOWN, Equation, Position, hidden_cells
from policies.selectors import (
    Completion,
    acknowledgement_counts,
    percentage,
    training_counts_by_organisation,
)
from registers.models import DeclarationRound, FollowUp, RoundResponse
from schoolcalendar.periods import Period

# The shape of the dictionary; a saved snapshot keeps the version it was made with.
# 3: "At a glance" has the required actions not confirmed and the annual round (#22).
SCHEMA = 3
SUPPRESSED = "fewer than 5"
HIDDEN = "hidden"  # 5 or more, hidden so that a smaller count cannot be worked out
TOO_FEW_PEOPLE = "fewer than 5 people"
TOO_FEW_DECISIONS = "fewer than 5 decisions"
TOO_FEW_FOR_P90 = "fewer than 10 decisions"
PERCENTILE_SMALLEST = 10  # below this, the 90th percentile is one person's decision

# How long a final decision took from the first submission, in calendar days.
WAIT_BANDS = [
    ("Up to 2 days", datetime.timedelta(days=2)),
    ("More than 2 and up to 7 days", datetime.timedelta(days=7)),
    ("More than 7 and up to 14 days", datetime.timedelta(days=14)),
    ("More than 14 days", None),
]
# Final outcomes settle a declaration; the others pass it on or back. The final ones'
# subtotal is the same figure as the total of the time-to-decision table.
FINAL_ORDER = [
    Outcome.APPROVED,
    Outcome.APPROVED_WITH_CONDITIONS,
    Outcome.REFUSED,
    Outcome.NOTED,
]
PASSING_ORDER = [Outcome.MORE_INFORMATION, Outcome.REFERRED_TO_DSL, Outcome.LADO_ADVICE_SOUGHT]
OUTCOME_ORDER = FINAL_ORDER + PASSING_ORDER
FINAL_DECISIONS = "Final decisions"
ALL_DECLARATIONS = "All declarations"
REQUIRED_ACTIONS_LATE = "Required actions not confirmed by the deadline now"
ANNUAL_ROUND = "Answered the latest annual round"
REVIEWS_OVERDUE = "Monitoring reviews overdue now"
ALL_BUT_A_FEW = "all but fewer than 5 people"


# Who sees what ---------------------------------------------------------------------------


def summary_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """The organisations whose summaries the person reads: as a governor, the Chair, the
    head, the Executive Headteacher or an administrator there (a trust's or federation's
    role reaches each of its settings). Groups first."""
    return (
        Access.for_user(user)
        .organisations(*SUMMARY_ROLES)
        .order_by(F("parent_id").asc(nulls_first=True), "name")
    )


def snapshots_for(*, user: Any) -> QuerySet[SummarySnapshot]:
    """The saved summaries the person may read; the figures themselves are left out of
    the list (load them with the one snapshot that is opened)."""
    return (
        SummarySnapshot.objects.filter(organisation__in=summary_organisations_for(user=user))
        .select_related("organisation")
        .defer("data")
    )


def snapshot_get_for(*, user: Any, pk: int) -> SummarySnapshot:
    """A saved summary of an organisation whose summaries the person reads, or a 404."""
    return visible_or_404(
        SummarySnapshot.objects.filter(
            organisation__in=summary_organisations_for(user=user)
        ).select_related("organisation"),
        pk=pk,
    )


def group_settings(organisation: Organisation) -> list[Organisation]:
    """The settings whose counts are worked out together: every school or pre-school of
    the trust or federation the organisation is, or belongs to; or the setting alone."""
    group_id = organisation.pk if not organisation.is_setting else organisation.parent_id
    if group_id is None:
        return [organisation]
    return list(
        Organisation.objects.filter(
            parent_id=group_id, kind__in=Organisation.SETTING_KINDS
        ).order_by("name")
    )


def chair_decisions_for(
    *, user: Any, organisation: Organisation, period: Period
) -> QuerySet[Decision]:
    """With names, and only for the Chair of Governors (or the vice-chair): the
    declarations they decided as Chair or vice-chair in the period (the Executive
    Headteacher's own, or a head's that came up to them). Nothing else is named."""
    access = Access.for_user(user)
    if not access.has_role(Role.CHAIR, Role.VICE_CHAIR, organisation=organisation):
        return Decision.objects.none()
    start, end = _bounds(period)
    settings = [organisation] if organisation.is_setting else group_settings(organisation)
    return (
        Decision.objects.filter(
            decided_by_id=access.person_id,
            request__decider_role__in=GOVERNOR_DECIDERS,
            decided_at__gte=start,
            decided_at__lt=end,
            request__declaration__setting__in=settings,
        )
        .select_related("request__declaration__declarant")
        .order_by("decided_at")
    )


# Where a report sits -------------------------------------------------------------------------


def _bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as aware datetimes: from its first midnight to the one after it ends."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.starts_on, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        period.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


@dataclass(frozen=True)
class Scope:
    organisation: Organisation
    settings: list[Organisation]  # every setting of the group, counted together
    period: Period
    previous: Period
    today: datetime.date
    # The report's own setting, when it is one setting of a larger group.
    focus: int | None = None

    @property
    def setting_ids(self) -> list[int]:
        return [setting.pk for setting in self.settings]

    @property
    def width(self) -> int:
        """Columns of a counts grid: one per setting, and a total if more than one."""
        return len(self.settings) + (1 if len(self.settings) > 1 else 0)

    @property
    def total_column(self) -> int:
        return len(self.settings) if len(self.settings) > 1 else 0

    def within(self, name: str) -> tuple[Q, Q, Q]:
        """(both periods, this period, the previous period) on a datetime field."""
        start, end = _bounds(self.period)
        old_start, _old_end = _bounds(self.previous)
        both = Q(**{f"{name}__gte": old_start, f"{name}__lt": end})
        return both, Q(**{f"{name}__gte": start}), Q(**{f"{name}__lt": start})

    def shown(self, detail: bool = True) -> tuple[list[int], list[str]]:
        """The grid columns this report shows, and their headings: its own setting's; or
        each setting's and the total (``detail``); or only the total."""
        if self.focus is not None:
            return [self.focus], [self.settings[self.focus].name]
        if len(self.settings) == 1:
            return [0], [self.settings[0].name]
        names = [setting.name for setting in self.settings]
        if detail:
            return [*range(len(self.settings)), self.total_column], [*names, "Total"]
        return [self.total_column], ["Total"]

    @property
    def previous_column(self) -> int:
        """The grid column of the previous period this report shows."""
        return self.focus if self.focus is not None else self.total_column


def _by_setting(rows, key: str, scope: Scope, measure: str) -> dict[Any, list[int]]:
    """{row key: [count per setting]} from grouped rows."""
    index = {pk: i for i, pk in enumerate(scope.setting_ids)}
    result: dict[Any, list[int]] = {}
    for row in rows:
        counts = result.setdefault(row[key], [0] * len(index))
        counts[index[row["where"]]] += row[measure]
    return result


# Tables of counts ------------------------------------------------------------------------


Line = str | tuple[str, list[int]]  # a row of counts, or the total of earlier rows


@dataclass
class Counts:
    """One table's counts for every setting of the group (and their total), in this
    period and, if compared, the previous one, with the cells to hide."""

    lines: list[Line]
    now: list[list[int]]
    hidden: set[Position]
    before: list[list[int]] | None = None
    hidden_before: set[Position] = field(default_factory=set)

    def line(self, label: str) -> int:
        return next(
            index
            for index, line in enumerate(self.lines)
            if (line if isinstance(line, str) else line[0]) == label
        )


def _grid(
    lines: list[Line], data: list[list[int]], scope: Scope, additive: bool
) -> tuple[list[list[int]], list[Equation]]:
    """Every line's counts with the total column, and the equations that hold: each
    line across adds up to its total, and each total line down adds up its rows."""
    with_total = len(scope.settings) > 1
    rows = iter(data)
    grid: list[list[int]] = []
    equations: list[Equation] = []
    for index, line in enumerate(lines):
        if isinstance(line, str):
            counts = list(next(rows))
            grid.append([*counts, sum(counts)] if with_total else counts)
        else:
            grid.append([sum(grid[part][c] for part in line[1]) for c in range(scope.width)])
            if additive:
                equations += [
                    ([(part, c) for part in line[1]], (index, c)) for c in range(scope.width)
                ]
    if with_total:
        columns = len(scope.settings)
        equations += [([(r, c) for c in range(columns)], (r, columns)) for r in range(len(grid))]
    return grid, equations


def suppressed_counts(
    scope: Scope,
    lines: list[Line],
    now: list[list[int]],
    before: list[list[int]] | None = None,
    *,
    additive: bool = True,
    like: tuple[Counts, str, str] | None = None,
    under: list[tuple[Counts | None, str, str]] | None = None,
) -> Counts:
    """Hide the small counts of a table (see ``oversight.suppression``).

    ``like`` is (another table, its line, this table's line) showing the same figures,
    which must be hidden here exactly as they are there. Each of ``under`` is (another
    table, or None for this one, its line, this table's line) where this line counts
    some of what that line counts (late decisions among the final ones, say): wherever
    that figure is hidden, this one is hidden too, or it would give it a lower bound."""
    grid, equations = _grid(lines, now, scope, additive)
    old, old_equations = _grid(lines, before, scope, additive) if before is not None else ([], [])
    counts = Counts(lines, grid, set(), old if before is not None else None)
    fixed: dict[Position, bool] = {}
    fixed_before: dict[Position, bool] = {}
    if like is not None:
        other, other_line, own_line = like
        theirs, ours = other.line(other_line), counts.line(own_line)
        fixed = {(ours, c): (theirs, c) in other.hidden for c in range(scope.width)}
        fixed_before = {(ours, c): (theirs, c) in other.hidden_before for c in range(scope.width)}
    while True:
        forced_now, forced_before = dict(fixed), dict(fixed_before)
        for other, their_line, own_line in under or []:
            source = other or counts
            theirs = source.line(their_line)
            ours = counts.line(own_line)
            for c in range(scope.width):
                if (theirs, c) in source.hidden:
                    forced_now[(ours, c)] = True
                if (theirs, c) in source.hidden_before:
                    forced_before[(ours, c)] = True
        hidden = hidden_cells(grid, equations, forced_now)
        hidden_before = hidden_cells(old, old_equations, forced_before) if old else set()
        if (hidden, hidden_before) == (counts.hidden, counts.hidden_before):
            return counts
        counts.hidden, counts.hidden_before = hidden, hidden_before


def _count_cell(count: int, hidden: bool) -> dict[str, Any]:
    if hidden:
        return {"value": None, "text": SUPPRESSED if count < SMALLEST_SHOWN else HIDDEN}
    return {"value": count, "text": f"{count:,}"}


def count_table(
    scope: Scope,
    counts: Counts,
    *,
    key: str,
    title: str,
    caption: str,
    detail: bool = True,
) -> dict[str, Any]:
    """The part of ``counts`` this report shows, as a table."""
    columns, header = scope.shown(detail)
    if counts.before is not None:
        header = [*header, "Previous period"]
    rows = []
    for r, line in enumerate(counts.lines):
        cells = [_count_cell(counts.now[r][c], (r, c) in counts.hidden) for c in columns]
        if counts.before is not None:
            c = scope.previous_column
            cells.append(_count_cell(counts.before[r][c], (r, c) in counts.hidden_before))
        label = line if isinstance(line, str) else line[0]
        rows.append({"label": label, "cells": cells, "total": not isinstance(line, str)})
    return {"key": key, "title": title, "caption": caption, "header": header, "rows": rows}


def _text_cell(text: str, value: float | None = None) -> dict[str, Any]:
    return {"value": value, "text": text}


def _percent_cell(completion: Completion | None, missing: str) -> dict[str, Any]:
    """A share of people, never giving away that 1 to 4 people have, or have not."""
    if completion is None or not completion.applies:
        return _text_cell(missing)
    if completion.total < SMALLEST_SHOWN:
        return _text_cell(TOO_FEW_PEOPLE)
    if 0 < completion.done < SMALLEST_SHOWN:
        return _text_cell("fewer than 5 people")
    if 0 < completion.total - completion.done < SMALLEST_SHOWN:
        return _text_cell(ALL_BUT_A_FEW)
    value = percentage(completion.done, completion.total)
    return _text_cell(f"{value}%", value)


def _days_cell(wait: datetime.timedelta | None, count: int, smallest: int) -> dict[str, Any]:
    if count == 0:
        return _text_cell("none decided")
    if count < smallest or wait is None:
        return _text_cell(TOO_FEW_DECISIONS if smallest == SMALLEST_SHOWN else TOO_FEW_FOR_P90)
    days = round(wait.total_seconds() / 86400, 1)
    return _text_cell(f"{days:g} day{'' if days == 1 else 's'}", days)


# The queries -----------------------------------------------------------------------------


def _declarations(scope: Scope) -> dict[str, Any]:
    """New declarations (amendments of decided ones are not counted again), by when
    they were first sent to be decided."""
    both, current, previous = scope.within("first_submitted_at")
    new = Declaration.objects.filter(setting_id__in=scope.setting_ids, previous_version=None)
    rows = list(
        new.filter(both)
        .values("kind", where=F("setting_id"))
        .annotate(current=Count("pk", filter=current), previous=Count("pk", filter=previous))
        .order_by()
    )
    now = _by_setting(rows, "kind", scope, "current")
    before = _by_setting(rows, "kind", scope, "previous")
    kinds = [code for code in KINDS if code in now or code in before]
    zero = [0] * len(scope.settings)
    kind_counts = suppressed_counts(
        scope,
        [KINDS[code].name for code in kinds] + [(ALL_DECLARATIONS, list(range(len(kinds))))],
        [now.get(code, zero) for code in kinds],
        [before.get(code, zero) for code in kinds],
    )

    start, end = _bounds(scope.period)
    month_rows = (
        new.filter(first_submitted_at__gte=start, first_submitted_at__lt=end)
        .annotate(month=TruncMonth("first_submitted_at"))
        .values("month", where=F("setting_id"))
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_month = _by_setting(
        [{**row, "month": row["month"].date().replace(day=1)} for row in month_rows],
        "month",
        scope,
        "count",
    )
    month_starts = _months(scope.period)
    month_counts = suppressed_counts(
        scope,
        [f"{month:%B %Y}" for month in month_starts]
        + [(ALL_DECLARATIONS, list(range(len(month_starts))))],
        [by_month.get(month, zero) for month in month_starts],
        like=(kind_counts, ALL_DECLARATIONS, ALL_DECLARATIONS),
    )
    return {
        "kinds": count_table(
            scope,
            kind_counts,
            key="kinds",
            title="Declarations by kind",
            caption="New declarations sent to be decided in the period, by kind and setting "
            "(a change to a decided declaration is not counted again).",
        ),
        "months": count_table(
            scope,
            month_counts,
            key="months",
            title="Declarations each month",
            caption="New declarations sent to be decided in each month of the period.",
            detail=False,
        ),
    }


def _months(period: Period) -> list[datetime.date]:
    months, month = [], period.starts_on.replace(day=1)
    while month <= period.ends_on:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _decisions(scope: Scope) -> QuerySet[Decision]:
    return Decision.objects.filter(
        request__purpose=ApprovalRequest.Purpose.DECIDE,
        request__declaration__setting_id__in=scope.setting_ids,
    )


def _outcomes(scope: Scope) -> tuple[dict[str, Any], Counts]:
    both, current, previous = scope.within("decided_at")
    final = Q(outcome__in=FINAL_OUTCOMES)
    # Late against the date first set: a request passed up keeps its original due date.
    late = Q(decided_on__gt=F("first_due_on"))
    after_planned = Q(decided_on__gte=F("request__declaration__key_date"))
    rows = list(
        _decisions(scope)
        .filter(both)
        .annotate(
            decided_on=TruncDate("decided_at"),
            first_due_on=Coalesce(
                "request__escalated_from__escalated_from__escalated_from__due_on",
                "request__escalated_from__escalated_from__due_on",
                "request__escalated_from__due_on",
                "request__due_on",
            ),
        )
        .values("outcome", where=F("request__declaration__setting_id"))
        .annotate(
            current=Count("pk", filter=current),
            previous=Count("pk", filter=previous),
            late=Count("pk", filter=current & final & late),
            late_before=Count("pk", filter=previous & final & late),
            after_planned=Count("pk", filter=current & final & after_planned),
            after_planned_before=Count("pk", filter=previous & final & after_planned),
        )
        .order_by()
    )
    now = _by_setting(rows, "outcome", scope, "current")
    before = _by_setting(rows, "outcome", scope, "previous")
    zero = [0] * len(scope.settings)
    both_e, current_e, previous_e = scope.within("created_at")
    escalations = list(
        ApprovalRequest.objects.filter(
            both_e,
            purpose=ApprovalRequest.Purpose.DECIDE,
            escalated_from__isnull=False,
            declaration__setting_id__in=scope.setting_ids,
        )
        .values(where=F("declaration__setting_id"))
        .annotate(current=Count("pk", filter=current_e), previous=Count("pk", filter=previous_e))
        .order_by()
    )

    def line(measure: str, source: list[dict]) -> list[int]:
        return _by_setting([{**row, "line": 0} for row in source], "line", scope, measure).get(
            0, zero
        )

    outcome_counts = suppressed_counts(
        scope,
        [
            *[Outcome(code).label for code in FINAL_ORDER],
            (FINAL_DECISIONS, list(range(len(FINAL_ORDER)))),
            *[Outcome(code).label for code in PASSING_ORDER],
            (
                "Passed on, or more information asked for",
                list(range(len(FINAL_ORDER) + 1, len(OUTCOME_ORDER) + 1)),
            ),
            # No grand total: with it, a hidden count among the three above could be
            # found as the grand total less the final decisions.
        ],
        [now.get(code, zero) for code in OUTCOME_ORDER],
        [before.get(code, zero) for code in OUTCOME_ORDER],
    )
    late_counts = suppressed_counts(
        scope,
        [
            "Final decisions made after the due date",
            "Final decisions made on or after the planned date of the contact",
            "Requests passed one level up because no decision was made in time",
        ],
        [line("late", rows), line("after_planned", rows), line("current", escalations)],
        [
            line("late_before", rows),
            line("after_planned_before", rows),
            line("previous", escalations),
        ],
        additive=False,
        under=[
            (outcome_counts, FINAL_DECISIONS, "Final decisions made after the due date"),
            (
                outcome_counts,
                FINAL_DECISIONS,
                "Final decisions made on or after the planned date of the contact",
            ),
        ],
    )
    tables = {
        "outcomes": count_table(
            scope,
            outcome_counts,
            key="outcomes",
            title="Outcomes of the decisions made",
            caption="Decisions made in the period, by outcome and setting. Final decisions "
            "settle a declaration; the others pass it to someone else or back to the staff "
            "member, so a declaration can have more than one decision.",
        ),
        "timeliness": count_table(
            scope,
            late_counts,
            key="timeliness",
            title="Late decisions and escalations",
            caption="Final decisions made after the date they were first due, or on or after "
            "the date of the planned contact; and requests passed one level up because "
            "nobody had decided them by their due date.",
        ),
    }
    return tables, outcome_counts


def _waits(scope: Scope, outcome_counts: Counts) -> dict[str, Any]:
    both, current, previous = scope.within("decided_at")
    final = (
        _decisions(scope)
        .filter(both, outcome__in=FINAL_OUTCOMES)
        .annotate(
            wait=ExpressionWrapper(
                F("decided_at") - F("request__declaration__first_submitted_at"),
                output_field=DurationField(),
            ),
            is_current=Case(When(current, then=Value(1)), default=Value(0)),
            where=F("request__declaration__setting_id"),
        )
    )
    band = Case(
        *[
            When(wait__lte=limit, then=Value(i))
            for i, (_label, limit) in enumerate(WAIT_BANDS)
            if limit is not None
        ],
        default=Value(len(WAIT_BANDS) - 1),
        output_field=IntegerField(),
    )
    band_rows = list(
        final.annotate(band=band)
        .values("band", "where")
        .annotate(current=Count("pk", filter=current), previous=Count("pk", filter=previous))
        .order_by()
    )
    zero = [0] * len(scope.settings)
    now = _by_setting(band_rows, "band", scope, "current")
    before = _by_setting(band_rows, "band", scope, "previous")
    wait_counts = suppressed_counts(
        scope,
        [label for label, _limit in WAIT_BANDS] + [(FINAL_DECISIONS, list(range(len(WAIT_BANDS))))],
        [now.get(i, zero) for i in range(len(WAIT_BANDS))],
        [before.get(i, zero) for i in range(len(WAIT_BANDS))],
        like=(outcome_counts, FINAL_DECISIONS, FINAL_DECISIONS),
    )

    # The median and 90th percentile by nearest rank, found in the database: in each
    # group, the decision whose rank is the ceiling of n/2 or of 9n/10.
    found: dict[tuple[int, int | None], dict[str, Any]] = {}
    for partition in (["is_current", "where"], ["is_current"]):
        ranked = final.annotate(
            rank=Window(
                RowNumber(), partition_by=[F(name) for name in partition], order_by=F("wait").asc()
            ),
            n=Window(Count("pk"), partition_by=[F(name) for name in partition]),
        ).filter(Q(rank=(F("n") + 1) / 2) | Q(rank=(F("n") * 9 + 9) / 10))
        for row in ranked.values("is_current", "where", "rank", "n", "wait"):
            key = (row["is_current"], row["where"] if "where" in partition else None)
            entry = found.setdefault(key, {"n": row["n"]})
            if row["rank"] == (row["n"] + 1) // 2:
                entry["median"] = row["wait"]
            if row["rank"] == (row["n"] * 9 + 9) // 10:
                entry["p90"] = row["wait"]

    final_line = outcome_counts.line(FINAL_DECISIONS)

    def cell(is_current: int, column: int, measure: str) -> dict[str, Any]:
        # Where the number of final decisions is hidden, so is anything that would tell
        # it apart ("fewer than 10 decisions" would say it is 5 to 9).
        hidden = outcome_counts.hidden if is_current else outcome_counts.hidden_before
        if (final_line, column) in hidden:
            return _text_cell("not shown")
        where = scope.setting_ids[column] if column < len(scope.settings) else None
        if len(scope.settings) == 1:
            where = None
        entry = found.get((is_current, where), {"n": 0})
        smallest = PERCENTILE_SMALLEST if measure == "p90" else SMALLEST_SHOWN
        return _days_cell(entry.get(measure), entry["n"], smallest)

    columns, header = scope.shown()
    return {
        "waits": count_table(
            scope,
            wait_counts,
            key="waits",
            title="Time to a final decision",
            caption="Final decisions (approved, approved with conditions, refused or noted) "
            "made in the period, by the time from when the declaration was first sent to "
            "the decision.",
            detail=False,
        ),
        "wait_times": {
            "key": "wait_times",
            "title": "Median and 90th-percentile time to a final decision",
            "caption": "Half of final decisions were made within the median time, and nine "
            "in ten within the 90th percentile. The median is not shown for fewer than 5 "
            "decisions, nor the 90th percentile for fewer than 10, nor either where the "
            "number of final decisions is hidden.",
            "header": [*header, "Previous period"],
            "rows": [
                {
                    "label": label,
                    "cells": [cell(1, column, measure) for column in columns]
                    + [cell(0, scope.previous_column, measure)],
                    "total": False,
                }
                for label, measure in (("Median", "median"), ("90th percentile", "p90"))
            ],
        },
    }


def _open_now(scope: Scope) -> dict[str, Any]:
    overdue = Q(due_on__lt=scope.today)
    rows = list(
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN,
            declaration__setting_id__in=scope.setting_ids,
        )
        .filter(
            Q(kind=FollowUp.Kind.REVIEW)
            | Q(kind=FollowUp.Kind.ACTION, decision__outcome=Outcome.REFUSED)
        )
        .values("kind", where=F("declaration__setting_id"))
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    )
    zero = [0] * len(scope.settings)
    opened = _by_setting(rows, "kind", scope, "open")
    late = _by_setting(rows, "kind", scope, "overdue")
    review, action = FollowUp.Kind.REVIEW, FollowUp.Kind.ACTION
    counts = suppressed_counts(
        scope,
        [
            "Monitoring arrangements open",
            "Monitoring reviews overdue",
            "Required actions after a refusal not confirmed by the deadline",
        ],
        [opened.get(review, zero), late.get(review, zero), late.get(action, zero)],
        additive=False,
        under=[(None, "Monitoring arrangements open", "Monitoring reviews overdue")],
    )
    return count_table(
        scope,
        counts,
        key="open_now",
        title=f"Open on {scope.today:%-d %B %Y}",
        caption="Arrangements being monitored, reviews past their date, and actions "
        "required after a refusal that the staff member has not confirmed by the deadline.",
    )


def _round_counts(scope: Scope, organisations: list[Organisation]) -> dict[int, Completion]:
    """For each organisation shown, the latest declaration round covering it (its own,
    or its trust's or federation's) and how many of the people holding a role there
    have answered it: two or three queries."""
    ids = {organisation.pk for organisation in organisations}
    ids |= {organisation.parent_id for organisation in organisations if organisation.parent_id}
    latest: dict[int, tuple[datetime.datetime, int]] = {}
    for round_id, organisation_id, opened_at in (
        DeclarationRound.objects.filter(organisation_id__in=ids, opened_at__date__lte=scope.today)
        .order_by("organisation_id", "-opened_at", "-pk")
        .values_list("pk", "organisation_id", "opened_at")
    ):
        latest.setdefault(organisation_id, (opened_at, round_id))
    chosen = {}
    for organisation in organisations:
        # The newer of the setting's own latest round and its trust's or federation's.
        candidates = [
            latest[key] for key in (organisation.pk, organisation.parent_id) if key in latest
        ]
        chosen[organisation.pk] = max(candidates)[1] if candidates else None
    # How many people were asked, and how many answered, each counted once.
    answered = {
        "total": Count("person_id", distinct=True),
        "answered": Count(
            "person_id", distinct=True, filter=~Q(answer=RoundResponse.Answer.OUTSTANDING)
        ),
    }
    # Each answer, under each organisation where the person holds a role today.
    held_today = Q(person__memberships__starts_on__lte=scope.today) & (
        Q(person__memberships__ends_on__isnull=True)
        | Q(person__memberships__ends_on__gte=scope.today)
    )
    counted = {
        (row["round_id"], row["organisation"]): row
        for row in RoundResponse.objects.filter(
            held_today,
            round_id__in={pk for pk in chosen.values() if pk},
            person__memberships__organisation_id__in=[item.pk for item in organisations],
        )
        .values("round_id", organisation=F("person__memberships__organisation_id"))
        .annotate(**answered)
        .order_by()
    }
    result = {}
    for organisation in organisations:
        row = counted.get((chosen[organisation.pk], organisation.pk))
        if row is not None and organisation.is_setting:
            result[organisation.pk] = Completion(row["answered"], row["total"])
    # A trust or federation as a whole: everyone its own round asked, or else its
    # settings' rounds added together.
    for organisation in organisations:
        if organisation.is_setting:
            continue
        own = latest.get(organisation.pk)
        if own is not None:
            # Everyone its round asked who still holds a role in it or its settings.
            answers = (
                RoundResponse.objects.filter(
                    held_today,
                    round_id=own[1],
                    person__memberships__organisation__in=Organisation.objects.filter(
                        Q(pk=organisation.pk) | Q(parent_id=organisation.pk)
                    ),
                )
                .annotate(everyone=Value(1))
                .values("everyone")
                .annotate(**answered)
                .order_by()
            )
            found = next(iter(answers), {"answered": 0, "total": 0})
            result[organisation.pk] = Completion(found["answered"], found["total"])
        else:
            parts = [result[item.pk] for item in organisations if item.pk in result]
            if parts:
                result[organisation.pk] = Completion(
                    sum(part.done for part in parts), sum(part.total for part in parts)
                )
    return result


def _compliance(scope: Scope) -> dict[str, Any]:
    columns, header = scope.shown()
    shown = [scope.settings[c] for c in columns if c < len(scope.settings)]
    whole = (
        scope.organisation
        if any(c == scope.total_column for c in columns) and len(scope.settings) > 1
        else None
    )
    ids = [setting.pk for setting in shown] + ([whole.pk] if whole else [])
    acknowledged = acknowledgement_counts(ids)
    trained = training_counts_by_organisation(ids, scope.today)
    rounds = _round_counts(scope, shown + ([whole] if whole else []))
    keys: list[int | None] = [setting.pk for setting in shown] + ([None] if whole else [])
    if whole:
        header = [*header[:-1], f"All of {whole.name}"]
    return {
        "key": "compliance",
        "title": f"Policy, training and the annual round on {scope.today:%-d %B %Y}",
        "caption": "Of the people holding a role in each setting: the share who have "
        "acknowledged the policy version in force, whose safeguarding training is up to "
        "date, and who answered the latest annual declaration round there. Where fewer "
        "than 5 people have, or have not, the share is given in words.",
        "header": header,
        "rows": [
            {
                "label": "Acknowledged the policy in force",
                "cells": [
                    _percent_cell(acknowledged.get(key), "no policy published") for key in keys
                ],
                "total": False,
            },
            {
                "label": "Safeguarding training up to date",
                "cells": [_percent_cell(trained.get(key), "nobody holds a role") for key in keys],
                "total": False,
            },
            {
                "label": ANNUAL_ROUND,
                "cells": [
                    _percent_cell(rounds.get(key if key else whole.pk), "no round yet")
                    for key in keys
                ],
                "total": False,
            },
        ],
    }


def _at_a_glance(tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The few figures a board reads first, taken from the tables (already made safe)."""

    def pick(key: str, label: str) -> list[dict[str, Any]]:
        table = tables[key]
        header = table["header"]
        cells = next(row["cells"] for row in table["rows"] if row["label"] == label)
        has_previous = header[-1] == "Previous period"
        this = len(header) - (2 if has_previous else 1)  # the total, or the only column
        return [cells[this], cells[-1] if has_previous else _text_cell("not compared")]

    rows = [
        ("Declarations", pick("kinds", ALL_DECLARATIONS)),
        ("Final decisions made", pick("outcomes", FINAL_DECISIONS)),
        ("Median time to a final decision", pick("wait_times", "Median")),
        (
            "Final decisions made after the due date",
            pick("timeliness", "Final decisions made after the due date"),
        ),
        (REVIEWS_OVERDUE, pick("open_now", "Monitoring reviews overdue")),
        (
            REQUIRED_ACTIONS_LATE,
            pick("open_now", "Required actions after a refusal not confirmed by the deadline"),
        ),
        (
            "Acknowledged the policy in force",
            pick("compliance", "Acknowledged the policy in force"),
        ),
        (
            "Safeguarding training up to date",
            pick("compliance", "Safeguarding training up to date"),
        ),
        (ANNUAL_ROUND, pick("compliance", ANNUAL_ROUND)),
    ]
    return {
        "key": "glance",
        "title": "At a glance",
        "caption": "The main figures, for the whole organisation; the tables below give "
        "each setting. Figures about now are not compared with the previous period.",
        "header": ["This period", "Previous period"],
        "rows": [{"label": label, "cells": cells, "total": False} for label, cells in rows],
    }


# Key messages ---------------------------------------------------------------------------


def _glance_cells(report: dict[str, Any], label: str) -> list[dict[str, Any]] | None:
    """(this period, previous period) of an "At a glance" row; None in a summary saved
    before the row was there."""
    glance = report.get("tables", {}).get("glance")
    rows = [row["cells"] for row in glance["rows"] if row["label"] == label] if glance else []
    return rows[0] if rows else None


def _how_many(cell: dict[str, Any], one: str, many: str) -> str | None:
    """ "12 declarations", "1 declaration" or "fewer than 5 declarations", exactly as the
    tables have it; None where the tables hide the figure (it is not said either)."""
    if cell["value"] is not None:
        return f"{cell['text']} {one if cell['value'] == 1 else many}"
    if cell["text"] == SUPPRESSED:
        return f"{SUPPRESSED} {many}"
    return None


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def _declarations_message(report: dict[str, Any]) -> str | None:
    cells = _glance_cells(report, "Declarations")
    if cells is None:
        return None
    now, before = cells
    said = _how_many(now, "new declaration was", "new declarations were")
    if said is None:
        return (
            "The number of declarations is not shown, so that a smaller count cannot be worked out."
        )
    if now["value"] == 0:
        said = "no new declarations were"
    compared = ""
    if now["value"] is not None and before["value"] is not None:
        if before["value"] == now["value"]:
            compared = ", the same as in the previous period"
        else:
            way = "up" if now["value"] > before["value"] else "down"
            compared = f", {way} from {before['text']} in the previous period"
    elif before["text"] == SUPPRESSED:
        compared = f", compared with {SUPPRESSED} in the previous period"
    return _sentence(f"{said} sent to be decided in this period{compared}.")


def _on_time_message(report: dict[str, Any]) -> str | None:
    final, late = (
        _glance_cells(report, "Final decisions made"),
        _glance_cells(report, "Final decisions made after the due date"),
    )
    if final is None or late is None:
        return None
    final, late = final[0], late[0]
    if final["value"] == 0:
        return "No final decision was made in this period."
    if final["value"] is None:
        if final["text"] == SUPPRESSED:
            return (
                "Fewer than 5 final decisions were made in this period: too few to say how "
                "many were made by their due date."
            )
        return None
    if late["value"] == 0:
        return f"All {final['text']} final decisions were made by their due date."
    if late["value"] is not None:
        # Never "100%" while some were late, nor "0%" while some were on time.
        on_time = min(max(percentage(final["value"] - late["value"], final["value"]), 1), 99)
        if late["value"] == final["value"]:
            return f"None of the {final['text']} final decisions was made by its due date."
        return (
            f"{on_time}% of the {final['text']} final decisions were made by their due date; "
            f"{_how_many(late, 'was', 'were')} made after it."
        )
    if late["text"] == SUPPRESSED:
        return (
            f"All but {SUPPRESSED} of the {final['text']} final decisions were made by "
            "their due date."
        )
    return None


def _open_message(report: dict[str, Any], label: str, none: str, one: str, many: str):
    cells = _glance_cells(report, label)
    if cells is None:
        return None
    if cells[0]["value"] == 0:
        return none
    said = _how_many(cells[0], one, many)
    return _sentence(f"{said}.") if said else None


def _round_message(report: dict[str, Any]) -> str | None:
    cells = _glance_cells(report, ANNUAL_ROUND)
    if cells is None:
        return None
    cell = cells[0]
    answered = "answered the latest annual declaration round"
    if cell["value"] is not None:
        return f"{cell['text']} of the people asked have {answered}."
    return {
        "no round yet": "No annual declaration round has been opened yet.",
        TOO_FEW_PEOPLE: f"Fewer than 5 people have {answered}.",
        ALL_BUT_A_FEW: f"All but fewer than 5 of the people asked have {answered}.",
    }.get(cell["text"])


def key_messages(report: dict[str, Any]) -> list[str]:
    """Three to five plain sentences a governor can read aloud, written from the "At a
    glance" figures, so already made safe: a figure a table hides is never stated, and
    "fewer than 5" is said just as the tables say it. A pure function of the report, so
    a saved summary reads as it did (one saved before a row existed says less)."""
    messages = [
        _declarations_message(report),
        _on_time_message(report),
        _open_message(
            report,
            REQUIRED_ACTIONS_LATE,
            "No action required after a refusal is waiting past its deadline to be confirmed.",
            "required action after a refusal was not confirmed by its deadline",
            "required actions after a refusal were not confirmed by their deadline",
        ),
        _open_message(
            report,
            REVIEWS_OVERDUE,
            "No monitoring review is overdue.",
            "monitoring review is overdue",
            "monitoring reviews are overdue",
        ),
        _round_message(report),
    ]
    return [message for message in messages if message]


def summary_build(
    *, organisation: Organisation, period: Period, today: datetime.date | None = None
) -> dict[str, Any]:
    """The anonymised summary of ``organisation`` for ``period``, compared with the
    period of the same length before it: a fixed number of grouped queries."""
    today = today or timezone.localdate()
    settings = group_settings(organisation)
    focus = (
        next(i for i, setting in enumerate(settings) if setting.pk == organisation.pk)
        if organisation.is_setting and len(settings) > 1
        else None
    )
    report = {
        "schema": SCHEMA,
        "organisation": organisation.name,
        "organisation_id": organisation.pk,
        "settings": [organisation.name] if focus is not None else [s.name for s in settings],
        "period": {
            "token": period.token,
            "title": period.title,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "so_far": period.so_far,
            "dates": f"{period.starts_on:%-d %B %Y} to {period.ends_on:%-d %B %Y}",
        },
        "previous": {
            "title": period.previous().title,
            "starts_on": period.previous().starts_on.isoformat(),
            "ends_on": period.previous().ends_on.isoformat(),
        },
        "made_on": today.isoformat(),
        "made_on_text": f"{today:%-d %B %Y}",
        "tables": {},
    }
    if not settings:
        return report  # a trust or federation with no schools yet: nothing to count
    scope = Scope(organisation, settings, period, period.previous(), today, focus)
    tables = _declarations(scope)
    outcome_tables, outcome_counts = _outcomes(scope)
    tables.update(outcome_tables)
    tables.update(_waits(scope, outcome_counts))
    tables["open_now"] = _open_now(scope)
    tables["compliance"] = _compliance(scope)
    report["tables"] = {"glance": _at_a_glance(tables), **tables}
    return report


def summary_cached(
    *, organisation: Organisation, period: Period, today: datetime.date | None = None
) -> dict[str, Any]:
    """``summary_build``, kept in the shared cache for SUMMARY_CACHE_SECONDS so that a
    board's worth of governors opening it, or downloading it, count it once (#10).

    The figures are as they were when worked out (``worked_out_at``, a time the page
    shows): a decision made since then shows within minutes. A saved summary never
    comes from here, so the board papers hold the figures of the moment they were saved.
    """
    today = today or timezone.localdate()
    key = ":".join(
        str(part)
        for part in (
            "summary",
            SCHEMA,
            organisation.pk,
            period.token,
            period.starts_on,
            period.ends_on,
            today,
        )
    )
    cache = caches["summaries"]
    report = cache.get(key)
    if report is not None:
        return report
    seconds = django_settings.SUMMARY_CACHE_SECONDS
    # One working-out at a time: a trust's year takes seconds, and every governor who
    # opened it meanwhile would otherwise tie up a web worker doing the same (#10).
    if seconds > 0 and not cache.add(f"{key}:working-out", True, WORKING_OUT_SECONDS):
        report = _wait_for(cache, key)
        if report is not None:
            return report
    try:
        report = summary_build(organisation=organisation, period=period, today=today)
        now = timezone.localtime()
        report["worked_out_at"] = f"{now:%H:%M}"
        report["cache_key"] = f"{key}:{now.isoformat()}"  # names this working-out
        cache.set(key, report, seconds)
    finally:
        cache.delete(f"{key}:working-out")
    return report


WORKING_OUT_SECONDS = 60  # the longest anyone waits for another's working-out


def _wait_for(cache: Any, key: str) -> dict[str, Any] | None:
    """The report someone else is working out, once it is in the cache; None if it does
    not come within WORKING_OUT_SECONDS (they failed: work it out here)."""
    deadline = time.monotonic() + WORKING_OUT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.25)
        report = cache.get(key)
        if report is not None or cache.get(f"{key}:working-out") is None:
            return report  # theirs, or None when theirs failed and let go
    return None


def summary_html_cached(report: dict[str, Any], render: Any) -> str:
    """The report drawn as HTML by ``render(report)``, kept beside the figures it was
    drawn from: a whole trust's tables and charts take longer to draw than to read."""
    key = report.get("cache_key")
    if key is None:
        return mark_safe(render(report))  # noqa: S308 (the project's own escaped template)
    html = caches["summaries"].get_or_set(
        f"{key}:html", lambda: str(render(report)), django_settings.SUMMARY_CACHE_SECONDS
    )
    return mark_safe(html)  # noqa: S308 (the project's own escaped template)
