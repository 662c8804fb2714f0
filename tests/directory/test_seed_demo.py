"""``manage.py seed_demo``: the demo federation, pre-school, people and pupils."""

import datetime
import io
import re

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from approvals.models import Decision
from contactpolicy.models import AuditEvent
from declarations.models import Declaration
from demo.people import DEMO_TOTP_SECRET
from directory.access import Access
from directory.models import FamilyMember, Membership, Organisation, Person, Pupil, Role
from identity.mfa import mfa_required
from tests.conftest import once_per_module
from tests.demo import load_demo
from tests.mfa import at_the_start_of_a_step, totp

pytestmark = pytest.mark.django_db


def seed_demo() -> str:
    """What ``manage.py seed_demo`` prints, run now (the module's demo is ``load_demo``)."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_logins(output: str) -> tuple[list[str], str]:
    password = re.search(r"uses the password: (\S+?)\)", output)
    assert password, output
    # Each login: its role, its address, then how it signs in (#18).
    emails = re.findall(r"^\s+.*?\s(\S+@\S+)(?:\s{2,}.*)?$", output, re.MULTILINE)
    return emails, password.group(1)


def row_counts() -> dict[str, int]:
    """Rows in every directory table, history tables included, and in the audit trail."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("directory").get_models()
    }
    counts["AuditEvent"] = AuditEvent.objects.count()
    return counts


def holders(organisation: Organisation, role: str) -> set[Person]:
    return {
        membership.person
        for membership in Membership.objects.current()
        .filter(organisation=organisation, role=role)
        .select_related("person")
    }


def the_one(organisation: Organisation, role: str) -> Person:
    people = holders(organisation, role)
    assert len(people) == 1, f"{organisation} has {len(people)} people in the role {role}"
    return people.pop()


@once_per_module
def seeded_for_the_module() -> str:
    """The demo, loaded once for the module (tests/conftest.py ``once_per_module``; put
    back from its snapshot if another module loaded it first: tests/demo.py)."""
    return load_demo()


@pytest.fixture
def demo(seeded_for_the_module, db) -> str:
    """What the first ``seed_demo`` printed."""
    return seeded_for_the_module


def test_demo_is_a_federation_of_two_primary_schools_under_an_executive_headteacher(demo):
    federation = Organisation.objects.get(kind=Organisation.Kind.FEDERATION)
    schools = list(federation.children.all())

    assert len(schools) == 2
    assert all(school.kind == Organisation.Kind.SCHOOL for school in schools)
    assert all("Primary" in school.name for school in schools)
    executive_head = the_one(federation, Role.EXECUTIVE_HEAD)
    access = Access.for_user(executive_head)
    for school in schools:
        assert access.has_role(Role.EXECUTIVE_HEAD, organisation=school)


def test_each_school_has_a_head_dsl_deputy_dsl_line_managers_and_volunteers(demo):
    schools = Organisation.objects.filter(
        kind=Organisation.Kind.SCHOOL, parent__kind=Organisation.Kind.FEDERATION
    )

    assert schools.count() == 2
    for school in schools:
        head = the_one(school, Role.HEAD)
        dsl = the_one(school, Role.DSL)
        deputy = the_one(school, Role.DEPUTY_DSL)
        assert len({head, dsl, deputy}) == 3, school
        assert holders(school, Role.LINE_MANAGER), school
        assert holders(school, Role.VOLUNTEER), school
        managed = Membership.objects.filter(
            organisation=school, role=Role.STAFF, line_manager__isnull=False
        )
        assert managed.count() >= 10, school


def test_federation_has_governors_with_a_chair_and_an_administrator(demo):
    federation = Organisation.objects.get(kind=Organisation.Kind.FEDERATION)

    chair = the_one(federation, Role.CHAIR)
    governors = holders(federation, Role.GOVERNOR)
    assert chair in governors
    assert len(governors) >= 3
    administrator = the_one(federation, Role.ADMINISTRATOR)
    assert administrator not in governors


def test_separate_preschool_manager_is_head_and_dsl_and_children_have_key_persons(demo):
    preschool = Organisation.objects.get(kind=Organisation.Kind.PRESCHOOL)

    assert preschool.parent is None
    manager = the_one(preschool, Role.HEAD)
    assert holders(preschool, Role.DSL) == {manager}
    children = Pupil.objects.filter(setting=preschool)
    assert children.exists()
    assert not children.filter(key_person__isnull=True).exists()
    preschool_staff = holders(preschool, Role.STAFF)
    for child in children.select_related("key_person"):
        assert child.key_person in preschool_staff


def test_demo_has_about_four_hundred_pupils_with_some_former_ones(demo):
    assert 350 <= Pupil.objects.count() <= 450
    former = Pupil.objects.filter(status=Pupil.Status.FORMER)
    assert former.exists()
    assert not former.filter(left_on__isnull=True).exists()
    assert not Pupil.objects.filter(status=Pupil.Status.CURRENT, left_on__isnull=False).exists()


def test_demo_has_siblings_split_across_the_two_schools(demo):
    first, second = Organisation.objects.filter(kind=Organisation.Kind.SCHOOL, parent__isnull=False)

    split = FamilyMember.objects.annotate(
        in_first=Count("links", filter=Q(links__pupil__setting=first)),
        in_second=Count("links", filter=Q(links__pupil__setting=second)),
    ).filter(in_first__gt=0, in_second__gt=0)
    assert split.exists()


def test_running_seed_demo_twice_changes_nothing(demo):
    before = row_counts()

    second = seed_demo()

    assert row_counts() == before
    assert "nothing changed" in second
    assert "nothing changed" not in demo
    assert printed_logins(second) == printed_logins(demo)


def test_every_printed_login_signs_in_with_the_printed_password(client, demo, time_machine):
    emails, password = printed_logins(demo)
    enrolled = set(re.findall(r"\*\s+(\S+@\S+)", demo))

    assert len(emails) >= 15
    assert len(set(emails)) == len(emails)
    volunteer = next(email for email in emails if email.startswith("lynne.bennett"))
    head_of_brookfield = "kate.williams@brookfield.example"
    for email in emails:
        person = Person.objects.get(email=email)
        response = client.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302, email
        if email in enrolled:
            # The second step, with the code `manage.py demo_code` prints (R37).
            assert response.url == reverse("mfa_authenticate"), email
            at_the_start_of_a_step(time_machine)
            code = io.StringIO()
            call_command("demo_code", email, stdout=code)
            response = client.post(reverse("mfa_authenticate"), {"code": code.getvalue().strip()})
        assert response.url == "/", email
        home = client.get("/", follow=True)
        assert home.status_code == 200, email
        assert escape(person.given_name) in home.text, email
        # Only the demo's new volunteer has the policy to acknowledge first (R30), and
        # only the head of Brookfield an authenticator to set up.
        first_page = home.redirect_chain[0][0] if home.redirect_chain else "/"
        expected = {
            volunteer: "/policy/acknowledge/?next=%2F",
            head_of_brookfield: "/accounts/2fa/",
        }
        assert first_page == expected.get(email, "/"), email
        client.logout()


def test_the_printed_logins_say_who_signs_in_with_microsoft_or_google(demo):
    head = next(line for line in demo.splitlines() if "Head of school (Brookfield)" in line)
    millbrook = next(line for line in demo.splitlines() if "Head of school (Millbrook)" in line)

    assert head.rstrip().endswith("password, or Sign in with Microsoft or Google")
    assert millbrook.rstrip().endswith("password")
    assert "press 'Sign in with Microsoft' and type kate.williams@brookfield.example" in demo


def test_the_roles_that_need_a_second_factor_have_the_demo_one_but_the_head_of_brookfield(demo):
    emails, _password = printed_logins(demo)
    enrolled = set(re.findall(r"\*\s+(\S+@\S+)", demo))
    assert "kate.williams@brookfield.example" not in enrolled
    for email in emails:
        person = Person.objects.get(email=email)
        expected = mfa_required(person) and email != "kate.williams@brookfield.example"
        assert (email in enrolled) == expected, email
        assert Authenticator.objects.filter(user=person, type="totp").exists() == expected, email
    assert "paul.flynn@brookfield.example" in enrolled  # the DSL
    assert "terry.kelly@brookfield.example" not in enrolled  # a teacher
    assert DEMO_TOTP_SECRET in demo
    assert "manage.py demo_code EMAIL" in demo


def test_demo_code_prints_the_code_of_the_demo_secret_and_nothing_else(demo, time_machine):
    at_the_start_of_a_step(time_machine)
    out = io.StringIO()
    call_command("demo_code", "paul.flynn@brookfield.example", stdout=out)
    assert out.getvalue().strip() == totp(DEMO_TOTP_SECRET)
    with pytest.raises(CommandError, match="no authenticator app with the demo secret"):
        call_command("demo_code", "kate.williams@brookfield.example")
    with pytest.raises(CommandError, match="Nobody signs in as"):
        call_command("demo_code", "nobody@example.org")


def test_demo_code_refuses_to_run_in_production(demo, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_code", "paul.flynn@brookfield.example")


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    out = io.StringIO()

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=out)

    assert not Organisation.objects.exists()
    assert not Person.objects.exists()
    assert not Pupil.objects.exists()
    assert not AuditEvent.objects.exists()
    assert "password" not in out.getvalue()


def test_the_demos_trail_is_true_nothing_after_it_was_loaded_and_no_old_record_made_today(demo):
    """#21 item 8: the demo's history happened when it says, as the DSL reads it in the
    audit search and on each declaration's history."""
    now = timezone.now()
    assert not AuditEvent.objects.filter(occurred_at__gt=now).exists()
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            assert not model.objects.filter(history_date__gt=now).exists(), model.__name__
    old = Declaration.objects.filter(submitted_at__lt=now - datetime.timedelta(days=7))
    assert old.count() > 100
    created = Declaration.history.filter(history_type="+", id__in=old.values("pk"))
    assert created.count() == old.count()
    assert not created.filter(history_date__gt=now - datetime.timedelta(days=7)).exists()


def test_the_demos_decisions_are_made_in_the_working_day(demo):
    hours = {
        timezone.localtime(moment).hour
        for moment in Decision.objects.values_list("decided_at", flat=True)
    }
    assert hours
    assert min(hours) >= 7
    assert max(hours) < 19
