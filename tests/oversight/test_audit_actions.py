"""Every action the audit trail holds is one the DSL can read and choose (issue #17 item 5,
R34): the demo is loaded, people sign in and out, the administration screens change
every model they administer and a head runs the school's year; then each action in the
table has its label and is an option of the audit page's action filter, and filtering by
one finds its events."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
import types
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalRequest, Cover, DeciderRole, RoutingRule
from contactpolicy.audit import label_of, registry
from contactpolicy.models import AuditEvent
from declarations.kinds import kind_choices
from demo.people import DEMO_PASSWORD, demo_plan
from directory.models import FamilyLink, FamilyMember, Organisation, Person, Pupil, Role
from oversight.services import summary_snapshot_save
from policies.services import permitted_channels_set, training_record_add
from registers.services import round_open
from schoolcalendar.periods import current_term_token, period_from_token
from tests.conftest import rolled_back_at_the_end, sign_in_with_mfa
from tests.demo import load_demo
from tests.factories.declarations import DeclarationFactory

pytestmark = pytest.mark.django_db

# What the demo and the paths below write that had no label before the registry (the
# approvals' administration under its old codes, directory.routingrule.changed...).
ONCE_UNLABELLED = [
    "demo.loaded",
    "policy.channels_changed",
    "training.recorded",
    "round.opened",
    "summary.published",
    "directory.person.created",
    "directory.person.changed",
    "directory.membership.created",
    "directory.membership.changed",
    "directory.membership.saved",
    "directory.organisation.created",
    "directory.organisation.changed",
    "directory.pupil.created",
    "directory.pupil.changed",
    "directory.familymember.created",
    "directory.familymember.changed",
    "directory.familylink.saved",
    "approvals.routingrule.created",
    "approvals.routingrule.changed",
    "approvals.cover.created",
    "approvals.cover.changed",
    # An approval request's one change in the administration screens is the assignment
    # of a decider, recorded by its service as "approval.assigned".
    "approval.assigned",
]


def admin_form_data(response) -> dict[str, Any]:
    """What a browser sends back from an admin add or change page as it stands: the
    model form and every inline formset with its management form."""
    assert response.status_code == 200, response
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            shown = "on" if value is True else bound.field.widget.format_value(value)
            data[bound.html_name] = "" if shown is None else shown
    return data


def admin_save(client, url: str, **changes: Any) -> None:
    """Open ``url`` in the admin, change some fields and save, as an administrator would."""
    response = client.post(url, {**admin_form_data(client.get(url)), **changes, "_save": "Save"})
    if response.status_code != 302:
        context = response.context or {}
        errors = [context["adminform"].form.errors] if "adminform" in context else []
        errors += [inline.formset.errors for inline in context.get("inline_admin_formsets", [])]
        pytest.fail(f"{url} was not saved ({response.status_code}): {errors}")


def uk(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def administer(o: types.SimpleNamespace) -> None:
    """The administrator of the federation, and a platform operator for what only they
    may do, change every model the administration screens offer."""
    client = Client()
    sign_in_with_mfa(client, o.admin)
    today = timezone.localdate()
    brookfield = o.brookfield

    # People, with the membership inline.
    admin_save(
        client,
        reverse("admin:directory_person_add"),
        **{
            "email": "nia.okafor@brookfield.example",
            "given_name": "Nia",
            "family_name": "Okafor",
            "memberships-0-organisation": brookfield.pk,
            "memberships-0-role": Role.STAFF,
            "memberships-0-job_title": "Teaching assistant",
            "memberships-0-starts_on": uk(today),
        },
    )
    newcomer = Person.objects.get(email="nia.okafor@brookfield.example")
    admin_save(
        client,
        reverse("admin:directory_person_change", args=[newcomer.pk]),
        given_name="Nia Ama",
    )
    membership = newcomer.memberships.get()
    admin_save(
        client,
        reverse("admin:directory_membership_change", args=[membership.pk]),
        job_title="Higher level teaching assistant",
    )
    admin_save(
        client,
        reverse("admin:directory_membership_add"),
        person=newcomer.pk,
        organisation=brookfield.pk,
        role=Role.VOLUNTEER,
        job_title="Reading volunteer",
        starts_on=uk(today),
    )

    # Pupils and families, with the family link inline.
    admin_save(
        client,
        reverse("admin:directory_pupil_add"),
        given_name="Ada",
        family_name="Okafor",
        setting=brookfield.pk,
        class_name="Year 3",
        reference="A0000099",
        date_of_birth=uk(datetime.date(2018, 3, 14)),
        status=Pupil.Status.CURRENT,
    )
    pupil = Pupil.objects.filter(setting=brookfield, family_links__isnull=False).first()
    link = pupil.family_links.first()
    admin_save(
        client,
        reverse("admin:directory_pupil_change", args=[pupil.pk]),
        class_name=f"{pupil.class_name} (moved)",
        **{"family_links-0-relationship": _another_relationship(link.relationship)},
    )
    admin_save(
        client,
        reverse("admin:directory_familymember_add"),
        **{
            "organisation": brookfield.pk,
            "given_name": "Kofi",
            "family_name": "Okafor",
            "links-TOTAL_FORMS": "1",
            "links-0-pupil": pupil.pk,
            "links-0-relationship": FamilyLink.Relationship.values[0],
        },
    )
    relative = FamilyMember.objects.get(given_name="Kofi", family_name="Okafor")
    admin_save(
        client,
        reverse("admin:directory_familymember_change", args=[relative.pk]),
        family_name="Okafor-Mensah",
    )
    admin_save(
        client,
        reverse("admin:directory_organisation_change", args=[brookfield.pk]),
        urn="199001",  # a save that changes nothing is not recorded: this one changes the URN
    )

    # Routing rules, cover, and a request nobody could be found to decide.
    ruled = set(RoutingRule.objects.filter(organisation=brookfield).values_list("kind", flat=True))
    kind = next(code for code, _ in kind_choices() if code not in ruled)
    admin_save(
        client,
        reverse("admin:approvals_routingrule_add"),
        organisation=brookfield.pk,
        kind=kind,
        decider_role=DeciderRole.HEAD,
    )
    rule = RoutingRule.objects.get(organisation=brookfield, kind=kind)
    admin_save(
        client,
        reverse("admin:approvals_routingrule_change", args=[rule.pk]),
        decider_role=DeciderRole.DSL,
    )
    admin_save(
        client,
        reverse("admin:approvals_cover_add"),
        person=o.people["bro_lm1"].pk,
        delegate=o.people["bro_head"].pk,
        reason=Cover.Reason.ABSENCE,
        starts_on=uk(today),
        ends_on=uk(today + datetime.timedelta(days=5)),
    )
    cover = Cover.objects.get(person=o.people["bro_lm1"])
    admin_save(
        client,
        reverse("admin:approvals_cover_change", args=[cover.pk]),
        note="Back on Monday",
    )
    waiting = ApprovalRequest.objects.create(
        declaration=DeclarationFactory(setting=brookfield, declarant=o.people["bro_teacher1"]),
        decider=None,
        decider_role=DeciderRole.HEAD,
        routing_reason="Nobody could be found to decide it.",
        due_on=today,
    )
    admin_save(
        client,
        reverse("admin:approvals_approvalrequest_change", args=[waiting.pk]),
        decider=o.people["bro_head"].pk,
    )

    # Only a platform operator adds an organisation.
    operator = Person.objects.create_superuser(
        email="operator@platform.example", password="not-a-demo-password"
    )
    sign_in_with_mfa(client, operator)
    admin_save(
        client,
        reverse("admin:directory_organisation_add"),
        name="Willow Nursery",
        kind=Organisation.Kind.PRESCHOOL,
    )


def _another_relationship(relationship: str) -> str:
    return next(value for value in FamilyLink.Relationship.values if value != relationship)


def run_the_school(o: types.SimpleNamespace) -> None:
    """The head of Brookfield at work: the permitted ways to communicate, training, the
    annual round and a governors' summary, through the same services as the pages."""
    head, brookfield, today = o.people["bro_head"], o.brookfield, timezone.localdate()
    permitted_channels_set(
        actor=head, organisation=brookfield, channels={"in_person": "", "email": "School only"}
    )
    training_record_add(
        actor=head,
        person=o.people["bro_teacher1"],
        completed_on=today,
        course="Keeping children safe in education",
        provider="The local authority",
    )
    round_open(
        actor=head,
        organisation=brookfield,
        title="Annual declarations",
        deadline=today + datetime.timedelta(days=21),
    )
    period = period_from_token(brookfield, current_term_token(brookfield, today), today)
    summary_snapshot_save(actor=head, organisation=brookfield, period=period, publish=True)


def sign_in_and_out(o: types.SimpleNamespace) -> None:
    # A teacher: no second step between the password and the home page.
    teacher = "terry.kelly@brookfield.example"
    client = Client()
    sign_in = reverse("account_login")
    client.post(sign_in, {"login": teacher, "password": "not the password"})
    assert client.post(sign_in, {"login": teacher, "password": DEMO_PASSWORD}).url == "/"
    client.post(reverse("account_logout"))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo and the paths above, once for the module, inside a transaction rolled
    back at its end (the audit trail is append-only); each test runs in a savepoint."""
    with django_db_blocker.unblock(), rolled_back_at_the_end():
        load_demo()
        plan = demo_plan(timezone.localdate())
        people = {key: Person.objects.get(email=p.email) for key, p in plan.people.items()}
        o = types.SimpleNamespace(
            people=people,
            admin=people["admin"],
            dsl=people["bro_dsl"],
            brookfield=Organisation.objects.get(name="Brookfield Primary School"),
        )
        administer(o)
        run_the_school(o)
        sign_in_and_out(o)
        yield o


def action_options(page: str) -> dict[str, str]:
    """The options of the audit page's action filter: code -> the words shown."""
    select = re.search(r'<select name="action".*?</select>', page, re.S)
    assert select, "the audit page has no action filter"
    return {
        html.unescape(code): html.unescape(text).strip()
        for code, text in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[0])
        if code
    }


def test_every_action_in_the_audit_table_is_labelled_and_a_choice_of_the_dsls_filter(client, demo):
    sign_in_with_mfa(client, demo.dsl)
    page = client.get(reverse("oversight:audit"))
    assert page.status_code == 200
    options = action_options(page.text)
    written = set(AuditEvent.objects.values_list("action", flat=True).distinct())

    # The paths ran: the demo's history, signing in and out, every administration screen
    # and the DSL's own search just now.
    assert written >= {
        "declaration.submitted",
        "approval.decided",
        "auth.signed_in",
        "auth.sign_in_failed",
        "auth.signed_out",
        "audit.searched",
        *ONCE_UNLABELLED,
    }
    for code in sorted(written):
        assert code in registry, f"{code!r} is in the audit table but not registered"
        assert label_of(code) != code, f"{code!r} has no label"
        assert options.get(code) == label_of(code), f"{code!r} cannot be chosen in the filter"


def test_the_filter_offers_every_registered_action_grouped_by_app(client, demo):
    sign_in_with_mfa(client, demo.dsl)
    page = client.get(reverse("oversight:audit")).text
    options = action_options(page)
    groups = [html.unescape(label) for label in re.findall(r'<optgroup label="([^"]*)"', page)]

    assert options == {action.code: action.label for action in registry}
    assert groups == list(dict.fromkeys(action.group for action in registry))
    assert {"Signing in", "Declarations", "Decisions"} <= set(groups)


@pytest.mark.parametrize(
    "code",
    [
        "directory.pupil.changed",
        "directory.membership.changed",
        "directory.person.changed",
        "approvals.routingrule.changed",
    ],
)
def test_the_dsl_filtering_by_an_action_once_unlabelled_finds_its_events(client, demo, code):
    events = AuditEvent.objects.filter(action=code, organisation_pk=demo.brookfield.pk)
    if code == "directory.person.changed":  # filed under the settings the person works in
        events = AuditEvent.objects.filter(action=code, target_label__startswith="Nia")
    expected = set(events.values_list("pk", flat=True))
    assert expected

    sign_in_with_mfa(client, demo.dsl)
    response = client.get(reverse("oversight:audit"), {"action": code})

    assert response.status_code == 200
    page = response.context["page"]
    assert page is not None, response.context["form"].errors
    found = list(page.queryset)
    assert expected <= {event.pk for event in found}
    assert {event.action for event in found} == {code}
    results = response.text.split("<tbody>", 1)[1]
    assert html.escape(label_of(code)) in results


def test_rows_stored_under_a_replaced_code_are_labelled_found_and_exported(client, world):
    # Written before the routing rules' administration had codes of its own app.
    stored = AuditEvent.objects.create(
        action="directory.routingrule.changed",
        actor=world.administrator,
        organisation_pk=world.school_a.pk,
        target_label="Ash Primary School: gift received",
    )
    sign_in_with_mfa(client, world.dsl_a)

    response = client.get(reverse("oversight:audit"), {"action": "approvals.routingrule.changed"})
    assert response.status_code == 200
    assert [event.pk for event in response.context["page"].object_list] == [stored.pk]
    label = "Routing rule changed in the administration screens"
    assert label in response.text.split("<tbody>", 1)[1]

    export = client.get(
        reverse("oversight:audit_export"), {"action": "approvals.routingrule.changed"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode()[1:])))
    assert [row[2] for row in rows[1:]] == [label]
