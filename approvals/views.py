from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals import services
from approvals.exceptions import ApprovalError, DslLogIncomplete
from approvals.forms import DecidedFilter, DecisionForm, DslLogForm, RequestFilter, WaitingFilter
from approvals.models import ApprovalRequest
from approvals.selectors import (
    copies_for,
    dashboard_counts,
    dashboard_for,
    decided_by,
    declaration_pages_for,
    declaration_trail,
    dsl_log_of,
    dsl_log_refusal,
    dsl_log_request_for,
    gift_check_for,
    is_told,
    leads_a_setting,
    may_read_dsl_log,
    related_declarations,
    request_get_for,
    sent_to_the_dsl,
    waiting_on_others_for,
)
from contactpolicy.pagination import page_of, query_without_page
from contactpolicy.refusals import refused_unless, visible_or_404
from contactpolicy.uploads import file_download
from contactpolicy.workflow import IllegalTransition
from declarations.selectors import declaration_changes, relationships_of, subjects_shown_to
from declarations.services import attachment_viewed
from policies.selectors import (
    channels_not_permitted,
    not_permitted,
    permitted_codes_for,
    version_in_force_for,
)

PAGE_SIZE = 50


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """What waits for my decision, most urgent first, with counts and filters."""
    waiting = dashboard_for(user=request.user)
    filterset = RequestFilter(request.GET or None, queryset=waiting)
    # The most urgent first, a page at a time: a trust's Executive Headteacher may have
    # hundreds waiting (#10).
    page = page_of(request, filterset.qs, size=PAGE_SIZE)
    requests = list(page.object_list)
    # Contact by a way not on the setting's permitted list is marked (R32).
    permitted = permitted_codes_for(item.declaration.setting for item in requests)
    for item in requests:
        item.not_permitted = not_permitted(
            permitted[item.declaration.setting_id], item.declaration.details.get("channels", [])
        )
    # Whom each is about, as this person may see them (#19).
    subjects_shown_to(user=request.user, declarations=[item.declaration for item in requests])
    copies = list(copies_for(user=request.user)[:10])
    context = {
        "filter": filterset,
        "requests": requests,
        "page": page,
        "query": query_without_page(request),
        "counts": dashboard_counts(user=request.user),
        "leads": leads_a_setting(request.user),
        "copies": [item for item in copies if not is_told(item)],
        "told": [item for item in copies if is_told(item)],
        "today": timezone.localdate(),
    }
    template = "approvals/dashboard.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def decided(request: HttpRequest) -> HttpResponse:
    """What I decided, the newest first, with filters (#22)."""
    filterset = DecidedFilter(request.GET or None, queryset=decided_by(user=request.user))
    page = page_of(request, filterset.qs, size=PAGE_SIZE)
    decisions = list(page.object_list)
    subjects_shown_to(
        user=request.user, declarations=[decision.request.declaration for decision in decisions]
    )
    return render(
        request,
        "approvals/decided.html",
        {
            "filter": filterset,
            "decisions": decisions,
            "page": page,
            "query": query_without_page(request),
        },
    )


@require_GET
def waiting_on_others(request: HttpRequest) -> HttpResponse:
    """For a head: what waits on the other deciders of her settings, overdue first
    (#22); a 404 for anyone who is not a head or Executive Headteacher."""
    if not leads_a_setting(request.user):
        raise Http404
    today = timezone.localdate()
    filterset = WaitingFilter(
        request.GET or None, queryset=waiting_on_others_for(user=request.user, today=today)
    )
    page = page_of(request, filterset.qs, size=PAGE_SIZE)
    requests = list(page.object_list)
    return render(
        request,
        "approvals/waiting_on_others.html",
        {
            "filter": filterset,
            "requests": requests,
            "page": page,
            "query": query_without_page(request),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The declaration with its history, related declarations, and the decision form."""
    approval = request_get_for(user=request.user, pk=pk)
    form = (
        DecisionForm(request.POST or None, request=approval)
        if _can_decide(request, approval)
        else None
    )
    if request.method == "POST":
        if form is None:
            messages.error(request, "This is not waiting for your decision any more.")
            return redirect(approval)
        if form.is_valid():
            try:
                services.decision_record(
                    actor=request.user,
                    request=approval,
                    outcome=form.cleaned_data["outcome"],
                    details=form.details(),
                    http_request=request,
                )
            except (ApprovalError, IllegalTransition) as error:
                if not isinstance(error, IllegalTransition):  # a refused move is on record
                    services.decision_refused_record(
                        actor=request.user,
                        request=approval,
                        reason=str(error),
                        http_request=request,
                    )
                messages.error(request, str(error))
                return redirect(approval)
            messages.success(request, "Your decision is recorded.")
            return redirect("approvals:dashboard")
    services.request_viewed(actor=request.user, request=approval, http_request=request)
    return render(
        request, "approvals/request_detail.html", _detail_context(request, approval, form=form)
    )


def _can_decide(request: HttpRequest, approval: ApprovalRequest) -> bool:
    return (
        approval.purpose == ApprovalRequest.Purpose.DECIDE
        and approval.is_open
        and approval.decider_id == request.user.pk
    )


def _detail_context(
    request: HttpRequest,
    approval: ApprovalRequest,
    *,
    form: DecisionForm | None,
    log_form: DslLogForm | None = None,
) -> dict:
    """What the page of a request shows: the declaration, its history, related
    declarations, the decision form and the DSL's log with its form (R41)."""
    declaration = approval.declaration
    related = list(related_declarations(user=request.user, declaration=declaration))
    # Whom it is about, as this person may see them: a head told of their own pupils'
    # side of a declaration of several schools sees their own school's (#19).
    subjects_shown_to(user=request.user, declarations=[declaration, *related])
    pages = declaration_pages_for(user=request.user, declarations=related)
    for other in related:
        other.page = pages.get(other.pk, "")
    told = is_told(approval)
    # The DSL's log: for the safeguarding roles of the setting, on a declaration that
    # was copied or referred to the DSL; its form for the DSL and the deputies.
    to_the_dsl = sent_to_the_dsl(declaration).exists()
    keeps_log = to_the_dsl and dsl_log_refusal(user=request.user, request=approval) is None
    if keeps_log and log_form is None:
        log_form = DslLogForm(request=approval, actor=request.user)
    return {
        "approval": approval,
        "declaration": declaration,
        "kind": declaration.kind_entry,
        "rows": declaration.kind_entry.describe(declaration.details),
        # Whose parent is whose, and what the setting's policy says of this kind (#22).
        "relationships": relationships_of(user=request.user, declaration=declaration),
        "policy": version_in_force_for(declaration.setting),
        "form": form,
        "told": told,
        # A copy of a card or letter may name another school's children: for the
        # person deciding, not for a head told of their own pupils' side (#19).
        "attachments": [] if told else list(declaration.attachments.all()),
        "trail": declaration_trail(declaration),
        "changes": declaration_changes(declaration),
        "related": related,
        # Contact by a way not on the setting's permitted list is pointed out (R32).
        "not_permitted": channels_not_permitted(
            setting=declaration.setting, channels=declaration.details.get("channels", [])
        ),
        # A gift beside its setting's rule on gifts, anything against it marked (R40).
        "gift_check": gift_check_for(approval),
        "dsl_log": list(dsl_log_of(declaration))
        if to_the_dsl and may_read_dsl_log(user=request.user, request=approval)
        else None,
        "log_form": log_form if keeps_log else None,
    }


@require_POST
def request_dsl_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Record in the DSL's log what was done about the declaration of this request (R41):
    a 404 for a request that is not the person's or whose declaration was not copied or
    referred to the DSL, a 403 for someone who is not its DSL or deputy DSL."""
    approval = dsl_log_request_for(user=request.user, pk=pk)
    log_form = DslLogForm(request.POST, request=approval, actor=request.user)
    if log_form.is_valid():
        data = log_form.cleaned_data
        try:
            services.dsl_log_record(
                actor=request.user,
                request=approval,
                action=data["action"],
                done_on=data["done_on"],
                done_by=data["done_by"],
                outcome=data["outcome"],
                http_request=request,
            )
        except DslLogIncomplete as error:
            for name, message in error.problems.items():
                log_form.add_error(name if name in log_form.fields else None, message)
        else:
            messages.success(
                request,
                "What was done is recorded in the DSL's log and, as a confidential entry, "
                "on the files of the pupils it is about.",
            )
            return redirect(approval)
    # Nothing typed is lost: the page again, with the form as it was sent and why.
    form = DecisionForm(request=approval) if _can_decide(request, approval) else None
    return render(
        request,
        "approvals/request_detail.html",
        _detail_context(request, approval, form=form, log_form=log_form),
    )


@require_GET
def request_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A file attached to a declaration, for the person asked to decide it or copied it
    (R11: the copy is drawn to the decider's attention); always a download, recorded."""
    approval = request_get_for(user=request.user, pk=pk)
    attachment = visible_or_404(
        approval.declaration.attachments.all(), about="declaration", pk=attachment_pk
    )
    # A head told of their own pupils' side reads no copies (#19).
    refused_unless(not is_told(approval), approval.declaration, asked_for="attachment")
    attachment_viewed(actor=request.user, attachment=attachment, request=request)
    return file_download(
        attachment.file, name=attachment.original_name, content_type=attachment.content_type
    )
