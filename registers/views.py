"""Staff and pupil files, follow-ups, the kind registers, key people, patterns and the
DSL's audit history. Every view reads through a scoped selector: what a person may
not see is a 404."""

from __future__ import annotations

import csv
import itertools
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactpolicy.exports import csv_safe
from contactpolicy.pagination import page_of, query_without_page
from contactpolicy.reauthentication import sensitive_step
from contactpolicy.workflow import IllegalTransition
from declarations.kinds import Register
from directory.access import (
    AUDIT_ROLES,
    PATTERN_ROLES,
    SUMMARY_ROLES,
    Access,
)
from directory.models import Person, Pupil
from registers import selectors, services
from registers.exceptions import RegisterError
from registers.forms import (
    ConfirmForm,
    CorrectionForm,
    EntryFilter,
    ExportForm,
    KeyPersonForm,
    ReviewForm,
    RoundAnswerForm,
    RoundOpenForm,
)
from registers.models import FollowUp, RegisterEntry, RoundResponse
from registers.substance import substance_for


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """What the person can open in the registers, by their roles."""
    access = Access.for_user(request.user)
    context = {
        "follow_ups": {
            key: qs.count() for key, qs in selectors.follow_ups_for(user=request.user).items()
        },
        "can_staff": selectors.staff_people_for(user=request.user)
        .exclude(pk=request.user.pk)
        .exists(),
        "can_pupils": selectors.pupil_file_pupils_for(user=request.user).exists(),
        "can_registers": selectors.register_settings_for(user=request.user).exists(),
        "can_key_people": selectors.key_person_settings_for(user=request.user).exists(),
        "can_patterns": access.settings(*PATTERN_ROLES).exists(),
        "can_audit": bool(access.organisation_ids(*AUDIT_ROLES)) or access.is_superuser,
        "can_summaries": access.acts_as(*SUMMARY_ROLES),
        "round_tasks": selectors.round_tasks_for(user=request.user).count(),
    }
    return render(request, "registers/index.html", context)


# Files -----------------------------------------------------------------------------------


@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    people = selectors.staff_people_for(user=request.user).order_by("family_name", "given_name")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        people = people.filter(selectors.name_query(query))
    return render(
        request,
        "registers/staff_list.html",
        {"page": page_of(request, people), "q": query, "query": query_without_page(request)},
    )


@require_GET
def pupil_list(request: HttpRequest) -> HttpResponse:
    pupils = selectors.pupil_file_pupils_for(user=request.user).select_related("setting")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        pupils = pupils.filter(selectors.pupil_query(query))
    return render(
        request,
        "registers/pupil_list.html",
        {"page": page_of(request, pupils), "q": query, "query": query_without_page(request)},
    )


FILE_PAGES = {
    Person: ("registers/staff_file.html", "registers:staff_file_export"),
    Pupil: ("registers/pupil_file.html", "registers:pupil_file_export"),
}


def _file_page(
    request: HttpRequest,
    file: selectors.FileView,
    *,
    export_form: ExportForm | None = None,
    status: int = 200,
    **extra: Any,
):
    template, export = FILE_PAGES[type(file.owner)]
    access = Access.for_user(request.user)
    # An export refused for a missing reason shows the page again, the export open
    # with what was typed: the filters are the page's own, not the export's.
    filters = None if export_form is not None else request.GET or None
    filterset = EntryFilter(filters, queryset=file.entries)
    if export_form is None:
        services.file_viewed(
            actor=request.user,
            owner=file.owner,
            request=request,
            filters={key: value for key, value in request.GET.items() if value},
        )
    page = page_of(request, filterset.qs)
    page.object_list = substance_for(user=request.user, entries=page.object_list)
    context = {
        "file": file,
        "owner": file.owner,
        "filter": filterset,
        "page": page,
        "query": query_without_page(request) if filters else "",
        "export_form": export_form or ExportForm(prefix="export"),
        "export_pdf": reverse(export, args=[file.owner.pk, "pdf"]),
        "export_csv": reverse(export, args=[file.owner.pk, "csv"]),
        # Which entries offer "Add a correction": the rule the correction page keeps.
        "may_correct": {
            entry.pk for entry in page.object_list if selectors.may_correct(access, entry)
        },
        **extra,
    }
    if request.htmx and export_form is None:
        template += "#entries"
    return render(request, template, context, status=status)


def _staff_extra(file: selectors.FileView) -> dict[str, Any]:
    return {"waiting": selectors.open_declarations_for_file(file=file)}


def _pupil_extra(request: HttpRequest, file: selectors.FileView) -> dict[str, Any]:
    # For the DSL and deputy: what is about the child and not yet decided (#21).
    if request.htmx:
        return {"open_matters": []}
    return {"open_matters": selectors.open_matters_for(user=request.user, pupil=file.owner)}


@require_GET
def staff_file(request: HttpRequest, pk: int) -> HttpResponse:
    file = selectors.staff_file_for(user=request.user, person_pk=pk)
    return _file_page(request, file, **_staff_extra(file))


@require_GET
def pupil_file(request: HttpRequest, pk: int) -> HttpResponse:
    file = selectors.pupil_file_for(user=request.user, pupil_pk=pk)
    return _file_page(request, file, **_pupil_extra(request, file))


def _export(request: HttpRequest, file: selectors.FileView, fmt: str) -> HttpResponse:
    form = ExportForm(request.GET, prefix="export")
    if not form.is_valid():
        messages.error(request, "The export was not made: see below.")
        extra = (
            _staff_extra(file) if isinstance(file.owner, Person) else _pupil_extra(request, file)
        )
        return _file_page(request, file, export_form=form, status=400, **extra)
    reason = form.cleaned_data["reason"]
    entries = file.entries
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    if date_from:
        entries = entries.filter(recorded_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(recorded_at__date__lte=date_to)
    services.file_viewed(
        actor=request.user,
        owner=file.owner,
        request=request,
        exported=fmt,
        date_from=date_from,
        date_to=date_to,
        reason=reason,
    )
    name = _file_name(file, fmt)
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # so that spreadsheet programs read the £ and accents
        writer = csv.writer(response)
        writer.writerow(ENTRY_COLUMNS)
        ordered = entries.order_by("recorded_at", "pk").iterator(chunk_size=EXPORT_CHUNK)
        # A chunk at a time, each read with its substance at once.
        for chunk in itertools.batched(ordered, EXPORT_CHUNK):
            for entry in substance_for(user=request.user, entries=chunk):
                writer.writerow(csv_safe(entry_row(entry)))
        return response
    from weasyprint import HTML

    html = render_to_string(
        "registers/file_print.html",
        {
            "file": file,
            "owner": file.owner,
            "entries": substance_for(
                user=request.user, entries=entries.order_by("recorded_at", "pk")
            ),
            "reason": reason,
            "organisation": _organisation_of(file),
            "date_from": date_from,
            "date_to": date_to,
            "exported_by": request.user,
            "is_pupil": isinstance(file.owner, Pupil),
            "exported_at": timezone.now(),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        pdf_variant="pdf/ua-1"  # tagged, for screen readers, as the summaries are
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


EXPORT_CHUNK = 500


def _iso(moment) -> str:
    """A time as ISO 8601 with its offset, in the product's time zone."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _organisation_of(file: selectors.FileView) -> str:
    """The name on the cover sheet: the pupil's setting, or the settings of the staff
    member's file whose entries the reader was shown."""
    if isinstance(file.owner, Pupil):
        return file.owner.setting.name
    memberships = file.owner.memberships.select_related("organisation")
    if file.setting_ids is not None:
        memberships = memberships.filter(organisation_id__in=file.setting_ids)
    names = sorted({membership.organisation.name for membership in memberships})
    return ", ".join(names)


ENTRY_COLUMNS = [
    "Recorded at",
    "File",
    "Whose file",
    "Entry",
    "Declaration",
    "Kind",
    "Setting",
    "Declared by",
    "Declared at",
    "About",
    "What was declared",
    "Through family member",
    "Recorded by",
    "Text",
    "Confidential",
    "Amends entry recorded at",
    "Reason for correction",
]


def entry_row(entry: RegisterEntry) -> list[str]:
    owner = entry.person.get_full_name() if entry.person_id else str(entry.pupil)
    return [
        _iso(entry.recorded_at),
        entry.get_file_display(),
        owner,
        entry.get_entry_kind_display(),
        entry.declaration.reference,
        entry.declaration.kind_entry.name,
        entry.declaration.setting.name,
        entry.declaration.declarant.get_full_name(),
        _iso(entry.substance.declared_at),
        entry.substance.people_text,
        entry.substance.answers_text,
        str(entry.via_family_member) if entry.via_family_member_id else "",
        entry.recorded_by.get_full_name() if entry.recorded_by_id else "",
        entry.text,
        "Yes" if entry.confidential else "No",
        _iso(entry.amends.recorded_at) if entry.amends_id else "",
        entry.reason,
    ]


def _file_name(file: selectors.FileView, fmt: str) -> str:
    """What the download is called: whose file it is, as the school knows them (the
    staff member's name, the pupil's MIS reference), and the day; plain ASCII."""
    owner = file.owner
    if isinstance(owner, Person):
        stem = f"staff-file-{slugify(owner.get_full_name())}"
    else:
        stem = f"pupil-file-{slugify(owner.reference)}"
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"


@require_GET
@sensitive_step  # R37: confirmed within the last 15 minutes
def staff_file_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, selectors.staff_file_for(user=request.user, person_pk=pk), fmt)


@require_GET
@sensitive_step  # R37: confirmed within the last 15 minutes
def pupil_file_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, selectors.pupil_file_for(user=request.user, pupil_pk=pk), fmt)


@require_http_methods(["GET", "POST"])
def entry_correct(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_for_correction(user=request.user, pk=pk)
    form = CorrectionForm(request.POST or None, initial={"text": entry.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.register_entry_correct(
                actor=request.user,
                entry=entry,
                text=form.cleaned_data["text"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except (RegisterError, IllegalTransition) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The correction was added. The original entry is kept.")
            if entry.file == RegisterEntry.File.PUPIL:
                return redirect("registers:pupil_file", pk=entry.pupil_id)
            return redirect("registers:staff_file", pk=entry.person_id)
    return render(request, "registers/entry_correct.html", {"entry": entry, "form": form})


# Follow-ups --------------------------------------------------------------------------------


@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    lists = selectors.follow_ups_for(user=request.user)
    return render(
        request,
        "registers/follow_up_list.html",
        {**lists, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = selectors.follow_up_get_for(user=request.user, pk=pk)
    access = Access.for_user(request.user)
    form = None
    if follow_up.is_open and follow_up.kind == FollowUp.Kind.REVIEW:
        if services.may_review(access, follow_up):
            form = ReviewForm(request.POST or None)
    elif follow_up.is_open and follow_up.person_id == request.user.pk:
        form = ConfirmForm(request.POST or None)
    if request.method == "POST":
        if form is None:
            messages.error(request, "There is nothing for you to record here: nothing was changed.")
            return redirect(follow_up.get_absolute_url())
        if form.is_valid():
            try:
                if isinstance(form, ReviewForm):
                    services.review_record(
                        actor=request.user,
                        follow_up=follow_up,
                        request=request,
                        **form.cleaned_data,
                    )
                    messages.success(request, "The review was recorded on the files.")
                else:
                    services.follow_up_confirm(
                        actor=request.user,
                        follow_up=follow_up,
                        note=form.cleaned_data["note"],
                        request=request,
                    )
                    messages.success(request, "Thank you: your confirmation was recorded.")
            except (RegisterError, IllegalTransition) as error:
                form.add_error(None, str(error))
            else:
                return redirect("registers:follow_ups")
    history = follow_up.next_reviews.all()
    return render(
        request,
        "registers/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "form": form,
            "history": history,
            "today": timezone.localdate(),
        },
    )


# The kind registers (R27, R28) --------------------------------------------------------------


def _kind_register(request: HttpRequest, register: Register, template: str) -> HttpResponse:
    if not selectors.register_settings_for(user=request.user).exists():
        raise Http404
    page = page_of(request, selectors.kind_register_for(user=request.user, register=register))
    selectors.register_rows_describe(user=request.user, declarations=page.object_list)
    return render(
        request,
        template,
        {
            "page": page,
            "query": query_without_page(request),
            "today": timezone.localdate(),
        },
    )


@require_GET
def correspondence_register(request: HttpRequest) -> HttpResponse:
    return _kind_register(
        request, Register.CORRESPONDENCE, "registers/correspondence_register.html"
    )


@require_GET
def contact_details_register(request: HttpRequest) -> HttpResponse:
    return _kind_register(
        request, Register.CONTACT_DETAILS, "registers/contact_details_register.html"
    )


# Key people (R26) ----------------------------------------------------------------------------


@require_GET
def key_people(request: HttpRequest) -> HttpResponse:
    if not selectors.key_person_settings_for(user=request.user).exists():
        raise Http404
    query = request.GET.get("q", "").strip()[:100]
    found = selectors.key_person_pupils_for(user=request.user, query=query)[:50] if query else []
    return render(
        request,
        "registers/key_people.html",
        {
            "conflicts": selectors.key_person_conflicts_for(user=request.user),
            "q": query,
            "found": found,
        },
    )


@require_http_methods(["GET", "POST"])
def key_person_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = selectors.key_person_pupil_for(user=request.user, pk=pk)
    form = KeyPersonForm(
        request.POST or None,
        candidates=selectors.key_person_candidates(pupil=pupil),
        initial={"person": pupil.key_person_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.key_person_allocate(
                actor=request.user,
                pupil=pupil,
                person=form.cleaned_data["person"],
                request=request,
            )
        except (RegisterError, IllegalTransition) as error:
            form.add_error("person", str(error))
        else:
            messages.success(request, f"{pupil}'s key person is saved.")
            return redirect("registers:key_people")
    return render(request, "registers/key_person_form.html", {"pupil": pupil, "form": form})


# Patterns -----------------------------------------------------------------------------------


# The audit history (R34) ------------------------------------------------------------------


# The annual declaration round ---------------------------------------------------------------


@require_GET
def rounds(request: HttpRequest) -> HttpResponse:
    """The person's own round tasks and, for heads and administrators, every round."""
    organisations = selectors.round_organisations_for(user=request.user)
    return render(
        request,
        "registers/rounds.html",
        {
            "tasks": selectors.round_tasks_for(user=request.user),
            "rounds": selectors.rounds_with_progress_for(user=request.user)[:50],
            "can_open": organisations.exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    organisations = selectors.round_organisations_for(user=request.user)
    if not organisations.exists():
        raise Http404
    form = RoundOpenForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            declaration_round = services.round_open(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                title=form.cleaned_data["title"],
                deadline=form.cleaned_data["deadline"],
                request=request,
            )
        except (RegisterError, IllegalTransition) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"The round is open. {declaration_round.responses.count()} people have been "
                "emailed and asked to answer.",
            )
            return redirect(declaration_round)
    return render(request, "registers/round_form.html", {"form": form})


@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's live status: declared, nothing to declare, outstanding (R30)."""
    declaration_round = selectors.round_get_for(user=request.user, pk=pk)
    show = request.GET.get("show", "")
    return render(
        request,
        "registers/round_detail.html",
        {
            "round": declaration_round,
            "progress": selectors.round_progress(declaration_round),
            "responses": selectors.round_responses(declaration_round, show),
            "show": show,
            "answers": RoundResponse.Answer.choices,
        },
    )


@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    declaration_round = selectors.round_get_for(user=request.user, pk=pk)
    try:
        services.round_close(
            actor=request.user, declaration_round=declaration_round, request=request
        )
    except (RegisterError, IllegalTransition) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The round is closed and its result is kept.")
    return redirect(declaration_round)


@require_http_methods(["GET", "POST"])
def round_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's own answer: nobody can open or answer another's (a 404)."""
    response = selectors.round_response_get_for(user=request.user, pk=pk)
    arrangements = selectors.open_arrangements_for(request.user, response.round.organisation)
    answerable = (
        response.round.accepts_answers() and response.answer == RoundResponse.Answer.OUTSTANDING
    )
    form = RoundAnswerForm(
        request.POST if request.method == "POST" else None, arrangements=arrangements
    )
    if request.method == "POST":
        if not answerable:
            messages.error(
                request,
                "You have already answered."
                if response.answered_at
                else "This round has closed: your answer was not saved.",
            )
            return redirect(response)
        if form.is_valid():
            try:
                services.round_answer(
                    actor=request.user,
                    response=response,
                    answer=form.cleaned_data["answer"],
                    arrangements=form.arrangements(),
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except (RegisterError, IllegalTransition) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Thank you: your answer is recorded.")
                return redirect("home")
    return render(
        request,
        "registers/round_respond.html",
        {
            "response": response,
            "form": form,
            "answerable": answerable,
            "arrangements": arrangements,
            "given": response.arrangements.select_related("declaration"),
        },
    )


# Governors' summaries (R33) -----------------------------------------------------------------
