"""The policy pages: reading and acknowledging it, publishing a new version, who has
acknowledged it, training, the permitted ways to communicate and the rule on gifts (R29
to R32, R40). Every view reads through a scoped selector: what a person may not see is a
404."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from contactpolicy.reauthentication import sensitive_step
from contactpolicy.uploads import file_download
from directory.access import Access
from directory.models import Person
from directory.selectors import chosen_organisation
from policies import selectors, services
from policies.exceptions import PolicyError
from policies.forms import (
    AcknowledgeForm,
    ChannelsForm,
    GiftRuleForm,
    PublishForm,
    TrainingForm,
)
from policies.models import GiftRule, PermittedChannel


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The policy in force where the person works, their acknowledgements and training,
    and, for heads, DSLs and administrators, the ways in to the reports."""
    person: Person = request.user
    records = list(selectors.training_records_for(user=person, person=person)[:10])
    last = records[0].completed_on if records else None
    settings_ = list(Access.for_user(person).settings().select_related("parent").order_by("name"))
    return render(
        request,
        "policies/index.html",
        {
            "to_acknowledge": selectors.versions_to_acknowledge(user=person),
            "in_force": selectors.versions_in_force_for(user=person),
            "records": records,
            "training_due_on": records[0].due_on if records else None,
            "training_status": selectors.TrainingStatus.LABELS[
                selectors.training_status(last, timezone.localdate())
            ],
            "channels": selectors.permitted_channels_by_setting(settings_),
            "gift_rules": selectors.gift_rules_by_setting(settings_),
            "can_publish": selectors.policy_organisations_for(user=person).exists(),
            "can_report": selectors.compliance_organisations_for(user=person).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest) -> HttpResponse:
    """The versions the person must read and acknowledge, each with its agreement (R30)."""
    next_url = _safe_next(request)
    posted = None
    if request.method == "POST":
        posted = AcknowledgeForm(request.POST)
        if posted.is_valid():
            version = selectors.version_get_for(
                user=request.user, pk=posted.cleaned_data["version"]
            )
            try:
                services.acknowledgement_record(
                    actor=request.user,
                    version=version,
                    confidentiality_agreed=posted.cleaned_data["confidentiality_agreed"],
                    request=request,
                )
            except PolicyError as error:
                posted.add_error(None, str(error))
            else:
                messages.success(request, f"Thank you: you have acknowledged {version.title}.")
                if selectors.versions_to_acknowledge(user=request.user).exists():
                    return redirect(request.get_full_path())
                return redirect(next_url or "home")
    posted_id = posted.data.get("version") if posted is not None else None
    rows = [
        (
            version,
            posted
            if posted is not None and str(version.pk) == posted_id
            else AcknowledgeForm(initial={"version": version.pk}),
        )
        for version in selectors.versions_to_acknowledge(user=request.user)
    ]
    # The failed form, for the error summary at the top: whether its version is still
    # listed, or is no longer on the list (superseded, or already acknowledged).
    failed = posted if posted is not None and posted.errors else None
    return render(
        request, "policies/acknowledge.html", {"rows": rows, "next": next_url, "form": failed}
    )


@require_GET
def versions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "policies/versions.html",
        {
            "versions": selectors.versions_for(user=request.user)
            .distinct()
            .order_by("organisation__name", "-number"),
            "can_publish": selectors.policy_organisations_for(user=request.user).exists(),
        },
    )


@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_get_for(user=request.user, pk=pk)
    return render(
        request,
        "policies/version_detail.html",
        {
            "version": version,
            "newest": selectors.versions_for(user=request.user)
            .filter(organisation_id=version.organisation_id, number__gt=version.number)
            .order_by("-number")
            .first(),
            "acknowledged": version.acknowledgements.filter(person=request.user).first(),
            "outstanding": selectors.versions_to_acknowledge(user=request.user)
            .filter(pk=version.pk)
            .exists(),
        },
    )


@require_GET
def version_document(request: HttpRequest, pk: int) -> FileResponse:
    version = selectors.version_get_for(user=request.user, pk=pk)
    return file_download(
        version.document, name=version.document_name, content_type=version.document_type
    )


@require_http_methods(["GET", "POST"])
@sensitive_step  # R37: publishing is confirmed within the last 15 minutes
def version_new(request: HttpRequest) -> HttpResponse:
    organisations = selectors.policy_organisations_for(user=request.user)
    if not organisations.exists():
        raise Http404
    form = PublishForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.policy_version_publish(
                actor=request.user,
                organisation=data["organisation"],
                title=data["title"],
                text=data["text"],
                document=data["document"],
                confidentiality_agreement=data["confidentiality_agreement"],
                adopted_on=data["adopted_on"],
                adopted_by=data["adopted_by"],
                signatory_name=data["signatory_name"],
                signatory_role=data["signatory_role"],
                next_review_on=data["next_review_on"],
                request=request,
            )
        except PolicyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Version {version.number} is published. Everyone it applies to has been "
                "asked to read and acknowledge it.",
            )
            return redirect(version)
    return render(request, "policies/version_form.html", {"form": form})


@require_GET
def acknowledgements(request: HttpRequest) -> HttpResponse:
    organisations = selectors.compliance_organisations_for(user=request.user)
    organisation = chosen_organisation(organisations, request.GET.get("organisation"))
    if organisation is None:
        raise Http404
    return render(
        request,
        "policies/acknowledgements.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "report": selectors.acknowledgement_report(organisation=organisation),
        },
    )


@require_GET
def training(request: HttpRequest) -> HttpResponse:
    organisations = selectors.compliance_organisations_for(user=request.user)
    organisation = chosen_organisation(organisations, request.GET.get("organisation"))
    if organisation is None:
        raise Http404
    people = selectors.training_report(organisation=organisation)
    show = request.GET.get("show", "attention")
    if show not in {"attention", "all"}:
        show = "attention"
    attention = [p for p in people if p.training_status != selectors.TrainingStatus.CURRENT]
    return render(
        request,
        "policies/training.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "people": attention if show == "attention" else people,
            "show": show,
            "counts": selectors.training_counts(people),
            "total": len(people),
        },
    )


@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    people = selectors.training_people_for(user=request.user)
    initial = {"person": request.user.pk}
    wanted = request.GET.get("person", "")
    if wanted.isascii() and wanted.isdigit() and people.filter(pk=int(wanted)).exists():
        initial["person"] = int(wanted)
    form = TrainingForm(request.POST or None, request.FILES or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.training_record_add(
                actor=request.user,
                person=data["person"],
                completed_on=data["completed_on"],
                course=data["course"],
                provider=data["provider"],
                evidence=data["evidence"],
                request=request,
            )
        except PolicyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Training recorded for {data['person'].get_full_name()}.")
            if data["person"].pk == request.user.pk:
                return redirect("policies:index")
            return redirect("policies:training")
    return render(request, "policies/training_form.html", {"form": form})


@require_GET
def training_evidence(request: HttpRequest, pk: int) -> FileResponse:
    record = selectors.training_record_get_for(user=request.user, pk=pk)
    if not record.evidence:
        raise Http404
    services.training_evidence_viewed(actor=request.user, record=record, request=request)
    return file_download(
        record.evidence, name=record.evidence_name, content_type=record.evidence_type
    )


@require_http_methods(["GET", "POST"])
def channels(request: HttpRequest) -> HttpResponse:
    """The permitted ways to communicate, for the head or administrator to set (R32)."""
    organisations = selectors.policy_organisations_for(user=request.user)
    organisation = chosen_organisation(
        organisations, request.POST.get("organisation") or request.GET.get("organisation")
    )
    if organisation is None:
        raise Http404
    current = dict(
        PermittedChannel.objects.filter(organisation=organisation).values_list(
            "channel", "conditions"
        )
    )
    form = ChannelsForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.permitted_channels_set(
                actor=request.user,
                organisation=organisation,
                channels=form.chosen(),
                request=request,
            )
        except PolicyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"The permitted ways to communicate for {organisation} are saved."
            )
            return redirect(f"{request.path}?organisation={organisation.pk}")
    return render(
        request,
        "policies/channels.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "form": form,
            "inherited": [] if current else selectors.permitted_channels_for(organisation),
        },
    )


@require_http_methods(["GET", "POST"])
def gifts(request: HttpRequest) -> HttpResponse:
    """The rule on gifts, for the head, Executive Headteacher or administrator to set
    (R15, R40). A refused change is recorded and changes nothing."""
    organisations = selectors.policy_organisations_for(user=request.user).select_related("parent")
    organisation = chosen_organisation(
        organisations, request.POST.get("organisation") or request.GET.get("organisation")
    )
    if organisation is None:
        raise Http404
    own = GiftRule.objects.filter(organisation=organisation).first()
    group = selectors.gift_rule_in_force(organisation.parent) if organisation.parent_id else None
    form = GiftRuleForm(
        request.POST if request.method == "POST" else None,
        organisation=organisation,
        own=own,
        follows=group.rule.summary if group and group.rule else "none set yet",
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.gift_rule_set(
                    actor=request.user,
                    organisation=organisation,
                    allows=form.allows_asked(),
                    token_limit=form.cleaned_data["token_limit"],
                    request=request,
                )
            except PolicyError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"The rule on gifts for {organisation} is saved.")
                return redirect(f"{request.path}?organisation={organisation.pk}")
        services.gift_rule_refused_record(
            actor=request.user,
            organisation=organisation,
            asked=form.asked(),
            reasons=form.messages(),
            request=request,
        )
    return render(
        request,
        "policies/gifts.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "form": form,
            "in_force": selectors.gift_rule_in_force(organisation),
        },
    )
