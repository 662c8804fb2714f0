"""Who may see which organisations, people and pupils, in which role (R35).

Every selector in every app starts from :class:`Access`: it reads a person's
current memberships once per request and answers every scoping question from
them. A role held in a trust or federation applies to each of its settings.

Rules, in one place:

* Everybody sees themself.
* Organisations: every organisation a person holds a current role in, and the
  settings inside any trust or federation they hold one in.
* People: heads, Executive Headteachers, DSLs, deputy DSLs and administrators see
  the people of their organisations; a line manager sees the people they manage.
  Staff, volunteers and governors see only themselves.
* Pupils: the adults who work with children in a setting (staff, volunteers,
  managers, heads, DSLs, administrators) may find its pupils, for example to name
  them in a declaration. Governors and the Chair see no pupil: they read
  anonymised summaries (R33).
* A declaration that names people of several settings of a trust or federation (a
  teaching assistant in both schools, about siblings in each): whoever reads it sees
  the pupils and family members of the settings they hold a role in, directly or
  through the trust or federation, and no others (:meth:`Access.sees_people_of`). The
  declarant sees all they named. One that names people of its own setting only is
  read as it always was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from directory.models import Membership, Organisation, Person, Pupil, Role

PEOPLE_ROLES = frozenset(
    {Role.HEAD, Role.EXECUTIVE_HEAD, Role.DSL, Role.DEPUTY_DSL, Role.ADMINISTRATOR}
)
PUPIL_ROLES = frozenset(
    {
        Role.STAFF,
        Role.VOLUNTEER,
        Role.LINE_MANAGER,
        Role.HEAD,
        Role.EXECUTIVE_HEAD,
        Role.DSL,
        Role.DEPUTY_DSL,
        Role.ADMINISTRATOR,
    }
)
# Who may open a pupil's file (R25): never a teacher, never a governor.
PUPIL_FILE_ROLES = frozenset({Role.HEAD, Role.EXECUTIVE_HEAD, Role.DSL, Role.DEPUTY_DSL})
# Who may read referrals and LADO consultations on a file (KCSIE Part 4).
SAFEGUARDING_ROLES = PUPIL_FILE_ROLES
# Who reads the full audit history of a setting (R34); the Executive Headteacher's
# role in a federation reaches each of its schools.
AUDIT_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.ADMINISTRATOR, Role.EXECUTIVE_HEAD})
# Who looks for patterns across declarations (several staff and one family, repeated gifts).
PATTERN_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.EXECUTIVE_HEAD})
# Who allocates key people and resolves key-person conflicts (R26).
KEY_PERSON_ROLES = frozenset({Role.HEAD, Role.EXECUTIVE_HEAD, Role.ADMINISTRATOR})
# Who publishes policy versions, sets the permitted ways to communicate and opens the
# annual declaration round for an organisation (R29, R32).
POLICY_ROLES = frozenset({Role.HEAD, Role.EXECUTIVE_HEAD, Role.ADMINISTRATOR})
# Who sees who has acknowledged the policy and who is due for training, and records
# training for others (R30, R31).
COMPLIANCE_ROLES = POLICY_ROLES | {Role.DSL, Role.DEPUTY_DSL}
# Who reads the anonymised governors' summaries of an organisation (R33), and who of
# them saves a summary for the board papers and tells the governors it is ready.
SUMMARY_ROLES = frozenset(
    {
        Role.GOVERNOR,
        Role.CHAIR,
        Role.VICE_CHAIR,
        Role.HEAD,
        Role.EXECUTIVE_HEAD,
        Role.ADMINISTRATOR,
    }
)
SUMMARY_SAVE_ROLES = POLICY_ROLES
SUMMARY_PUBLISH_ROLES = frozenset({Role.HEAD, Role.EXECUTIVE_HEAD})
# Roles that decide declarations or receive copies of them (the approvals app's pages).
DECIDING_ROLES = frozenset(
    {
        Role.LINE_MANAGER,
        Role.HEAD,
        Role.EXECUTIVE_HEAD,
        Role.CHAIR,
        Role.VICE_CHAIR,
        Role.DSL,
        Role.DEPUTY_DSL,
    }
)

# Roles that see pupil files, decide declarations or administer (R37): granting or
# changing one is audited and told to the person and to their organisation's head and
# Executive Headteacher, an administrator cannot give one to themself without another
# senior person's confirmation, and losing one ends the person's sessions.
POWERFUL_ROLES = PUPIL_FILE_ROLES | DECIDING_ROLES | {Role.ADMINISTRATOR}
# Whose sessions end after the shorter idle time (SESSION_IDLE_MINUTES_SENIOR): the
# roles that see children's records or run the register (R37).
SENIOR_ROLES = frozenset(
    {
        Role.HEAD,
        Role.EXECUTIVE_HEAD,
        Role.DSL,
        Role.DEPUTY_DSL,
        Role.ADMINISTRATOR,
        Role.CHAIR,
        Role.VICE_CHAIR,
    }
)
# Who confirms a role an administrator asked to give themself.
CONFIRMING_ROLES = frozenset({Role.HEAD, Role.EXECUTIVE_HEAD})


@dataclass(frozen=True)
class Access:
    """What one signed-in person may see. Build it with :meth:`for_user`."""

    person_id: int | None
    is_superuser: bool = False
    # organisation id -> the roles the person holds there, directly or through its group
    roles_by_organisation: dict[int, frozenset[str]] = field(default_factory=dict)
    # organisation ids where the person holds a role directly (not inherited)
    direct_organisation_ids: frozenset[int] = frozenset()
    # organisation id -> the roles that must use a second factor there: its own and
    # those of its trust or federation (identity/mfa.py reads it, R37)
    mfa_roles_by_organisation: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user: Any) -> Access:
        """The access of ``user``, worked out once and kept on the user object."""
        if user is None or not user.is_authenticated or not user.is_active:
            return cls(person_id=None)
        cached = getattr(user, "_access", None)
        if cached is not None:
            return cached
        access = cls._build(user)
        user._access = access
        return access

    @classmethod
    def _build(cls, user: Person) -> Access:
        direct: dict[int, set[str]] = defaultdict(set)
        group_ids: set[int] = set()
        mfa_roles: dict[int, frozenset[str]] = {}
        for organisation_id, role, kind, own_mfa, parent_mfa in (
            Membership.objects.current()
            .filter(person=user)
            .values_list(
                "organisation_id",
                "role",
                "organisation__kind",
                "organisation__mfa_roles",
                "organisation__parent__mfa_roles",
            )
        ):
            direct[organisation_id].add(role)
            mfa_roles[organisation_id] = frozenset(own_mfa or ()) | frozenset(parent_mfa or ())
            if kind in Organisation.GROUP_KINDS:
                group_ids.add(organisation_id)
        effective: dict[int, set[str]] = defaultdict(set)
        for organisation_id, roles in direct.items():
            effective[organisation_id] |= roles
        if group_ids:
            for child_id, parent_id, own_mfa in Organisation.objects.filter(
                parent_id__in=group_ids
            ).values_list("id", "parent_id", "mfa_roles"):
                effective[child_id] |= direct[parent_id]
                mfa_roles[child_id] = frozenset(own_mfa or ()) | mfa_roles[parent_id]
        return cls(
            person_id=user.pk,
            is_superuser=user.is_superuser,
            roles_by_organisation={key: frozenset(value) for key, value in effective.items()},
            direct_organisation_ids=frozenset(direct),
            mfa_roles_by_organisation=mfa_roles,
        )

    # Roles ---------------------------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        return self.person_id is not None

    def roles(self) -> frozenset[str]:
        """Every role the person holds anywhere."""
        return frozenset().union(*self.roles_by_organisation.values())

    def has_role(self, *roles: str, organisation: Organisation | int | None = None) -> bool:
        """Whether the person holds any of ``roles`` (in ``organisation``, if given)."""
        if organisation is None:
            return bool(self.roles() & set(roles))
        organisation_id = organisation if isinstance(organisation, int) else organisation.pk
        return bool(self.roles_by_organisation.get(organisation_id, frozenset()) & set(roles))

    def acts_as(self, *roles: str, organisation: Organisation | int | None = None) -> bool:
        """Whether the person may act in one of ``roles`` (in ``organisation``, if
        given): holding the role, or being a superuser."""
        return self.is_superuser or self.has_role(*roles, organisation=organisation)

    def organisation_ids(self, *roles: str) -> frozenset[int]:
        """Organisations where the person holds any of ``roles`` (any role if none given)."""
        if not roles:
            return frozenset(self.roles_by_organisation)
        wanted = set(roles)
        return frozenset(
            organisation_id
            for organisation_id, held in self.roles_by_organisation.items()
            if held & wanted
        )

    # Querysets -----------------------------------------------------------------------

    def organisations(self, *roles: str) -> QuerySet[Organisation]:
        if self.is_superuser:
            return Organisation.objects.all()
        return Organisation.objects.filter(pk__in=self.organisation_ids(*roles))

    def settings(self, *roles: str) -> QuerySet[Organisation]:
        """Schools and pre-schools only."""
        return self.organisations(*roles).filter(kind__in=Organisation.SETTING_KINDS)

    def people(self) -> QuerySet[Person]:
        """The people this person may see in the directory."""
        if self.is_superuser:
            return Person.objects.all()
        if self.person_id is None:
            return Person.objects.none()
        organisation_ids = self.organisation_ids(*PEOPLE_ROLES)
        visible = Q(pk=self.person_id) | Q(
            memberships__in=Membership.objects.current().filter(line_manager_id=self.person_id)
        )
        if organisation_ids:
            visible |= Q(
                memberships__in=Membership.objects.current().filter(
                    organisation_id__in=organisation_ids
                )
            )
        return Person.objects.filter(pk__in=Person.objects.filter(visible).values("pk"))

    def pupils(self) -> QuerySet[Pupil]:
        """The pupils this person may find and name (never for governors)."""
        if self.is_superuser:
            return Pupil.objects.all()
        return Pupil.objects.filter(setting_id__in=self.organisation_ids(*PUPIL_ROLES))

    def sees_people_of(self, setting_ids: frozenset[int] | set[int]) -> bool:
        """Whether the person may see, on a declaration that names people of several
        settings, someone belonging to ``setting_ids`` (a pupil's setting, or the
        settings of a family member's children): they hold a role in one of them,
        directly or through its trust or federation."""
        return self.is_superuser or any(
            setting_id in self.roles_by_organisation for setting_id in setting_ids
        )

    def managed_people(self) -> QuerySet[Person]:
        """The people whose current line manager this person is."""
        if self.person_id is None:
            return Person.objects.none()
        return Person.objects.filter(
            pk__in=Membership.objects.current()
            .filter(line_manager_id=self.person_id)
            .values("person_id")
        )
