"""The administrator's pages for importing: upload, preview, correct, confirm, look back."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactpolicy.pagination import page_of, query_without_page
from contactpolicy.workflow import IllegalTransition
from directory.access import Access
from directory.models import Role
from onboarding.forms import ImportRowForm, ImportUploadForm
from onboarding.imports.columns import TABLES
from onboarding.imports.reading import FileRefused
from onboarding.imports.selectors import import_run_get_for, import_runs_for
from onboarding.imports.services import (
    ImportNotAllowed,
    import_apply,
    import_cancel,
    import_check,
    import_row_correct,
    import_row_leave_out,
    tables_from_files,
)
from onboarding.models import ImportRow, ImportRun

SHOWN = {
    "problem": "Problems",
    "add": "To add",
    "change": "To change",
    "unchanged": "Up to date",
    "left_out": "Left out",
}


def _organisations(request: HttpRequest):
    return Access.for_user(request.user).organisations(Role.ADMINISTRATOR).order_by("name")


@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    """Upload the MIS's spreadsheets, and the imports made before."""
    organisations = _organisations(request)
    if not organisations.exists():
        raise Http404
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        organisations=organisations,
        initial={"organisation": request.GET.get("organisation")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            tables, notes = tables_from_files(form.files_read())
            run = import_check(
                organisation=form.cleaned_data["organisation"],
                tables=tables,
                source=ImportRun.Source.SPREADSHEET,
                started_by=request.user,
                files=notes,
                request=request,
            )
        except FileRefused as refused:
            form.add_error(None, str(refused))
        except ImportNotAllowed as refused:
            form.add_error("organisation", str(refused))
        else:
            return redirect("onboarding:import_detail", pk=run.pk)
    runs = import_runs_for(user=request.user).order_by("-started_at")
    return render(
        request,
        "onboarding/imports/index.html",
        {"form": form, "page": page_of(request, runs, 20)},
    )


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview before confirming, the progress while writing, the outcome after."""
    run = import_run_get_for(user=request.user, pk=pk)
    if request.htmx and request.GET.get("part") == "progress":
        return render(request, "onboarding/imports/_progress.html", {"run": run})
    shown = request.GET.get("show") or ("problem" if run.problem_count else "")
    rows = run.rows.order_by(
        Case(
            When(action="problem", then=Value(0)),
            When(action="change", then=Value(1)),
            When(action="add", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ),
        Case(
            *(When(table=table, then=Value(rank)) for rank, table in enumerate(TABLES)),
            output_field=IntegerField(),
        ),
        "number",
    )
    if shown in SHOWN:
        rows = rows.filter(action=shown)
    page = page_of(request, rows, 50)
    for row in page.object_list:
        _label_columns(run, row)
    done = run.status == ImportRun.Status.DONE
    labels = SHOWN | ({"add": "Added", "change": "Changed"} if done else {})
    counts = {
        "problem": run.problem_count,
        "add": run.added,
        "change": run.changed,
        "unchanged": run.unchanged,
        "left_out": run.left_out,
    }
    return render(
        request,
        "onboarding/imports/detail.html",
        {
            "run": run,
            "shown": shown if shown in SHOWN else "",
            "tabs": [(key, label, counts[key]) for key, label in labels.items()],
            "page": page,
            "query": query_without_page(request),
        },
    )


def _label_columns(run: ImportRun, row: ImportRow) -> None:
    """The row's problems and changes with each column as the page names it."""
    row.problem_list = [
        {**problem, "label": run.column_label(row.table, problem["column"])}
        if problem.get("column")
        else problem
        for problem in row.problems
    ]
    row.change_list = [
        (run.column_label(row.table, column), before, after)
        for column, (before, after) in row.changes.items()
    ]


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = import_run_get_for(user=request.user, pk=pk)
    try:
        run = import_apply(run=run, by=request.user, request=request)
    except (IllegalTransition, ImportNotAllowed) as refused:
        messages.error(request, str(refused))
    else:
        if run.status == ImportRun.Status.DONE:
            messages.success(
                request,
                f"Imported: {run.added} added, {run.changed} changed, {run.unchanged} already "
                "up to date."
                + (
                    f" {run.problem_count} rows with problems were not imported; correct "
                    "them below."
                    if run.problem_count
                    else ""
                ),
            )
        else:
            messages.info(
                request, "The import is running in the background; this page shows how far."
            )
    return redirect("onboarding:import_detail", pk=run.pk)


@require_POST
def import_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = import_run_get_for(user=request.user, pk=pk)
    try:
        import_cancel(run=run, by=request.user, request=request)
    except (IllegalTransition, ImportNotAllowed) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "The import was cancelled; nothing was written.")
    return redirect("onboarding:imports")


@require_http_methods(["GET", "POST"])
def import_row(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    """Correct one row's cells, or leave it out."""
    run = import_run_get_for(user=request.user, pk=pk)
    row = get_object_or_404(ImportRow, run=run, pk=row)
    columns = TABLES[row.table]
    form = ImportRowForm(
        request.POST or None,
        columns=columns,
        values=row.values,
        labels={column: run.column_label(row.table, column) for column in columns},
    )
    editable = not row.applied and run.status in (ImportRun.Status.PREVIEW, ImportRun.Status.DONE)
    if request.method == "POST" and editable:
        try:
            if request.POST.get("leave_out"):
                import_row_leave_out(run=run, row=row, by=request.user, request=request)
                messages.success(request, f"Row {row.number} will not be imported.")
                return redirect("onboarding:import_detail", pk=run.pk)
            if form.is_valid():
                row = import_row_correct(
                    run=run,
                    row=row,
                    values=form.cleaned_data,
                    by=request.user,
                    request=request,
                )
                if row.action == ImportRow.Action.PROBLEM:
                    messages.error(request, f"Row {row.number} still has a problem.")
                    return redirect("onboarding:import_row", pk=run.pk, row=row.pk)
                done = "imported" if row.applied else f"now {row.get_action_display().lower()}"
                messages.success(request, f"Row {row.number} is corrected and {done}.")
                return redirect("onboarding:import_detail", pk=run.pk)
        except (IllegalTransition, ImportNotAllowed) as refused:
            messages.error(request, str(refused))
            return redirect("onboarding:import_detail", pk=run.pk)
    _label_columns(run, row)
    problems: dict[str, list[str]] = {}
    for problem in row.problems:
        problems.setdefault(problem["column"], []).append(problem["message"])
    return render(
        request,
        "onboarding/imports/row.html",
        {
            "run": run,
            "row": row,
            "form": form,
            "editable": editable,
            "problems": problems,
        },
    )
