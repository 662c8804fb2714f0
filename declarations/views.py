from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactpolicy.pagination import page_of, query_without_page
from contactpolicy.uploads import file_download
from contactpolicy.workflow import IllegalTransition
from declarations import services
from declarations.exceptions import DeclarationError
from declarations.forms import (
    AttachmentForm,
    ChooseKindForm,
    DeclarationFilter,
    DeclarationForm,
    WithdrawForm,
    initial_from,
    initial_from_data,
)
from declarations.hooks import detail_sections
from declarations.kinds import KINDS, Subjects, set_apart_codes
from declarations.models import Declaration
from declarations.selectors import (
    attachment_get_for,
    deadline_for,
    declaration_changes,
    declaration_get_for,
    declaration_list_for,
    declaring_settings_for,
    newer_version_of,
    people_search,
)
from declarations.services import declaration_problems
from policies.selectors import gift_rules_by_setting, merged, permitted_ways_merged

PAGE_SIZE = 25  # a phone's worth of scrolling


@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    """The declarant's own declarations, with filters (R20)."""
    declarations = declaration_list_for(user=request.user)
    filterset = DeclarationFilter(request.GET or None, queryset=declarations)
    page = page_of(request, filterset.qs, size=PAGE_SIZE)
    context = {
        "filter": filterset,
        "declarations": page.object_list,
        "page": page,
        "query": query_without_page(request),
    }
    template = "declarations/declaration_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def declaration_choose(request: HttpRequest) -> HttpResponse:
    """A short chooser that lands on the right kind."""
    if not declaring_settings_for(user=request.user).exists():
        messages.error(request, "You need a role in a school or setting to make a declaration.")
        return redirect("home")
    form = ChooseKindForm(request.POST or request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("declarations:create", kind=form.cleaned_data["kind"])
    return render(
        request,
        "declarations/declaration_choose.html",
        {"form": form, "set_apart": set_apart_codes()},
    )


PEOPLE = ("pupils", "family_members")


def _search(request, form, kind, query):
    """The picker's results for the form's chosen setting; nothing without one."""
    setting = form.chosen_setting()
    if setting is None or not query:
        return []
    return people_search(
        user=request.user,
        setting=setting,
        query=query,
        former=kind.subjects == Subjects.FORMER_PUPIL,
    )


def _wants_search(data) -> bool:
    """Searching, not saving: the Search button, a chip's Remove button, or Enter
    pressed (without JavaScript, the form's first button) while the search box holds
    words not searched yet (#22)."""
    if data.get("action") == "search" or "remove" in data:
        return True
    typed = data.get("q", "").strip()
    return data.get("action") == "enter" and bool(typed) and typed != data.get("searched", "")


def _form_page(request, form, kind, declaration=None, removed: str = "") -> HttpResponse:
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    settings = list(form.fields["setting"].queryset)
    chosen = form.chosen(removed=removed)
    context = {
        "form": form,
        "kind": kind,
        "declaration": declaration,
        "query": query,
        "found": _search(request, form, kind, query),
        "searched": bool(query),
        "chosen": chosen,
        "chosen_keys": {person.key for person in chosen},
        # The permitted ways to communicate (R32) and, for a gift, the rule on gifts
        # (R40) of the settings the person declares for: each said once, behind a
        # disclosure, so that the first question is on the first screen of a phone.
        "permitted_ways": permitted_ways_merged(settings),
        "gift_rules": merged(
            [
                (in_force.setting, f"{in_force.in_words} {in_force.advice}".strip())
                for in_force in gift_rules_by_setting(settings)
            ],
            list(settings),
        )
        if kind.is_gift
        else [],
    }
    return render(request, "declarations/declaration_form.html", context)


def _save(request, form, kind, declaration=None) -> HttpResponse:
    if _wants_search(request.POST):
        # Searching is not saving: show what was typed, unchecked, with the results and
        # the people chosen so far but the one removed.
        unchecked = DeclarationForm(
            user=request.user, kind=kind, initial=initial_from_data(request.POST, kind)
        )
        removed = request.POST.get("remove", "")
        return _form_page(request, unchecked, kind, declaration, removed=removed)
    as_draft = request.POST.get("action") == "draft"
    if not (form.is_valid_as_draft() if as_draft else form.is_valid()):
        # The error summary at the top of the page says what to do (#22).
        return _form_page(request, form, kind, declaration)
    try:
        declaration = services.declaration_save_draft(
            actor=request.user,
            kind=kind,
            setting=form.cleaned_data["setting"],
            details=form.details.cleaned_data,
            notes=form.cleaned_data["notes"],
            urgent=form.cleaned_data.get("urgent", False),
            subjects=form.subject(),
            form_token=form.cleaned_data["form_token"],
            declaration=declaration,
            request=request,
        )
    except (DeclarationError, IllegalTransition) as error:
        form.add_error(None, str(error))
        return _form_page(request, form, kind, declaration)
    if as_draft:
        messages.success(request, "Saved as a draft. Come back to it from your declarations.")
        return redirect(declaration)
    return redirect("declarations:review", pk=declaration.pk)


@require_http_methods(["GET", "POST"])
def declaration_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    entry = KINDS[kind]
    if request.method == "POST":
        form = DeclarationForm(data=request.POST, user=request.user, kind=entry)
        return _save(request, form, entry)
    return _form_page(request, DeclarationForm(user=request.user, kind=entry), entry)


@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_get_for(user=request.user, pk=pk)
    if not declaration.is_editable:
        messages.info(request, "This declaration can no longer be changed.")
        return redirect(declaration)
    kind = declaration.kind_entry
    if request.method == "POST":
        form = DeclarationForm(
            data=request.POST,
            user=request.user,
            kind=kind,
            allow_past=services.allows_past_dates(declaration),
        )
        return _save(request, form, kind, declaration)
    form = DeclarationForm(
        user=request.user,
        kind=kind,
        initial=initial_from(declaration),
        allow_past=services.allows_past_dates(declaration),
    )
    return _form_page(request, form, kind, declaration)


@require_GET
def people_search_results(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for the picker (htmx); the form works without it."""
    kind = KINDS.get(request.GET.get("kind", ""))
    if kind is None:
        raise Http404
    form = DeclarationForm(
        user=request.user, kind=kind, initial={"setting": request.GET.get("setting")}
    )
    query = request.GET.get("q", "").strip()
    chosen = {
        f"{name}:{pk}" for name in PEOPLE for pk in request.GET.getlist(name) if pk.isdecimal()
    }
    context = {
        "found": _search(request, form, kind, query),
        "query": query,
        "searched": True,
        "form": form,
        "chosen_keys": chosen,
    }
    return render(request, "declarations/declaration_form.html#results", context)


@require_GET
def declaration_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers before submitting."""
    declaration = declaration_get_for(user=request.user, pk=pk)
    if not declaration.is_editable:
        return redirect(declaration)
    context = {
        "declaration": declaration,
        "kind": declaration.kind_entry,
        "rows": declaration.kind_entry.describe(declaration.details),
        "problems": declaration_problems(declaration),
        "deadline": deadline_for(declaration, timezone.localdate()),
        "attachment_form": AttachmentForm(),
        "max_upload": settings.ATTACHMENT_MAX_BYTES,
    }
    return render(request, "declarations/declaration_review.html", context)


@require_POST
def declaration_submit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_get_for(user=request.user, pk=pk)
    if declaration.status == Declaration.Status.SUBMITTED:
        messages.info(request, "This declaration has already been submitted.")
        return redirect(declaration)
    try:
        services.declaration_submit(actor=request.user, declaration=declaration, request=request)
    except (DeclarationError, IllegalTransition) as error:
        messages.error(request, str(error))
        if declaration.is_editable:
            return redirect("declarations:review", pk=declaration.pk)
        return redirect(declaration)
    messages.success(request, "Your declaration has been submitted.")
    return redirect(declaration)


@require_http_methods(["GET", "POST"])
def declaration_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_get_for(user=request.user, pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_withdraw(
                actor=request.user,
                declaration=declaration,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except (DeclarationError, IllegalTransition) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Your declaration has been withdrawn.")
        return redirect(declaration)
    if not declaration.can_withdraw:
        messages.info(request, "This declaration can no longer be withdrawn.")
        return redirect(declaration)
    return render(
        request,
        "declarations/declaration_withdraw.html",
        {"declaration": declaration, "form": form},
    )


@require_POST
def declaration_amend(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_get_for(user=request.user, pk=pk)
    try:
        amendment = services.declaration_amend(
            actor=request.user, declaration=declaration, request=request
        )
    except (DeclarationError, IllegalTransition) as error:
        messages.error(request, str(error))
        return redirect(declaration)
    messages.info(request, "This is a new version. Change what you need, then submit it again.")
    return redirect("declarations:edit", pk=amendment.pk)


@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_get_for(user=request.user, pk=pk)
    services.declaration_viewed(actor=request.user, declaration=declaration, request=request)
    context = {
        "declaration": declaration,
        "kind": declaration.kind_entry,
        "rows": declaration.kind_entry.describe(declaration.details),
        "changes": declaration_changes(declaration),
        "newer": newer_version_of(declaration),
        "sections": detail_sections(request, declaration),
        "max_upload": settings.ATTACHMENT_MAX_BYTES,
        "attachment_form": AttachmentForm(),
    }
    return render(request, "declarations/declaration_detail.html", context)


@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = declaration_get_for(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("file", ["Choose a file to attach."])))
    else:
        try:
            attachment = services.attachment_add(
                actor=request.user,
                declaration=declaration,
                upload=form.cleaned_data["file"],
                request=request,
            )
        except (DeclarationError, IllegalTransition) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{attachment.original_name} is attached.")
    next_page = "declarations:review" if declaration.is_editable else "declarations:detail"
    return redirect(reverse(next_page, args=[declaration.pk]) + "#attachments")


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Only through the declaration's own permission; always a download, never inline."""
    attachment = attachment_get_for(user=request.user, pk=pk)
    services.attachment_viewed(actor=request.user, attachment=attachment, request=request)
    return file_download(
        attachment.file, name=attachment.original_name, content_type=attachment.content_type
    )
