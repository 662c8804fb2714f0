"""Administration of routing rules, cover, and requests nobody could be found to decide."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone

from approvals import audit_actions
from approvals.exceptions import ApprovalError
from approvals.models import ApprovalRequest, Cover, RoutingRule
from approvals.routing import below_the_head, decider_problem
from approvals.services import cover_apply, cover_end, cover_requests_return, request_assign
from contactpolicy.workflow import IllegalTransition
from declarations.kinds import get_kind
from directory.admin import AuditedAdmin


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["organisation", "kind", "decider_role", "copy_dsl"]

    def clean(self):
        cleaned = super().clean()
        kind, role = cleaned.get("kind"), cleaned.get("decider_role")
        if kind and role and below_the_head(kind, role):
            self.add_error(
                "decider_role",
                f"{get_kind(kind).name} is never decided below the head of the setting: "
                "choose the head, the Executive Headteacher or the Chair.",
            )
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    form = RoutingRuleForm
    audit_created = audit_actions.ROUTING_RULE_CREATED
    audit_changed = audit_actions.ROUTING_RULE_CHANGED
    scope_lookup = "organisation_id"
    list_display = ["organisation", "kind", "decider_role", "copy_dsl"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "decider_role", "kind"]
    search_fields = ["organisation__name"]


class CoverForm(forms.ModelForm):
    class Meta:
        model = Cover
        fields = ["person", "delegate", "reason", "starts_on", "ends_on", "note"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.ended_at and self.has_changed():
            raise forms.ValidationError(
                "This cover was ended early and cannot be changed: add a new one instead."
            )
        return cleaned


@admin.register(Cover)
class CoverAdmin(AuditedAdmin):
    form = CoverForm
    audit_created = audit_actions.COVER_CREATED
    audit_changed = audit_actions.COVER_CHANGED
    scope_lookup = "person__memberships__organisation_id"
    list_display = ["person", "delegate", "reason", "starts_on", "ends_on", "ended_at"]
    list_filter = ["reason"]
    search_fields = ["person__family_name", "delegate__family_name"]
    autocomplete_fields = ["person", "delegate"]
    readonly_fields = ["ended_at"]
    actions = ["end_now"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        today = timezone.localdate()
        if obj.is_current(today):
            moved = cover_apply(actor=request.user, cover=obj, today=today)
            if moved:
                self.message_user(
                    request, f"{moved} waiting request(s) moved from {obj.person} (see each)."
                )
        elif change and obj.ends_on < today:
            returned = cover_requests_return(actor=request.user, cover=obj, today=today)
            if returned:
                self.message_user(request, f"{returned} waiting request(s) moved back.")

    @admin.action(description="End the chosen cover now; what it moved goes back")
    def end_now(self, request, queryset) -> None:
        today = timezone.localdate()
        for cover in queryset:
            try:
                returned = cover_end(
                    actor=request.user, cover=cover, today=today, http_request=request
                )
            except ApprovalError as error:
                self.message_user(request, f"{cover}: {error}", level=messages.WARNING)
            else:
                self.message_user(
                    request, f"{cover} ended: {returned} waiting request(s) moved back."
                )


class NobodyToDecideFilter(admin.SimpleListFilter):
    title = "needs a decider"
    parameter_name = "unassigned"

    def lookups(self, request, model_admin):
        return [("yes", "Nobody to decide it")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(decider__isnull=True, status=ApprovalRequest.Status.OPEN)
        return queryset


class AssignForm(forms.ModelForm):
    class Meta:
        model = ApprovalRequest
        fields = ["decider"]

    def clean_decider(self):
        decider = self.cleaned_data.get("decider")
        if decider is not None and (
            problem := decider_problem(decider.pk, self.instance.declaration, timezone.localdate())
        ):
            raise forms.ValidationError(problem)
        return decider


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(AuditedAdmin):
    """Requests are routed by the app; an administrator only assigns one nobody could take."""

    scope_lookup = "declaration__setting_id"
    audit_changed = audit_actions.APPROVAL_REQUEST_CHANGED  # nothing is added here
    list_display = ["declaration", "purpose", "decider", "decider_role", "status", "due_on"]
    list_filter = [NobodyToDecideFilter, "status", "purpose", "decider_role"]
    list_select_related = ["declaration", "decider"]
    fields = [
        "declaration",
        "purpose",
        "status",
        "decider",
        "decider_role",
        "routing_reason",
        "due_on",
        "escalated_from",
    ]
    autocomplete_fields = ["decider"]
    form = AssignForm

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        editable = (
            {"decider"} if obj is not None and obj.decider_id is None and obj.is_open else set()
        )
        return [name for name in self.fields if name not in editable]

    def save_model(self, request, obj, form, change) -> None:
        # The only change made here is the assignment, through its service.
        if "decider" in form.changed_data and obj.decider_id:
            try:
                request_assign(
                    actor=request.user,
                    request=obj,
                    decider=obj.decider,
                    http_request=request,
                )
            except (ApprovalError, IllegalTransition) as error:
                self.message_user(request, str(error), level=messages.ERROR)
