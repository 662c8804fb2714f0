"""The governors' summaries (R33), the DSL's audit history and patterns (R34). Every view
reads through a scoped selector: what a person may not see is a 404."""

from __future__ import annotations

import csv
import itertools
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from contactpolicy.audit import action_choices
from contactpolicy.audit_details import WITHHELD, details_text
from contactpolicy.exports import Echo, csv_safe
from contactpolicy.pagination import query_without_page, window_of
from contactpolicy.reauthentication import sensitive_step
from contactpolicy.refusals import Refused
from directory.access import (
    POLICY_ROLES,
    SUMMARY_PUBLISH_ROLES,
    SUMMARY_SAVE_ROLES,
    Access,
)
from directory.models import Organisation
from directory.selectors import chosen_organisation
from oversight import selectors, services, summaries
from oversight.charts import charts_for
from oversight.exceptions import OversightError
from oversight.forms import AuditFilterForm, PatternForm, SummaryForm, SummarySaveForm
from schoolcalendar.periods import current_term_token


@require_GET
def patterns(request: HttpRequest) -> HttpResponse:
    if not selectors.pattern_settings_for(user=request.user).exists():
        raise Refused(page="Patterns across declarations")
    today = timezone.localdate()
    initial = {
        "date_from": today - selectors.PATTERN_PERIOD,
        "date_to": today,
        **selectors.PATTERN_THRESHOLDS,
    }
    form = PatternForm(request.GET or initial)
    found = None
    if form.is_valid():
        data = form.cleaned_data
        found = selectors.patterns_for(
            user=request.user,
            since=data["date_from"],
            until=data["date_to"],
            staff_threshold=data["staff_threshold"],
            gift_threshold=data["gift_threshold"],
            declaration_threshold=data["declaration_threshold"],
        )
        services.audit_history_read(
            actor=request.user, filters={"patterns": True, **data}, exported=False, request=request
        )
    return render(request, "oversight/patterns.html", {"form": form, "found": found})


def _audit_form(request: HttpRequest) -> AuditFilterForm:
    if not (
        selectors.audit_scope_for(user=request.user) or Access.for_user(request.user).is_superuser
    ):
        raise Refused(page="Audit history")
    return AuditFilterForm(request.GET, actions=action_choices())


@require_GET
def audit_history(request: HttpRequest) -> HttpResponse:
    form = _audit_form(request)
    page = None
    if form.is_valid():
        events = selectors.audit_events_for(user=request.user, filters=form.cleaned_data)
        page = window_of(request, events)
        selectors.audit_events_describe(user=request.user, events=page.object_list)
        services.audit_history_read(
            actor=request.user, filters=form.cleaned_data, exported=False, request=request
        )
    template = "oversight/audit_history.html"
    if request.htmx:
        template += "#results"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "withheld": WITHHELD,
        },
    )


@require_GET
@sensitive_step  # R37: confirmed within the last 15 minutes
def audit_export(request: HttpRequest) -> HttpResponse:
    form = _audit_form(request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"The export was not made: {error}")
        return redirect(f"{reverse('oversight:audit')}?{request.GET.urlencode()}")
    events = selectors.audit_events_for(user=request.user, filters=form.cleaned_data)
    services.audit_history_read(
        actor=request.user, filters=form.cleaned_data, exported=True, request=request
    )
    writer = csv.writer(Echo())

    def rows():
        yield "\ufeff" + writer.writerow(
            ["When", "Who", "Action", "What", "Record and its number", "Details", "IP address"]
        )
        # Read a chunk at a time: its names and links in a few queries, whatever its size.
        read = events[:AUDIT_EXPORT_LIMIT].iterator(chunk_size=EXPORT_CHUNK)
        for chunk in itertools.batched(read, EXPORT_CHUNK):
            for event in selectors.audit_events_describe(user=request.user, events=chunk):
                yield writer.writerow(csv_safe(audit_row(event)))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-history-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


def audit_row(event) -> list[str]:
    """One event as a row of the export, read by ``audit_events_describe``: the time in
    ISO 8601 with its offset from UTC (2026-12-04T19:05:00+00:00), the details in words."""
    return [
        timezone.localtime(event.occurred_at).isoformat(timespec="seconds"),
        event.who.text,
        event.label,
        event.record.text,
        ""
        if getattr(event, "elsewhere", False) or not event.target_type_id
        else f"{event.target_type.name.capitalize()} {event.target_id}",
        details_text(event),
        event.ip_address or "",
    ]


AUDIT_EXPORT_LIMIT = 100_000
EXPORT_CHUNK = 1000


def _summary_organisation(request: HttpRequest, value: str | None) -> Organisation:
    organisations = summaries.summary_organisations_for(user=request.user)
    organisation = chosen_organisation(organisations, value)
    if organisation is None:
        raise Refused(page="Governors' summaries")
    return organisation


def _summary_form(request: HttpRequest, organisation: Organisation, form_class=SummaryForm):
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else request.GET
    if "period" not in data:
        data = {"period": current_term_token(organisation, today)}
    return form_class(data, organisation=organisation, today=today)


def _report_context(report: dict[str, Any]) -> dict[str, Any]:
    """What ``_summary_report.html`` draws a report with, on the page, saved and in the PDF."""
    return {
        "report": report,
        "charts": charts_for(report),
        "key_messages": summaries.key_messages(report),
    }


@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """The governors' summary of an organisation for a term, a school year or chosen
    dates: anonymised figures, charts with their tables, and the saved snapshots."""
    organisation = _summary_organisation(request, request.GET.get("organisation"))
    form = _summary_form(request, organisation)
    access = Access.for_user(request.user)
    context: dict[str, Any] = {
        "organisations": summaries.summary_organisations_for(user=request.user),
        "organisation": organisation,
        "form": form,
        "snapshots": summaries.snapshots_for(user=request.user).filter(organisation=organisation),
        "can_save": access.acts_as(*SUMMARY_SAVE_ROLES, organisation=organisation),
        "can_publish": access.acts_as(*SUMMARY_PUBLISH_ROLES, organisation=organisation),
        "can_set_terms": access.acts_as(*POLICY_ROLES, organisation=organisation),
    }
    if form.is_valid():
        period = form.cleaned_data["chosen"]
        report = summaries.summary_cached(organisation=organisation, period=period)
        query = request.GET.copy()
        query["organisation"] = str(organisation.pk)
        query.setdefault("period", form.cleaned_data["period"])
        context.update(
            report=report,
            refresh_minutes=math.ceil(settings.SUMMARY_CACHE_SECONDS / 60),
            report_html=summaries.summary_html_cached(
                report,
                lambda report: render_to_string(
                    "oversight/_summary_report.html", _report_context(report)
                ),
            ),
            query=query.urlencode(),
            named=list(
                summaries.chair_decisions_for(
                    user=request.user, organisation=organisation, period=period
                )
            ),
        )
        services.summary_read(actor=request.user, report=report, request=request)
    return render(request, "oversight/summary.html", context)


def _summary_name(report: dict[str, Any], fmt: str) -> str:
    stem = f"summary-{report['organisation']}-{report['period']['title']}"
    safe = "".join(char if char.isalnum() else "-" for char in stem.lower())
    return f"{'-'.join(part for part in safe.split('-') if part)}.{fmt}"


def _summary_download(request: HttpRequest, report: dict[str, Any], fmt: str, **extra):
    services.summary_read(
        actor=request.user,
        report=report,
        snapshot=extra.get("snapshot"),
        fmt=fmt,
        request=request,
    )
    name = _summary_name(report, fmt)
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")
        writer = csv.writer(response)
        for row in (
            ["Organisation", report["organisation"]],
            ["Period", report["period"]["title"]],
            ["From", report["period"]["starts_on"], "To", report["period"]["ends_on"]],
            ["Compared with", report["previous"]["title"]],
            ["Made on", report["made_on"]],
        ):
            writer.writerow(csv_safe(row))
        writer.writerow([])
        writer.writerow(["Table", "Row", "Column", "Figure"])
        for table in report["tables"].values():
            for row in table["rows"]:
                for header, cell in zip(table["header"], row["cells"], strict=True):
                    writer.writerow(csv_safe([table["title"], row["label"], header, cell["text"]]))
        return response
    from weasyprint import HTML

    html = render_to_string(
        "oversight/summary_print.html",
        {**_report_context(report), **extra},
        request=request,
    )
    # Tagged (PDF/UA), so that a screen reader can read the board pack too.
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        pdf_variant="pdf/ua-1"
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def summary_export(request: HttpRequest, fmt: str) -> HttpResponse:
    organisation = _summary_organisation(request, request.GET.get("organisation"))
    form = _summary_form(request, organisation)
    if not form.is_valid():
        return redirect(f"{reverse('oversight:summary')}?{request.GET.urlencode()}")
    report = summaries.summary_cached(organisation=organisation, period=form.cleaned_data["chosen"])
    return _summary_download(request, report, fmt)


@require_POST
def summary_save(request: HttpRequest) -> HttpResponse:
    organisation = _summary_organisation(request, request.POST.get("organisation"))
    form = _summary_form(request, organisation, SummarySaveForm)
    back = f"{reverse('oversight:summary')}?organisation={organisation.pk}"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        snapshot = services.summary_snapshot_save(
            actor=request.user,
            organisation=organisation,
            period=form.cleaned_data["chosen"],
            publish=form.cleaned_data["publish"],
            request=request,
        )
    except OversightError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        "The summary was saved as it stands today"
        + (" and the governors were sent a link." if snapshot.published else "."),
    )
    return redirect(snapshot)


@require_GET
def summary_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = summaries.snapshot_get_for(user=request.user, pk=pk)
    services.summary_read(
        actor=request.user, report=snapshot.data, snapshot=snapshot, request=request
    )
    return render(
        request,
        "oversight/summary_snapshot.html",
        {"snapshot": snapshot, **_report_context(snapshot.data)},
    )


@require_GET
def summary_snapshot_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    snapshot = summaries.snapshot_get_for(user=request.user, pk=pk)
    return _summary_download(request, snapshot.data, fmt, snapshot=snapshot)
