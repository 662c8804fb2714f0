"""Admin screens for administrators, scoped to the organisations they administer (R35).

A platform operator (superuser) sees everything. An administrator of a trust,
federation or setting sees and edits only the organisations, people, pupils and
families there. Nothing is deleted from here: people are made inactive and
memberships are given an end date, so that records stay whole. The one exception is a
family member whom nothing names (one added by mistake): their administrator can delete
them, audited.

People, line managers, pupils and family members are chosen by typing (autocomplete),
searched within the administrator's organisations only; the changelists of roles and
people have bulk actions for the line manager and the role, which go through the same
rules as a change made one at a time (R37).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router
from django.db.models import QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from simple_history.admin import SimpleHistoryAdmin

from contactpolicy.audit import AuditAction
from contactpolicy.reauthentication import sensitive_step
from contactpolicy.refusals import Refused
from contactpolicy.services import access_refusal_record, audit_event_record
from directory import audit_actions
from directory.access import Access
from directory.exceptions import RoleRequestError
from directory.models import (
    SAFEGUARDING_CHAIN_ROLES,
    FamilyLink,
    FamilyMember,
    Membership,
    Organisation,
    Person,
    Pupil,
    Role,
    SamlIdentityProvider,
)
from directory.selectors import without_line_manager
from directory.services import (
    BulkOutcome,
    RoleHeld,
    membership_changed,
    memberships_change,
    needs_confirmation,
    organisation_sign_in_changed,
    people_role_give,
    person_email_changed,
    person_sign_in_method_changed,
    role_request_make,
)


def administered_ids(request: HttpRequest) -> frozenset[int]:
    return Access.for_user(request.user).organisation_ids(Role.ADMINISTRATOR)


def scope_choices(request: HttpRequest, model: type, queryset: QuerySet) -> QuerySet:
    """Limit a foreign-key dropdown to what the administrator may see."""
    if request.user.is_superuser:
        return queryset
    ids = administered_ids(request)
    if model is Organisation:
        return queryset.filter(pk__in=ids)
    if model is Person:
        return queryset.filter(memberships__organisation_id__in=ids).distinct()
    if model is Pupil:
        return queryset.filter(setting_id__in=ids)
    if model is FamilyMember:
        return queryset.filter(family_members_of(ids))
    return queryset.none()


def family_members_of(ids: frozenset[int]) -> models.Q:
    """The family members an administrator of ``ids`` looks after: those their
    organisations hold (from the moment they are made, before any link to a pupil), and
    those linked to a pupil of theirs (a sibling's parent held by another school)."""
    return models.Q(
        pk__in=FamilyMember.objects.filter(
            models.Q(organisation_id__in=ids) | models.Q(links__pupil__setting_id__in=ids)
        ).values("pk")
    )


class ScopedMixin:
    """Permissions and querysets from the access module; no deletion, unless an admin
    says otherwise (family members whom nothing names)."""

    scope_lookup: str = ""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        """The record, if it is in the administrator's scope. One that exists outside it
        reads as missing, as Django's admin says of any record it cannot find, and the
        attempt is a refusal on the audit trail of the record's organisation (#21)."""
        found = super().get_object(request, object_id, from_field)
        if found is None and from_field is None:
            try:
                pk = self.model._meta.pk.to_python(object_id)
                hidden = self.model._default_manager.filter(pk=pk).first()
            except (ValidationError, ValueError):
                hidden = None
            if hidden is not None:
                access_refusal_record(actor=request.user, record=hidden, request=request)
        return found

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        ids = administered_ids(request)
        scoped = queryset.filter(**{f"{self.scope_lookup}__in": ids})
        if "__" in self.scope_lookup:
            scoped = queryset.filter(pk__in=scoped.values("pk"))
        return scoped

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and hasattr(formfield, "queryset"):
            formfield.queryset = scope_choices(request, db_field.related_model, formfield.queryset)
        return formfield


class AuditedAdmin(ScopedMixin, SimpleHistoryAdmin):
    """Every change made here also lands in the audit trail, under the actions named
    after the model changed: ``audit_created`` and ``audit_changed`` here, and the
    ``audit_saved`` of each inline for the rows saved with it."""

    audit_created: AuditAction | None = None  # None where nothing can be added here
    audit_changed: AuditAction
    # Fields whose change is also recorded with its value before and after, under
    # ``audit_before_after`` (R36, #18: how people sign in).
    before_after_fields: tuple[str, ...] = ()
    audit_before_after: AuditAction | None = None

    def _in_scope_or_404(self, request: HttpRequest, object_id: str) -> None:
        # simple_history's pages look records up without the admin's queryset.
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            hidden = self.model._default_manager.filter(pk=unquote(object_id)).first()
            raise Refused(hidden) if hidden is not None else Http404

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        if request.method != "GET":
            # History is for reading (SIMPLE_HISTORY_REVERT_DISABLED hides the button;
            # this refuses the post too): a change is made on the record's own page,
            # through the services that own its state (#19). The attempt is recorded.
            target = self.get_queryset(request).get(pk=unquote(object_id))
            audit_event_record(
                actor=request.user,
                action=audit_actions.HISTORY_POST_REFUSED,
                target=target,
                data={"version": str(version_id), "method": request.method},
                request=request,
                organisation_pk=filed_under(target, self.scope_lookup),
            )
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change and not form.has_changed():
            return  # a save that changes nothing writes nothing: no version, no audit row
        super().save_model(request, obj, form, change)
        recorded = changes(form, obj, change)
        audit_event_record(
            actor=request.user,
            action=self.audit_changed if change else self.audit_created,
            target=obj,
            organisation_pk=filed_under(obj, self.scope_lookup),
            data=recorded,
            request=request,
        )
        changed = [name for name in self.before_after_fields if name in form.changed_data]
        if change and changed and self.audit_before_after is not None:
            audit_event_record(
                actor=request.user,
                action=self.audit_before_after,
                target=obj,
                organisation_pk=filed_under(obj, self.scope_lookup),
                data={
                    side: {name: recorded[side][name] for name in changed}
                    for side in ("before", "after")
                },
                request=request,
            )

    def log_change(self, request, obj, message):
        # Django's own log of the admin's changes: nothing when nothing changed.
        if not message:
            return None
        return super().log_change(request, obj, message)

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save()
        # The inline's own action: every inline editing a model names the same one.
        inline = next(inline for inline in self.inlines if inline.model is formset.model)
        for instance in instances:
            audit_event_record(
                actor=request.user,
                action=inline.audit_saved,
                target=instance,
                organisation_pk=filed_under(instance, inline.scope_lookup),
                request=request,
            )


def filed_under(obj: models.Model, scope_lookup: str) -> int | None:
    """The organisation an admin change to ``obj`` is filed under in the audit trail,
    where the record does not say it itself (a request, a family member, a family link,
    a cover): the first the admin's own scope finds, so that the DSLs and heads there
    find it in the audit history (#19). None leaves it to the audit trail's own rule
    (a record's setting or organisation; a person's events are found by the person)."""
    if (
        getattr(obj, "setting_id", None)
        or getattr(obj, "organisation_id", None)
        or isinstance(obj, Organisation | Person)
        or scope_lookup in {"", "pk"}
    ):
        return None
    return (
        type(obj)
        ._default_manager.filter(pk=obj.pk)
        .exclude(**{scope_lookup: None})
        .values_list(scope_lookup, flat=True)
        .order_by()
        .first()
    )


def _plain(value):
    """A form value as the audit trail keeps it: a record by its id, a date as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | QuerySet):
        return [_plain(item) for item in value]
    return value


def changes(form, obj, change: bool) -> dict:
    """The fields a form changed, with what each held before and holds after."""
    recorded = {"fields": form.changed_data}
    if change:
        recorded["before"] = {name: _plain(form.initial.get(name)) for name in form.changed_data}
        recorded["after"] = {
            name: _plain(form.cleaned_data.get(name)) for name in form.changed_data
        }
    return recorded


def wait_for_confirmation(request, membership: Membership, before: RoleHeld | None) -> bool:
    """An administrator giving themself a powerful role: nothing is saved, a request
    waits for a head or the Executive Headteacher (who are told). True if so."""
    after = RoleHeld.of(membership)
    if not needs_confirmation(request.user, membership.person, before, after):
        return False
    role_request = role_request_make(
        actor=request.user,
        after=after,
        line_manager=membership.line_manager,
        membership=Membership.objects.get(pk=membership.pk) if membership.pk else None,
        request=request,
    )
    role = f"{membership.get_role_display()} at {membership.organisation}"
    if getattr(role_request, "asked_again", False):
        messages.error(
            request,
            f"You have already asked for the role {role}: it still waits for a head or the "
            f"Executive Headteacher to confirm it. Nothing was changed.",
        )
    else:
        messages.warning(
            request,
            f"You cannot give yourself the role {role}: it waits for a head or the "
            f"Executive Headteacher to confirm it, and they have been told. Until then you "
            f"do not have it.",
        )
    return True


def held_before(membership: Membership) -> RoleHeld | None:
    if membership.pk is None:
        return None
    return RoleHeld.of(Membership.objects.get(pk=membership.pk))


# Bulk actions (#20): the line manager and the role of a selection -----------------------
#
# The action shows a page asking for the line manager or the role, with the chosen rows;
# its form is sent to a view of its own, which asks the administrator to confirm it is
# them (as a role given on a person's page does) and changes each row through the same
# service rules as one change at a time (directory.services.memberships_change).

MOST_AT_ONCE = 500


def person_field(request: HttpRequest, admin_site, **kwargs) -> forms.ModelChoiceField:
    """A person chosen by typing, among the people of the administrator's organisations
    (the autocomplete of a membership's line manager, which searches only those)."""
    return forms.ModelChoiceField(
        queryset=scope_choices(request, Person, Person.objects.filter(is_active=True)),
        widget=AutocompleteSelect(Membership._meta.get_field("line_manager"), admin_site),
        **kwargs,
    )


def organisation_field(request: HttpRequest, **kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=scope_choices(request, Organisation, Organisation.objects.all()), **kwargs
    )


class BulkLineManagerForm(forms.Form):
    def __init__(self, *args, request, admin_site, of_people: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if of_people:
            self.fields["organisation"] = organisation_field(
                request,
                label="In which organisation",
                help_text="Their roles there get the line manager.",
            )
        self.fields["line_manager"] = person_field(
            request,
            admin_site,
            label="Line manager",
            help_text="Type part of their name or email address.",
        )


class BulkRoleForm(forms.Form):
    role = forms.ChoiceField(label="New role", choices=Role.choices)

    def __init__(self, *args, request, admin_site, **kwargs) -> None:
        super().__init__(*args, **kwargs)


class BulkGiveRoleForm(forms.Form):
    def __init__(self, *args, request, admin_site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = organisation_field(request, label="Organisation")
        self.fields["role"] = forms.ChoiceField(label="Role", choices=Role.choices)
        self.fields["job_title"] = forms.CharField(
            label="Job title", max_length=100, required=False
        )
        self.fields["starts_on"] = forms.DateField(
            label="From", initial=timezone.localdate, widget=AdminDateWidget
        )
        self.fields["line_manager"] = person_field(
            request,
            admin_site,
            label="Line manager",
            required=False,
            help_text="Optional. Type part of their name or email address.",
        )


class BulkActionsMixin:
    """The pages and views of the bulk actions of a changelist."""

    bulk_template = "admin/directory/bulk_change.html"
    # view name -> (form class, form options, title, button, service call)
    bulk_changes: dict[str, dict] = {}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                f"bulk/{name.replace('_', '-')}/",
                self.admin_site.admin_view(sensitive_step(self.bulk_view)),
                {"name": name},
                name=f"{info[0]}_{info[1]}_bulk_{name}",
            )
            for name in self.bulk_changes
        ]
        return own + super().get_urls()

    def bulk_page(self, request, name: str, chosen, form=None):
        change = self.bulk_changes[name]
        chosen = list(chosen[: MOST_AT_ONCE + 1])
        if len(chosen) > MOST_AT_ONCE:
            self.message_user(
                request,
                f"Choose at most {MOST_AT_ONCE} at a time: nothing was changed.",
                messages.ERROR,
            )
            return None
        form = form or change["form"](
            request=request, admin_site=self.admin_site, **change.get("options", {})
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": change["title"],
            "intro": change["intro"],
            "submit": change["submit"],
            "chosen": chosen,
            "form": form,
            "media": self.media + form.media,
            "action_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_bulk_{name}"
            ),
        }
        return TemplateResponse(request, self.bulk_template, context)

    def bulk_view(self, request, name: str):
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(changelist)
        ids = [value for value in request.POST.getlist(ACTION_CHECKBOX_NAME) if value.isdigit()]
        chosen = self.get_queryset(request).filter(pk__in=ids)
        if not ids or not chosen.exists():
            self.message_user(
                request, "Nothing was chosen, so nothing was changed.", messages.WARNING
            )
            return HttpResponseRedirect(changelist)
        change = self.bulk_changes[name]
        form = change["form"](
            request.POST,
            request=request,
            admin_site=self.admin_site,
            **change.get("options", {}),
        )
        if not form.is_valid():
            return self.bulk_page(request, name, chosen, form)
        try:
            outcome = getattr(self, change["apply"])(request, chosen, form.cleaned_data)
        except RoleRequestError as error:
            form.add_error(None, str(error))
            return self.bulk_page(request, name, chosen, form)
        self.bulk_report(request, outcome)
        return HttpResponseRedirect(changelist)

    def bulk_report(self, request, outcome) -> None:
        if outcome.changed:
            named = "; ".join(str(membership) for membership in outcome.changed[:10])
            more = len(outcome.changed) - 10
            self.message_user(
                request,
                f"Changed {len(outcome.changed)}: {named}"
                + (f"; and {more} more." if more > 0 else "."),
                messages.SUCCESS,
            )
        for membership in outcome.waiting:
            role = f"{membership.get_role_display()} at {membership.organisation}"
            if getattr(membership, "asked_again", False):
                text = (
                    f"You have already asked for the role {role}: it still waits for a head "
                    "or the Executive Headteacher to confirm it. Nothing was changed."
                )
            else:
                text = (
                    f"You cannot give yourself the role {role}: it waits for a head or the "
                    "Executive Headteacher to confirm it, and they have been told. Until "
                    "then you do not have it."
                )
            self.message_user(request, text, messages.WARNING)
        for who, why in outcome.refused:
            self.message_user(request, f"Not changed: {who}: {why}.", messages.ERROR)
        if not (outcome.changed or outcome.waiting or outcome.refused):
            self.message_user(request, "Nothing needed changing.", messages.INFO)


class MembershipInline(ScopedMixin, admin.TabularInline):
    model = Membership
    audit_saved = audit_actions.MEMBERSHIP_SAVED
    fk_name = "person"
    scope_lookup = "organisation_id"
    extra = 0
    min_num = 1
    fields = ["organisation", "role", "job_title", "line_manager", "starts_on", "ends_on"]
    autocomplete_fields = ["line_manager"]

    def get_queryset(self, request):
        # Show only the memberships in organisations this administrator looks after.
        return super().get_queryset(request).select_related("organisation", "line_manager")

    def get_formset(self, request, obj=None, **kwargs):
        # Every person belongs somewhere: otherwise no administrator could see them again.
        kwargs.setdefault("validate_min", True)
        return super().get_formset(request, obj, **kwargs)


class PersonAddForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["email", "given_name", "family_name"]

    def save(self, commit: bool = True) -> Person:
        person = super().save(commit=False)
        # The person chooses their own password through "Forgotten your password?".
        person.set_unusable_password()
        if commit:
            person.save()
        return person


# Granting a role is one of the most sensitive steps (R37): the administrator confirms
# it is them (password or second factor) unless they have in the last 15 minutes, on a
# membership's own page and on a person's, where roles are given too.
@method_decorator(sensitive_step, name="changeform_view")
@admin.register(Person)
class PersonAdmin(BulkActionsMixin, AuditedAdmin):
    audit_created = audit_actions.PERSON_CREATED
    audit_changed = audit_actions.PERSON_CHANGED
    scope_lookup = "memberships__organisation_id"
    add_form = PersonAddForm
    list_display = ["family_name", "given_name", "email", "is_active"]
    list_filter = [
        "is_active",
        "memberships__role",
        ("memberships__organisation", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["given_name", "family_name", "email"]
    ordering = ["family_name", "given_name"]
    fields = [
        "email",
        "given_name",
        "family_name",
        "is_active",
        "sign_in_method",
        "last_login",
        "date_joined",
    ]
    readonly_fields = ["last_login", "date_joined"]
    # Nobody changes their own address, sign-in method or whether they may sign in (R36),
    # administrators included: another administrator does, audited and told.
    own_account_fields = ["email", "sign_in_method", "is_active"]
    inlines = [MembershipInline]
    before_after_fields = ("sign_in_method",)
    audit_before_after = audit_actions.SIGN_IN_METHOD_CHANGED
    actions = ["set_line_manager", "give_role"]
    bulk_changes = {
        "line_manager": {
            "form": BulkLineManagerForm,
            "options": {"of_people": True},
            "title": "Set the line manager of the chosen people",
            "intro": "Each chosen person's current roles in the organisation get this line "
            "manager: the person they report to day to day, who decides their routine "
            "declarations.",
            "submit": "Set the line manager",
            "apply": "apply_line_manager",
        },
        "role": {
            "form": BulkGiveRoleForm,
            "title": "Give the chosen people a role",
            "intro": "Each chosen person is given the role in the organisation, from the "
            "date given. A role that sees pupils' files, decides declarations or "
            "administers is told to the person and their heads, and one you would give "
            "yourself waits for a head or the Executive Headteacher to confirm it.",
            "submit": "Give the role",
            "apply": "apply_role",
        },
    }

    @admin.action(description="Set the line manager of the chosen people")
    def set_line_manager(self, request, queryset):
        return self.bulk_page(request, "line_manager", queryset)

    @admin.action(description="Give the chosen people a role")
    def give_role(self, request, queryset):
        return self.bulk_page(request, "role", queryset)

    def apply_line_manager(self, request, chosen, data) -> BulkOutcome:
        organisation = data["organisation"]
        memberships = Membership.objects.current().filter(
            person__in=chosen, organisation=organisation
        )
        outcome = memberships_change(
            actor=request.user,
            memberships=memberships,
            line_manager=data["line_manager"],
            request=request,
        )
        with_role = set(memberships.values_list("person_id", flat=True))
        outcome.refused += [
            (person.get_full_name(), f"they have no current role at {organisation}")
            for person in chosen
            if person.pk not in with_role
        ]
        return outcome

    def apply_role(self, request, chosen, data) -> BulkOutcome:
        return people_role_give(
            actor=request.user,
            people=chosen,
            organisation=data["organisation"],
            role=data["role"],
            starts_on=data["starts_on"],
            job_title=data["job_title"],
            line_manager=data["line_manager"],
            request=request,
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = ["email", "given_name", "family_name"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            fields += self.own_account_fields
        return fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "given_name", "family_name"]
        fields = list(self.fields)
        if request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            person_email_changed(
                actor=request.user, person=obj, before=form.initial["email"], request=request
            )
        if change and "sign_in_method" in form.changed_data:
            person_sign_in_method_changed(
                actor=request.user, person=obj, before=form.initial["sign_in_method"]
            )

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        for membership in formset.save(commit=False):
            before = held_before(membership)
            if wait_for_confirmation(request, membership, before):
                continue
            membership.save()
            audit_event_record(
                actor=request.user,
                action=MembershipInline.audit_saved,
                target=membership,
                data={
                    "before": before.for_audit() if before else None,
                    "after": RoleHeld.of(membership).for_audit(),
                },
                request=request,
            )
            membership_changed(
                actor=request.user, membership=membership, before=before, request=request
            )
        formset.save_m2m()
        return None


class SamlIdentityProviderInline(ScopedMixin, admin.StackedInline):
    """An organisation's SAML service (RM Unify, LGfL USO): edited on its page, so an
    administrator sees and changes only their own organisations' (R36)."""

    model = SamlIdentityProvider
    audit_saved = audit_actions.SAML_IDP_SAVED
    scope_lookup = "organisation_id"
    extra = 0
    max_num = 1
    fields = [
        "name",
        "slug",
        "entity_id",
        "sso_url",
        "x509_certificate",
        "email_attribute",
        "enabled",
    ]


class OrganisationForm(forms.ModelForm):
    mfa_roles = forms.MultipleChoiceField(
        label="Roles that must use a second factor",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=Organisation._meta.get_field("mfa_roles").help_text,
    )

    safeguarding_chain = forms.MultipleChoiceField(
        label="Who a referral to the DSL goes to",
        choices=[(role, Role(role).label) for role in SAFEGUARDING_CHAIN_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=Organisation._meta.get_field("safeguarding_chain").help_text,
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "parent", "urn", "mfa_roles", "safeguarding_chain"]


@method_decorator(sensitive_step, name="changeform_view")
@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    audit_created = audit_actions.ORGANISATION_CREATED
    audit_changed = audit_actions.ORGANISATION_CHANGED
    scope_lookup = "pk"
    form = OrganisationForm
    list_display = ["name", "kind", "parent", "urn"]
    list_filter = ["kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "urn"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "parent", "urn"]}),
        (
            "Signing in",
            {
                "fields": [
                    "entra_tenant_id",
                    "google_workspace_domain",
                    "sso_required",
                    "trust_idp_mfa",
                    "mfa_roles",
                ],
                "description": "How this organisation's people sign in. A trust's or "
                "federation's tenant, domain and roles that must use a second factor count "
                "for its schools. A SAML service (RM Unify, LGfL USO) is set up below.",
            },
        ),
        ("Safeguarding", {"fields": ["safeguarding_chain"]}),
    ]
    inlines = [SamlIdentityProviderInline]
    before_after_fields = (
        "entra_tenant_id",
        "google_workspace_domain",
        "sso_required",
        "trust_idp_mfa",
        "mfa_roles",
    )
    audit_before_after = audit_actions.ORGANISATION_SIGN_IN_CHANGED

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # New trusts, federations and settings are set up by the service's operators.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in self.before_after_fields if name in form.changed_data]
        if change and changed:
            organisation_sign_in_changed(
                actor=request.user,
                organisation=obj,
                what=[str(form.fields[name].label) for name in changed],
            )

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is SamlIdentityProvider and formset.has_changed():
            organisation_sign_in_changed(
                actor=request.user, organisation=form.instance, what=["SAML service"]
            )


class NoLineManagerFilter(admin.SimpleListFilter):
    """The to-do list's "staff and volunteers without a line manager" (#20)."""

    title = "line manager"
    parameter_name = "no_line_manager"

    def lookups(self, request, model_admin):
        return [("yes", "None yet (current staff and volunteers)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return without_line_manager(queryset)
        return queryset


@method_decorator(sensitive_step, name="changeform_view")
@admin.register(Membership)
class MembershipAdmin(BulkActionsMixin, AuditedAdmin):
    audit_created = audit_actions.MEMBERSHIP_CREATED
    audit_changed = audit_actions.MEMBERSHIP_CHANGED
    scope_lookup = "organisation_id"
    list_display = ["person", "role", "job_title", "organisation", "line_manager", "ends_on"]
    list_filter = [
        NoLineManagerFilter,
        "role",
        ("organisation", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["person__given_name", "person__family_name", "person__email", "job_title"]
    list_select_related = ["person", "organisation", "line_manager"]
    autocomplete_fields = ["person", "line_manager"]
    actions = ["set_line_manager", "set_role"]
    bulk_changes = {
        "line_manager": {
            "form": BulkLineManagerForm,
            "title": "Set the line manager of the chosen roles",
            "intro": "Each chosen role gets this line manager: the person its holder "
            "reports to day to day, who decides their routine declarations.",
            "submit": "Set the line manager",
            "apply": "apply_line_manager",
        },
        "role": {
            "form": BulkRoleForm,
            "title": "Change the chosen roles",
            "intro": "Each chosen role becomes the new role, with the same dates. A role "
            "that sees pupils' files, decides declarations or administers is told to the "
            "person and their heads, and one you would give yourself waits for a head or "
            "the Executive Headteacher to confirm it.",
            "submit": "Change the roles",
            "apply": "apply_role",
        },
    }

    @admin.action(description="Set the line manager of the chosen roles")
    def set_line_manager(self, request, queryset):
        return self.bulk_page(request, "line_manager", queryset)

    @admin.action(description="Change the chosen roles to another role")
    def set_role(self, request, queryset):
        return self.bulk_page(request, "role", queryset)

    def apply_line_manager(self, request, chosen, data) -> BulkOutcome:
        return memberships_change(
            actor=request.user,
            memberships=chosen,
            line_manager=data["line_manager"],
            request=request,
        )

    def apply_role(self, request, chosen, data) -> BulkOutcome:
        return memberships_change(
            actor=request.user, memberships=chosen, role=data["role"], request=request
        )

    def get_readonly_fields(self, request, obj=None):
        # A role is never moved from one person to another: it is ended and given anew.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "person"] if obj is not None else fields

    def save_model(self, request, obj, form, change) -> None:
        before = held_before(obj) if change else None
        if wait_for_confirmation(request, obj, before):
            obj.waiting_for_confirmation = True
            return
        super().save_model(request, obj, form, change)
        membership_changed(actor=request.user, membership=obj, before=before, request=request)

    # A role waiting for confirmation was not saved: nothing to log or to open.
    def log_addition(self, request, obj, message):
        if not getattr(obj, "waiting_for_confirmation", False):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not getattr(obj, "waiting_for_confirmation", False):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "waiting_for_confirmation", False):
            return HttpResponseRedirect(reverse("admin:directory_membership_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(obj, "waiting_for_confirmation", False):
            return HttpResponseRedirect(reverse("admin:directory_membership_changelist"))
        return super().response_change(request, obj)


class FamilyLinkInline(ScopedMixin, admin.TabularInline):
    model = FamilyLink
    audit_saved = audit_actions.FAMILY_LINK_SAVED
    scope_lookup = "pupil__setting_id"
    extra = 0
    autocomplete_fields = ["family_member", "pupil"]


@admin.register(Pupil)
class PupilAdmin(AuditedAdmin):
    audit_created = audit_actions.PUPIL_CREATED
    audit_changed = audit_actions.PUPIL_CHANGED
    scope_lookup = "setting_id"
    list_display = ["family_name", "given_name", "setting", "class_name", "status", "key_person"]
    list_filter = ["status", ("setting", admin.RelatedOnlyFieldListFilter), "class_name"]
    search_fields = ["given_name", "family_name", "reference"]
    list_select_related = ["setting", "key_person"]
    # Key people are allocated on the Records pages, which refuse a person with a
    # declared relationship with the child's family (R26).
    readonly_fields = ["key_person"]
    inlines = [FamilyLinkInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "setting":
            formfield.queryset = formfield.queryset.filter(kind__in=Organisation.SETTING_KINDS)
        return formfield


class FamilyMemberForm(forms.ModelForm):
    class Meta:
        model = FamilyMember
        fields = [
            "organisation",
            "reference",
            "given_name",
            "family_name",
            "email",
            "phone",
            "person",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every family member is held by an organisation: the one whose administrators
        # see, correct and (if nothing names them) delete them.
        self.fields["organisation"].required = True


@admin.register(FamilyMember)
class FamilyMemberAdmin(AuditedAdmin):
    """Parents, carers and relatives, held by an organisation (a setting, or its trust or
    federation). Added here or from a pupil's page (the "+" beside a family link's family
    member), a family member is the administrator's from the moment they are made; one
    made by mistake, whom no declaration or record names, can be deleted (audited)."""

    form = FamilyMemberForm
    audit_created = audit_actions.FAMILY_MEMBER_CREATED
    audit_changed = audit_actions.FAMILY_MEMBER_CHANGED
    scope_lookup = "links__pupil__setting_id"
    list_display = ["family_name", "given_name", "organisation", "reference"]
    list_select_related = ["organisation"]
    search_fields = ["given_name", "family_name", "reference", "links__pupil__family_name"]
    list_filter = ["links__relationship", ("organisation", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["person"]
    inlines = [FamilyLinkInline]
    actions = None  # no deleting in bulk: one at a time, from the family member's page

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super(ScopedMixin, self).get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(family_members_of(administered_ids(request)))

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, may_have_duplicates or bool(search_term)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        if "organisation" not in initial:
            choices = scope_choices(request, Organisation, Organisation.objects.all())
            if len(only := list(choices[:2])) == 1:
                initial["organisation"] = only[0].pk
        return initial

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        """Deleting a family member made by mistake: only one that nothing but their
        links to pupils names (no declaration, no record), one at a time."""
        if not self.admin_site.has_permission(request):
            return False
        return obj is None or not named_anywhere(obj)

    def delete_model(self, request: HttpRequest, obj: FamilyMember) -> None:
        audit_event_record(
            actor=request.user,
            action=audit_actions.FAMILY_MEMBER_DELETED,
            target=obj,
            organisation_pk=obj.organisation_id or filed_under(obj, self.scope_lookup),
            data={
                "name": str(obj),
                "organisation": obj.organisation_id,
                "reference": obj.reference,
                "pupils": sorted(obj.links.values_list("pupil_id", flat=True)),
            },
            request=request,
        )
        super().delete_model(request, obj)


def named_anywhere(obj: models.Model) -> bool:
    """Whether deleting ``obj`` is stopped by a record that names it (a declaration, an
    entry on a file: their foreign keys protect it), found the way deleting would."""
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError):
        return True
    return False
