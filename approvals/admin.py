"""Administration of routing rules, cover, and requests nobody could be found to decide."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from approvals import audit_actions, notifications
from approvals.models import ApprovalRequest, Cover, RoutingRule
from approvals.routing import conflicted_people, declarant_rank, person_rank
from approvals.services import cover_apply, due_date_for
from contactpolicy.services import audit_event_record
from directory.admin import AuditedAdmin


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    audit_created = audit_actions.ROUTING_RULE_CREATED
    audit_changed = audit_actions.ROUTING_RULE_CHANGED
    scope_lookup = "organisation_id"
    list_display = ["organisation", "kind", "decider_role", "copy_dsl"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "decider_role", "kind"]
    search_fields = ["organisation__name"]


@admin.register(Cover)
class CoverAdmin(AuditedAdmin):
    audit_created = audit_actions.COVER_CREATED
    audit_changed = audit_actions.COVER_CHANGED
    scope_lookup = "person__memberships__organisation_id"
    list_display = ["person", "delegate", "reason", "starts_on", "ends_on"]
    list_filter = ["reason"]
    search_fields = ["person__family_name", "delegate__family_name"]
    autocomplete_fields = ["person", "delegate"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        moved = cover_apply(actor=request.user, cover=obj)
        if moved:
            self.message_user(request, f"{moved} waiting request(s) moved to {obj.delegate}.")


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
        if decider is None:
            return decider
        declaration = self.instance.declaration
        if decider.pk in conflicted_people(declaration):
            raise forms.ValidationError(
                "This person cannot decide it: it is their own declaration or about their family."
            )
        today = timezone.localdate()
        floor, own_role = declarant_rank(declaration, today)
        if floor >= 0 and person_rank(decider.pk, declaration.setting, today)[0] <= floor:
            raise forms.ValidationError(
                f"The declarant is the {own_role.label.lower()}: choose someone senior to them."
            )
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
        if "decider" in form.changed_data and obj.decider_id:
            obj.due_on = due_date_for(obj.declaration, timezone.localdate())
            obj.routing_reason += (
                f" Assigned to {obj.decider.get_full_name()} by the administrator "
                f"{request.user.get_full_name()}."
            )
        super().save_model(request, obj, form, change)
        if "decider" in form.changed_data:
            audit_event_record(
                actor=request.user,
                action=audit_actions.APPROVAL_ASSIGNED,
                target=obj.declaration,
                data={"request": obj.pk, "decider": obj.decider_id},
                request=request,
            )
            transaction.on_commit(lambda: notifications.request_arrived(obj.pk))
