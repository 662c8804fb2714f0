"""The governors' summaries (R33): anonymised figures for an organisation and a period.

Everything is counted in the database with grouped queries, so a summary costs the same
number of queries for ten declarations as for a million. The figures are then made safe
to read: no name, identifier or free text ever enters them, any count from 1 to 4 shows
as "fewer than 5", and wherever a total would let a reader subtract their way to a
hidden count, another count in the same line is hidden too (complementary suppression).
The result is a plain dictionary, so that a saved snapshot renders exactly as it did.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

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
from django.db.models.functions import RowNumber, TruncDate, TruncMonth
from django.utils import timezone

from approvals.models import FINAL_OUTCOMES, ApprovalRequest, Decision, Outcome
from declarations.kinds import KINDS
from declarations.models import Declaration
from directory.access import SUMMARY_ROLES, Access
from directory.models import Organisation, Role
from policies.selectors import (
    Completion,
    acknowledgement_counts,
    percentage,
    training_counts_by_organisation,
)
from registers.models import DeclarationRound, FollowUp, RoundResponse, SummarySnapshot
from registers.periods import Period

SMALLEST_SHOWN = 5
SUPPRESSED = "fewer than 5"
HIDDEN = "hidden"  # 5 or more, hidden so that a smaller count cannot be worked out
TOO_FEW_PEOPLE = "fewer than 5 people"
TOO_FEW_DECISIONS = "fewer than 5 decisions"

# How long a final decision took from submission, in calendar days.
WAIT_BANDS = [
    ("Within 2 days", datetime.timedelta(days=2)),
    ("3 to 7 days", datetime.timedelta(days=7)),
    ("8 to 14 days", datetime.timedelta(days=14)),
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
    return SummarySnapshot.objects.filter(
        organisation__in=summary_organisations_for(user=user)
    ).select_related("organisation", "saved_by")


def report_settings(organisation: Organisation) -> list[Organisation]:
    """The settings a summary reports on, side by side: the setting itself, or each
    school or pre-school of a trust or federation."""
    if organisation.is_setting:
        return [organisation]
    return list(
        Organisation.objects.filter(
            parent=organisation, kind__in=Organisation.SETTING_KINDS
        ).order_by("name")
    )


def chair_decisions_for(
    *, user: Any, organisation: Organisation, period: Period
) -> QuerySet[Decision]:
    """With names, and only for the Chair of Governors: the decisions the Chair made in
    the period, on the Executive Headteacher's own declarations. Nothing else named."""
    access = Access.for_user(user)
    if not access.has_role(Role.CHAIR, organisation=organisation):
        return Decision.objects.none()
    start, end = _bounds(period)
    return (
        Decision.objects.filter(
            decided_by_id=access.person_id,
            decided_at__gte=start,
            decided_at__lt=end,
            request__declaration__setting__in=[*report_settings(organisation), organisation],
        )
        .select_related("request__declaration__declarant")
        .order_by("decided_at")
    )


# Suppression -----------------------------------------------------------------------------


Position = tuple[int, int]
Equation = tuple[list[Position], Position]


UNBOUNDED = 10**9


def _bounds_known(
    grid: list[list[int]], equations: list[Equation], hidden: set[Position]
) -> dict[Position, tuple[int, int]]:
    """What a reader can work out about each hidden count: it shows as "fewer than 5"
    (so 1 to 4) or as "hidden" (so 5 or more), and every equation narrows it further."""
    bounds = {
        position: (1, 4) if grid[position[0]][position[1]] < SMALLEST_SHOWN else (5, UNBOUNDED)
        for position in hidden
    }
    for _round in range(50):
        changed = False
        for parts, total in equations:
            signed = [(part, 1) for part in parts] + [(total, -1)]
            unknown = [(member, sign) for member, sign in signed if member in hidden]
            if not unknown:
                continue
            # The hidden members, each with its sign, add up to ``rest``.
            rest = -sum(sign * grid[m[0]][m[1]] for m, sign in signed if m not in hidden)
            lows = {m: bounds[m][0] if sg > 0 else -bounds[m][1] for m, sg in unknown}
            highs = {m: bounds[m][1] if sg > 0 else -bounds[m][0] for m, sg in unknown}
            all_low, all_high = sum(lows.values()), sum(highs.values())
            for member, sign in unknown:
                # What the other hidden members can add up to, between them.
                low, high = all_low - lows[member], all_high - highs[member]
                low, high = (rest - high, rest - low) if sign > 0 else (low - rest, high - rest)
                old = bounds[member]
                new = (max(old[0], low), min(old[1], high, UNBOUNDED))
                if new != old and new[0] <= new[1]:
                    bounds[member] = new
                    changed = True
        if not changed:
            break
    return bounds


def hidden_cells(
    grid: list[list[int]],
    equations: list[Equation],
    fixed: dict[Position, bool] | None = None,
) -> set[Position]:
    """Which counts to hide: every count from 1 to 4 (primary suppression) and then,
    while any equation (its parts add up to its total) has exactly one hidden member,
    or a hidden count could be pinned down by working through the equations, the
    smallest non-zero visible part of an equation it is in (complementary
    suppression). A total is only hidden as a last resort, because the same total may
    be shown in another table. ``fixed`` gives the figures another table has already
    decided (hidden or not), which are never changed here."""
    fixed = fixed or {}

    def value(position: Position) -> int:
        return grid[position[0]][position[1]]

    def hide_another(parts: list[Position], total: Position) -> bool:
        candidates = [
            part for part in parts if part not in hidden and part not in fixed and value(part) > 0
        ]
        if not candidates and total not in hidden and total not in fixed:
            candidates = [total]
        if candidates:
            hidden.add(min(candidates, key=lambda part: (value(part), part)))
        return bool(candidates)

    hidden = {(r, c) for r, row in enumerate(grid) for c, count in enumerate(row) if 0 < count < 5}
    hidden = (hidden - set(fixed)) | {
        position for position, is_hidden in fixed.items() if is_hidden
    }
    while True:
        changed = False
        for parts, total in equations:
            if sum(member in hidden for member in [*parts, total]) == 1:
                changed |= hide_another(parts, total)
        if changed:
            continue
        bounds = _bounds_known(grid, equations, hidden)
        pinned = [
            position for position in sorted(hidden) if bounds[position][0] == bounds[position][1]
        ]
        for position in pinned:
            if any(
                hide_another(parts, total)
                for parts, total in equations
                if position in [*parts, total]
            ):
                changed = True
                break
        if not changed:
            return hidden


def _count_cell(count: int, hidden: bool) -> dict[str, Any]:
    if hidden:
        return {"value": None, "text": SUPPRESSED if count < SMALLEST_SHOWN else HIDDEN}
    return {"value": count, "text": f"{count:,}"}


Line = str | tuple[str, list[int]]  # a row of counts, or a total of earlier lines


def _column_sums(
    lines: list[Line], data: list[list[int]], width: int
) -> tuple[list[list[int]], list]:
    """Each line's counts (a total line adds up the lines it names) and, for each total
    line, its equations: one per column."""
    full: list[list[int]] = []
    sums: list[tuple[int, list[int]]] = []
    rows = iter(data)
    for index, line in enumerate(lines):
        if isinstance(line, str):
            full.append(list(next(rows)))
        else:
            full.append([sum(full[part][c] for part in line[1]) for c in range(width)])
            sums.append((index, line[1]))
    equations = [
        ([(part, c) for part in parts], (index, c)) for index, parts in sums for c in range(width)
    ]
    return full, equations


def count_table(
    *,
    key: str,
    title: str,
    caption: str,
    rows: list[Line],
    columns: list[str],
    grid: list[list[int]],
    previous: list[int] | None = None,
    additive: bool = True,
    total_row: str = "",
    fixed: dict[Position, bool] | None = None,
) -> dict[str, Any]:
    """A table of counts, rows by columns, with a Total column when there is more than
    one column. A row is a label, or (label, [earlier rows]) for a subtotal of those;
    ``total_row`` adds a total of every plain row at the end. ``previous`` adds a column
    for the previous period, hidden on its own. ``additive`` is False for rows that are
    not parts of one whole. ``fixed`` (row, column) figures were already decided, hidden
    or shown, by another table that shows the same figure (the previous period's column
    is column ``len(columns) + 1`` for a table with a Total column, else 1)."""
    lines: list[Line] = list(rows)
    if total_row and additive:
        lines.append((total_row, [i for i, line in enumerate(lines) if isinstance(line, str)]))
    with_total_column = len(columns) > 1
    data = [list(row) + ([sum(row)] if with_total_column else []) for row in grid]
    width = len(columns) + (1 if with_total_column else 0)
    full, equations = _column_sums(lines, data, width)
    if with_total_column:
        equations += [
            ([(r, c) for c in range(len(columns))], (r, len(columns))) for r in range(len(full))
        ]
    previous_column = width
    fixed = fixed or {}
    hidden = hidden_cells(
        full,
        equations,
        {
            position: is_hidden
            for position, is_hidden in fixed.items()
            if position[1] != previous_column
        },
    )

    old_hidden: set[Position] = set()
    old: list[list[int]] = []
    if previous is not None:
        old, old_equations = _column_sums(lines, [[count] for count in previous], 1)
        old_fixed = {
            (r, 0): is_hidden for (r, c), is_hidden in fixed.items() if c == previous_column
        }
        old_hidden = hidden_cells(old, old_equations, old_fixed)

    header = list(columns) + (["Total"] if with_total_column else [])
    if previous is not None:
        header.append("Previous period")
    table_rows = []
    for r, line in enumerate(lines):
        cells = [_count_cell(count, (r, c) in hidden) for c, count in enumerate(full[r])]
        if previous is not None:
            cells.append(_count_cell(old[r][0], (r, 0) in old_hidden))
        label = line if isinstance(line, str) else line[0]
        table_rows.append({"label": label, "cells": cells, "total": not isinstance(line, str)})
    return {"key": key, "title": title, "caption": caption, "header": header, "rows": table_rows}


def _text_cell(text: str, value: float | None = None) -> dict[str, Any]:
    return {"value": value, "text": text}


def _percent_cell(completion: Completion | None, missing: str) -> dict[str, Any]:
    if completion is None or not completion.applies:
        return _text_cell(missing)
    if completion.total < SMALLEST_SHOWN:
        return _text_cell(TOO_FEW_PEOPLE)
    value = percentage(completion.done, completion.total)
    return _text_cell(f"{value}%", value)


def _days_cell(wait: datetime.timedelta | None, count: int) -> dict[str, Any]:
    if count == 0 or wait is None:
        return _text_cell("none decided" if count == 0 else TOO_FEW_DECISIONS)
    if count < SMALLEST_SHOWN:
        return _text_cell(TOO_FEW_DECISIONS)
    days = round(wait.total_seconds() / 86400, 1)
    return _text_cell(f"{days:g} day{'' if days == 1 else 's'}", days)


# The queries -----------------------------------------------------------------------------


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
    settings: list[Organisation]
    period: Period
    previous: Period
    today: datetime.date

    @property
    def setting_ids(self) -> list[int]:
        return [setting.pk for setting in self.settings]

    def within(self, field: str) -> tuple[Q, Q, Q]:
        """(both periods, this period, the previous period) on a datetime field."""
        start, end = _bounds(self.period)
        old_start, _old_end = _bounds(self.previous)
        both = Q(**{f"{field}__gte": old_start, f"{field}__lt": end})
        return both, Q(**{f"{field}__gte": start}), Q(**{f"{field}__lt": start})


def _by_setting(rows, key: str, scope: Scope, measure: str) -> dict[str, list[int]]:
    """{row key: [count per setting]} from grouped rows."""
    index = {pk: i for i, pk in enumerate(scope.setting_ids)}
    result: dict[str, list[int]] = {}
    for row in rows:
        counts = result.setdefault(row[key], [0] * len(index))
        counts[index[row["where"]]] += row[measure]
    return result


def _declarations(scope: Scope) -> dict[str, Any]:
    both, current, previous = scope.within("submitted_at")
    rows = list(
        Declaration.objects.filter(both, setting_id__in=scope.setting_ids)
        .values("kind", where=F("setting_id"))
        .annotate(current=Count("pk", filter=current), previous=Count("pk", filter=previous))
        .order_by()
    )
    now = _by_setting(rows, "kind", scope, "current")
    before = _by_setting(rows, "kind", scope, "previous")
    kinds = [code for code in KINDS if code in now or code in before]
    zero = [0] * len(scope.settings)
    start, end = _bounds(scope.period)
    months = dict(
        Declaration.objects.filter(
            setting_id__in=scope.setting_ids, submitted_at__gte=start, submitted_at__lt=end
        )
        .annotate(month=TruncMonth("submitted_at"))
        .values_list("month")
        .annotate(count=Count("pk"))
        .values_list("month", "count")
        .order_by()
    )
    by_month = {month.date().replace(day=1): count for month, count in months.items()}
    month_starts = _months(scope.period)
    return {
        "kinds": count_table(
            key="kinds",
            title="Declarations by kind",
            caption="Declarations submitted in the period, by kind and setting.",
            rows=[KINDS[code].name for code in kinds],
            columns=[setting.name for setting in scope.settings],
            grid=[now.get(code, zero) for code in kinds],
            previous=[sum(before.get(code, zero)) for code in kinds],
            total_row="All declarations",
        ),
        "months": count_table(
            key="months",
            title="Declarations each month",
            caption="Declarations submitted in each month of the period, all settings.",
            rows=[f"{month:%B %Y}" for month in month_starts],
            columns=["Declarations"],
            grid=[[by_month.get(month, 0)] for month in month_starts],
            total_row="All declarations",
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


def _outcomes(scope: Scope) -> dict[str, Any]:
    both, current, previous = scope.within("decided_at")
    late = Q(decided_on__gt=F("request__due_on"))
    after_planned = Q(decided_on__gt=F("request__declaration__key_date"))
    rows = list(
        _decisions(scope)
        .filter(both)
        .annotate(decided_on=TruncDate("decided_at"))
        .values("outcome", where=F("request__declaration__setting_id"))
        .annotate(
            current=Count("pk", filter=current),
            previous=Count("pk", filter=previous),
            late=Count("pk", filter=current & late),
            late_before=Count("pk", filter=previous & late),
            after_planned=Count("pk", filter=current & after_planned),
            after_planned_before=Count("pk", filter=previous & after_planned),
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
        return _by_setting([{**row, "line": "all"} for row in source], "line", scope, measure).get(
            "all", zero
        )

    return {
        "outcomes": count_table(
            key="outcomes",
            title="Outcomes of the decisions made",
            caption="Decisions made in the period, by outcome and setting. Final decisions "
            "settle a declaration; the others pass it to someone else or back to the staff "
            "member, so a declaration can have more than one decision.",
            rows=[
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
            columns=[setting.name for setting in scope.settings],
            grid=[now.get(code, zero) for code in OUTCOME_ORDER],
            previous=[sum(before.get(code, zero)) for code in OUTCOME_ORDER],
        ),
        "timeliness": count_table(
            key="timeliness",
            title="Late decisions and escalations",
            caption="Decisions made after the date they were due, or after the date of the "
            "planned contact; and requests passed one level up because nobody had decided "
            "them by their due date.",
            rows=[
                "Decided after the due date",
                "Decided after the planned date of the contact",
                "Escalated because a decision was overdue",
            ],
            columns=[setting.name for setting in scope.settings],
            grid=[line("late", rows), line("after_planned", rows), line("current", escalations)],
            previous=[
                sum(line("late_before", rows)),
                sum(line("after_planned_before", rows)),
                sum(line("previous", escalations)),
            ],
            additive=False,
        ),
    }


def _hidden_as_in(table: dict[str, Any], label: str) -> dict[Position, bool]:
    """Whether a row's whole-organisation figure, this period and the previous one, is
    hidden in ``table``: another table showing the same figures must agree."""
    header = table["header"]
    row = next(row for row in table["rows"] if row["label"] == label)
    this = header.index("Total") if "Total" in header else 0
    before = header.index("Previous period")
    return {
        "this": row["cells"][this]["value"] is None,
        "before": row["cells"][before]["value"] is None,
    }


def _waits(scope: Scope, outcomes: dict[str, Any]) -> dict[str, Any]:
    both, current, previous = scope.within("decided_at")
    final = (
        _decisions(scope)
        .filter(both, outcome__in=FINAL_OUTCOMES)
        .annotate(
            wait=ExpressionWrapper(
                F("decided_at") - F("request__declaration__submitted_at"),
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
    bands = {
        row["band"]: row
        for row in final.annotate(band=band)
        .values("band")
        .annotate(current=Count("pk", filter=current), previous=Count("pk", filter=previous))
        .order_by()
    }
    # The median and 90th percentile by nearest rank, found in the database: in each
    # group, the decision whose rank is the ceiling of n/2 or of 9n/10.
    medians: dict[tuple[int, int | None], dict[str, Any]] = {}
    for partition in (["is_current", "where"], ["is_current"]):
        ranked = final.annotate(
            rank=Window(
                RowNumber(), partition_by=[F(name) for name in partition], order_by=F("wait").asc()
            ),
            n=Window(Count("pk"), partition_by=[F(name) for name in partition]),
        ).filter(Q(rank=(F("n") + 1) / 2) | Q(rank=(F("n") * 9 + 9) / 10))
        for row in ranked.values("is_current", "where", "rank", "n", "wait"):
            key = (row["is_current"], row["where"] if "where" in partition else None)
            found = medians.setdefault(key, {"n": row["n"]})
            if row["rank"] == (row["n"] + 1) // 2:
                found["median"] = row["wait"]
            if row["rank"] == (row["n"] * 9 + 9) // 10:
                found["p90"] = row["wait"]

    def cell(is_current: int, setting: int | None, measure: str) -> dict[str, Any]:
        found = medians.get((is_current, setting), {"n": 0})
        return _days_cell(found.get(measure), found["n"])

    keys: list[int | None] = list(scope.setting_ids)
    columns = [setting.name for setting in scope.settings]
    if len(keys) > 1:
        keys.append(None)
        columns.append("Total")
    final = _hidden_as_in(outcomes, FINAL_DECISIONS)
    return {
        "waits": count_table(
            key="waits",
            title="Time to a final decision",
            caption="Final decisions (approved, approved with conditions, refused or noted) "
            "made in the period, by the time from submission to decision, all settings.",
            rows=[label for label, _limit in WAIT_BANDS],
            columns=["Final decisions"],
            grid=[[bands.get(i, {}).get("current", 0)] for i in range(len(WAIT_BANDS))],
            previous=[bands.get(i, {}).get("previous", 0) for i in range(len(WAIT_BANDS))],
            total_row=FINAL_DECISIONS,
            fixed={(len(WAIT_BANDS), 0): final["this"], (len(WAIT_BANDS), 1): final["before"]},
        ),
        "wait_times": {
            "key": "wait_times",
            "title": "Median and 90th-percentile time to a final decision",
            "caption": "Half of final decisions were made within the median time, and nine "
            "in ten within the 90th percentile. Not shown for fewer than 5 decisions.",
            "header": [*columns, "Previous period"],
            "rows": [
                {
                    "label": label,
                    "cells": [cell(1, key, measure) for key in keys] + [cell(0, None, measure)],
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

    return count_table(
        key="open_now",
        title=f"Open on {scope.today:%-d %B %Y}",
        caption="Arrangements being monitored, reviews past their date, and actions "
        "required after a refusal that the staff member has not confirmed by the deadline.",
        rows=[
            "Monitoring arrangements open",
            "Monitoring reviews overdue",
            "Required actions after a refusal not confirmed by the deadline",
        ],
        columns=[setting.name for setting in scope.settings],
        grid=[opened.get(review, zero), late.get(review, zero), late.get(action, zero)],
        additive=False,
    )


def _latest_rounds(scope: Scope) -> dict[int, DeclarationRound]:
    """The latest declaration round opened by today at each organisation concerned."""
    ids = {*scope.setting_ids, scope.organisation.pk}
    if scope.organisation.parent_id:
        ids.add(scope.organisation.parent_id)
    latest: dict[int, DeclarationRound] = {}
    for declaration_round in (
        DeclarationRound.objects.filter(organisation_id__in=ids)
        .annotate(
            total=Count("responses"),
            answered=Count(
                "responses", filter=~Q(responses__answer=RoundResponse.Answer.OUTSTANDING)
            ),
        )
        .order_by("organisation_id", "-opened_at", "-pk")
    ):
        latest.setdefault(declaration_round.organisation_id, declaration_round)
    return latest


def _compliance(scope: Scope) -> dict[str, Any]:
    ids = list(scope.setting_ids)
    if not scope.organisation.is_setting:
        ids.append(scope.organisation.pk)
    acknowledged = acknowledgement_counts(ids)
    trained = training_counts_by_organisation(ids, scope.today)
    rounds = _latest_rounds(scope)

    def round_for(organisation: Organisation) -> Completion | None:
        found = rounds.get(organisation.pk) or rounds.get(organisation.parent_id)
        return Completion(found.answered, found.total) if found else None

    keys: list[int | None] = list(scope.setting_ids)
    columns = [setting.name for setting in scope.settings]
    if len(keys) > 1 or not scope.organisation.is_setting:
        keys.append(None)
        columns.append(f"All of {scope.organisation.name}")
    organisations = {setting.pk: setting for setting in scope.settings}
    round_cells = [
        _percent_cell(
            round_for(organisations[key]) if key else round_for(scope.organisation), "no round yet"
        )
        for key in keys
    ]
    return {
        "key": "compliance",
        "title": f"Policy, training and the annual round on {scope.today:%-d %B %Y}",
        "caption": "Of the people holding a role in each setting: the share who have "
        "acknowledged the policy version in force, whose safeguarding training is up to "
        "date, and who answered the latest annual declaration round. Percentages are not "
        "shown where fewer than 5 people were asked.",
        "header": columns,
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
            {"label": "Answered the latest annual round", "cells": round_cells, "total": False},
        ],
    }


def _at_a_glance(tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The few figures a board reads first, taken from the tables (already made safe)."""

    def pick(key: str, row: int) -> list[dict[str, Any]]:
        table = tables[key]
        header = table["header"]
        cells = table["rows"][row]["cells"]
        this = header.index("Total") if "Total" in header else 0
        if key == "compliance":
            this = len(header) - 1
        before = (
            cells[header.index("Previous period")]
            if "Previous period" in header
            else _text_cell("not compared")
        )
        return [cells[this], before]

    rows = [
        ("Declarations", pick("kinds", -1)),
        ("Final decisions made", pick("outcomes", len(FINAL_ORDER))),
        ("Median time to a final decision", pick("wait_times", 0)),
        ("Decided after the due date", pick("timeliness", 0)),
        ("Monitoring reviews overdue now", pick("open_now", 1)),
        ("Acknowledged the policy in force", pick("compliance", 0)),
        ("Safeguarding training up to date", pick("compliance", 1)),
    ]
    return {
        "key": "glance",
        "title": "At a glance",
        "caption": "The main figures, for the whole organisation; the tables below give "
        "each setting. Figures about now are not compared with the previous period.",
        "header": ["This period", "Previous period"],
        "rows": [{"label": label, "cells": cells, "total": False} for label, cells in rows],
    }


def summary_build(
    *, organisation: Organisation, period: Period, today: datetime.date | None = None
) -> dict[str, Any]:
    """The anonymised summary of ``organisation`` for ``period``, compared with the
    period of the same length before it: a fixed number of grouped queries."""
    today = today or timezone.localdate()
    scope = Scope(organisation, report_settings(organisation), period, period.previous(), today)
    tables = {**_declarations(scope), **_outcomes(scope)}
    tables.update(_waits(scope, tables["outcomes"]))
    tables["open_now"] = _open_now(scope)
    tables["compliance"] = _compliance(scope)
    tables = {"glance": _at_a_glance(tables), **tables}
    return {
        "organisation": organisation.name,
        "organisation_id": organisation.pk,
        "settings": [setting.name for setting in scope.settings],
        "period": {
            "token": period.token,
            "title": period.title,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "so_far": period.so_far,
            "dates": f"{period.starts_on:%-d %B %Y} to {period.ends_on:%-d %B %Y}",
        },
        "previous": {
            "title": scope.previous.title,
            "starts_on": scope.previous.starts_on.isoformat(),
            "ends_on": scope.previous.ends_on.isoformat(),
        },
        "made_on": today.isoformat(),
        "made_on_text": f"{today:%-d %B %Y}",
        "tables": tables,
    }
