"""Reads of the registers, each limited to what the signed-in person may see (R25 to R28,
R34, R35). Every page built from these costs a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from approvals.models import CONFIDENTIAL_OUTCOMES, ApprovalRequest, Decision, Outcome
from contactpolicy.models import AuditEvent
from contactpolicy.refusals import refused_unless, visible_or_404
from declarations.audit_actions import DECLARATION_ATTACHMENT_VIEWED, DECLARATION_VIEWED
from declarations.kinds import KINDS, Register, codes_on_register, codes_where
from declarations.models import Declaration, DeclarationSubject
from declarations.selectors import subjects_shown_to
from directory.access import (
    KEY_PERSON_ROLES,
    PEOPLE_ROLES,
    POLICY_ROLES,
    PUPIL_FILE_ROLES,
    SAFEGUARDING_ROLES,
    Access,
)
from directory.models import FamilyLink, Membership, Organisation, Person, Pupil, Role
from directory.selectors import name_query
from policies.selectors import percentage
from registers.models import (
    DeclarationRound,
    FollowUp,
    RegisterEntry,
    RoundArrangement,
    RoundResponse,
)

# Declarations that count towards a key-person conflict (R26): declared and not withdrawn.
LIVE_STATUSES = (
    Declaration.Status.SUBMITTED,
    Declaration.Status.MORE_INFO,
    Declaration.Status.DECIDED,
)
VIEW_ACTIONS = (DECLARATION_VIEWED, DECLARATION_ATTACHMENT_VIEWED)


def current_versions() -> QuerySet[Declaration]:
    """Live declarations that no newer live version replaces: an amendment is counted
    once, and a draft or withdrawn amendment leaves the version it amends in force."""
    return Declaration.objects.filter(status__in=LIVE_STATUSES).exclude(
        Exists(
            Declaration.objects.filter(previous_version=OuterRef("pk"), status__in=LIVE_STATUSES)
        )
    )


def confidential_to(user: Any) -> Q:
    """Entries a viewer must not see: referrals and LADO consultations about their own
    declarations (KCSIE Part 4), whatever role they hold."""
    return Q(confidential=True, declaration__declarant_id=Access.for_user(user).person_id)


ENTRY_RELATED = (
    "declaration__declarant",
    "declaration__setting",
    "decision",
    "recorded_by",
    "amends",
    "via_family_member",
    "person",
    "pupil",
)


def _with_children(organisation_ids: set[int]) -> set[int]:
    """The organisations and, for a trust or federation, its settings."""
    if not organisation_ids:
        return set()
    children = Organisation.objects.filter(parent_id__in=organisation_ids).values_list(
        "id", flat=True
    )
    return organisation_ids | set(children)


# Staff files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileView:
    """A file as one viewer may see it: whose it is and which entries."""

    owner: Person | Pupil
    entries: QuerySet[RegisterEntry]
    is_own: bool = False
    setting_ids: frozenset[int] | None = None  # None: every setting


def staff_people_for(*, user: Any) -> QuerySet[Person]:
    """The people whose staff file this person may open: themself, the people they line
    manage, and the people of the settings where they are head, DSL or administrator,
    including those who have left (their file is still needed, for example by the LADO)."""
    access = Access.for_user(user)
    organisation_ids = access.organisation_ids(*PEOPLE_ROLES)
    if access.is_superuser or not organisation_ids:
        return access.people()
    return Person.objects.filter(
        Q(pk__in=access.people().values("pk"))
        | Q(
            pk__in=Membership.objects.filter(organisation_id__in=organisation_ids).values(
                "person_id"
            )
        )
    )


def _staff_file_setting_ids(access: Access, person: Person) -> set[int]:
    ids = set(access.organisation_ids(*PEOPLE_ROLES))
    managed = set(
        Membership.objects.current()
        .filter(person=person, line_manager_id=access.person_id)
        .values_list("organisation_id", flat=True)
    )
    return ids | _with_children(managed)


def staff_file_for(*, user: Any, person_pk: int) -> FileView:
    """A staff member's file (R25): their own entries for themself (never a referral or
    LADO consultation about them), and for a manager the entries of the settings where
    they manage that person. Anyone else gets a 404."""
    access = Access.for_user(user)
    person = visible_or_404(staff_people_for(user=user), pk=person_pk)
    entries = RegisterEntry.objects.filter(file=RegisterEntry.File.STAFF, person=person)
    is_own = person.pk == access.person_id
    setting_ids = None
    if is_own and not access.is_superuser:
        entries = entries.filter(confidential=False)
    elif not access.is_superuser:
        setting_ids = frozenset(_staff_file_setting_ids(access, person))
        # A declaration made at another school that names pupils of the viewer's (#19)
        # is theirs to see on the staff file too: it is on those pupils' files.
        on_their_pupils_files = RegisterEntry.objects.filter(
            declaration_id=OuterRef("declaration_id"),
            file=RegisterEntry.File.PUPIL,
            pupil__setting_id__in=setting_ids,
        )
        entries = entries.filter(
            Q(declaration__setting_id__in=setting_ids) | Exists(on_their_pupils_files)
        ).filter(
            Q(confidential=False)
            | Q(declaration__setting_id__in=access.organisation_ids(*SAFEGUARDING_ROLES))
        )
    return FileView(
        owner=person,
        entries=entries.select_related(*ENTRY_RELATED),
        is_own=is_own,
        setting_ids=setting_ids,
    )


def open_declarations_for_file(*, file: FileView) -> QuerySet[Declaration]:
    """The person's declarations still waiting for a decision, where the viewer may see them."""
    queryset = Declaration.objects.filter(
        declarant=file.owner,
        status__in=(Declaration.Status.SUBMITTED, Declaration.Status.MORE_INFO),
    ).select_related("setting")
    if file.setting_ids is not None:
        queryset = queryset.filter(setting_id__in=file.setting_ids)
    return queryset.order_by("-submitted_at")


# Pupil files ---------------------------------------------------------------------------


def pupil_file_pupils_for(*, user: Any) -> QuerySet[Pupil]:
    """The pupils whose file this person may open: heads, DSLs and deputy DSLs of the
    pupil's setting and the Executive Headteacher (R25, R35). Never teachers or governors."""
    access = Access.for_user(user)
    if access.is_superuser:
        return Pupil.objects.all()
    return Pupil.objects.filter(setting_id__in=access.organisation_ids(*PUPIL_FILE_ROLES))


def pupil_file_for(*, user: Any, pupil_pk: int) -> FileView:
    pupil = visible_or_404(
        pupil_file_pupils_for(user=user).select_related("setting", "key_person"), pk=pupil_pk
    )
    entries = RegisterEntry.objects.filter(file=RegisterEntry.File.PUPIL, pupil=pupil).exclude(
        confidential_to(user)
    )
    return FileView(owner=pupil, entries=entries.select_related(*ENTRY_RELATED))


# Who sees, on a pupil's file, the declarations and concerns about the child not yet
# decided: the designated safeguarding lead (or officer) and the deputies (#21).
OPEN_MATTER_ROLES = (Role.DSL, Role.DEPUTY_DSL)
OPEN_STATUSES = (Declaration.Status.SUBMITTED, Declaration.Status.MORE_INFO)


def open_matters_for(*, user: Any, pupil: Pupil, limit: int = 50) -> list[Declaration]:
    """For the DSL and deputy DSL of the child's setting (directly or through its trust
    or federation): the declarations and concerns naming the child, or one of their
    family (as ``registers.services.files_of`` reads it), that are not yet decided, the
    newest first; nobody else sees them here, and nobody their own. Each carries
    ``named_directly``, ``via_given_name`` and ``via_family_name`` (the family member
    it names, when it is through one), ``link`` (the person's own request on it, to
    open it from; None if they have none) and ``waiting_for`` (the open request to
    decide it, if any).
    Two queries, whatever their number."""
    access = Access.for_user(user)
    if not access.acts_as(*OPEN_MATTER_ROLES, organisation=pupil.setting_id):
        return []
    named = DeclarationSubject.objects.filter(declaration_id=OuterRef("pk"), pupil_id=pupil.pk)
    through_family = DeclarationSubject.objects.filter(
        declaration_id=OuterRef("pk"), family_member__links__pupil_id=pupil.pk
    ).order_by("pk")
    # A family member's children in the same setting or federation only (files_of).
    same_group = Q(setting_id=pupil.setting_id)
    if pupil.setting.parent_id:
        same_group |= Q(setting__parent_id=pupil.setting.parent_id)
    declarations = list(
        Declaration.objects.filter(status__in=OPEN_STATUSES)
        .filter(Exists(named) | (Exists(through_family) & same_group))
        .exclude(declarant_id=access.person_id)
        .annotate(
            named_directly=Exists(named),
            via_given_name=Subquery(through_family.values("family_member__given_name")[:1]),
            via_family_name=Subquery(through_family.values("family_member__family_name")[:1]),
        )
        .select_related("declarant", "setting")
        .order_by("-submitted_at", "-pk")[:limit]
    )
    requests = (
        # Never an empty list, which Django answers without asking: the same queries
        # whether or not anything is open.
        ApprovalRequest.objects.filter(
            declaration_id__in=[declaration.pk for declaration in declarations] or [0]
        )
        .filter(
            Q(decider_id=access.person_id)
            | Q(on_behalf_of_id=access.person_id)
            | Q(purpose=ApprovalRequest.Purpose.DECIDE, status=ApprovalRequest.Status.OPEN)
        )
        .select_related("decider")
        .order_by("created_at", "pk")
    )
    link: dict[int, ApprovalRequest] = {}
    waiting: dict[int, ApprovalRequest] = {}
    for request in requests:
        if access.person_id in {request.decider_id, request.on_behalf_of_id}:
            link[request.declaration_id] = request  # the newest of theirs (as elsewhere)
        if request.purpose == ApprovalRequest.Purpose.DECIDE and request.is_open:
            waiting[request.declaration_id] = request
    for declaration in declarations:
        declaration.link = link.get(declaration.pk)
        declaration.waiting_for = waiting.get(declaration.pk)
    return declarations


def may_correct(access: Access, entry: RegisterEntry) -> bool:
    """Whether the person may add a correction to ``entry`` (R25): its recorder, or the
    head, Executive Headteacher, DSL or deputy DSL of its setting; never to a correction,
    and nobody to the record of their own declarations. The one rule the file pages,
    the correction page and the service all ask."""
    if entry.entry_kind == RegisterEntry.EntryKind.CORRECTION:
        return False
    if access.is_superuser:
        return True
    if entry.declaration.declarant_id == access.person_id:
        return False
    return entry.recorded_by_id == access.person_id or access.has_role(
        *SAFEGUARDING_ROLES, organisation=entry.declaration.setting_id
    )


def entry_for_correction(*, user: Any, pk: int) -> RegisterEntry:
    """An entry the person may correct: its recorder, or the head, Executive Headteacher,
    DSL or deputy DSL of its setting, provided they can see it on a file."""
    access = Access.for_user(user)
    entry = get_object_or_404(RegisterEntry.objects.select_related(*ENTRY_RELATED), pk=pk)
    may = may_correct(access, entry)
    # ... and only an entry they can see on a file (the superuser sees every file).
    if access.is_superuser:
        pass
    elif may and entry.file == RegisterEntry.File.STAFF:
        may = staff_file_for(user=user, person_pk=entry.person_id).entries.filter(pk=pk).exists()
    elif may:
        may = pupil_file_pupils_for(user=user).filter(pk=entry.pupil_id).exists()
    refused_unless(may, entry.declaration, asked_for="entry on a file")
    return entry


# Follow-ups ----------------------------------------------------------------------------


def follow_ups_for(*, user: Any) -> dict[str, QuerySet[FollowUp]]:
    """What is waiting for this person: reviews they are responsible for, actions and
    ending arrangements they must confirm, and unconfirmed ones passed to them."""
    access = Access.for_user(user)
    open_items = FollowUp.objects.filter(status=FollowUp.Status.OPEN).select_related(
        "declaration__setting", "person", "responsible", "escalated_to", "decision"
    )
    return {
        "reviews": open_items.filter(kind=FollowUp.Kind.REVIEW, responsible_id=access.person_id),
        "to_confirm": open_items.filter(
            kind__in=(FollowUp.Kind.ACTION, FollowUp.Kind.EXPIRY), person_id=access.person_id
        ),
        "unconfirmed": open_items.filter(
            kind__in=(FollowUp.Kind.ACTION, FollowUp.Kind.EXPIRY),
            escalated_at__isnull=False,
        ).filter(Q(responsible_id=access.person_id) | Q(escalated_to_id=access.person_id)),
    }


def follow_up_get_for(*, user: Any, pk: int) -> FollowUp:
    """A follow-up for its staff member, its responsible manager, the person it was
    escalated to, or the head or Executive Headteacher of its setting."""
    access = Access.for_user(user)
    follow_up = get_object_or_404(
        FollowUp.objects.select_related(
            "declaration__setting",
            "declaration__declarant",
            "person",
            "responsible",
            "escalated_to",
            "decision__decided_by",
            "completed_by",
        ),
        pk=pk,
    )
    refused_unless(
        may_open_follow_up(access, follow_up), follow_up.declaration, asked_for="follow-up"
    )
    return follow_up


def may_open_follow_up(access: Access, follow_up: FollowUp) -> bool:
    """A follow-up is for its staff member, its responsible manager, the person it was
    escalated to, and the head or Executive Headteacher of its setting."""
    return (
        access.is_superuser
        or access.person_id
        in {follow_up.person_id, follow_up.responsible_id, follow_up.escalated_to_id}
        or access.has_role(
            Role.HEAD, Role.EXECUTIVE_HEAD, organisation=follow_up.declaration.setting_id
        )
    )


# Correspondence and contact-details registers (R27, R28) --------------------------------


def register_settings_for(*, user: Any) -> QuerySet[Organisation]:
    """Settings whose registers the person may read: heads, DSLs and administrators."""
    return Access.for_user(user).settings(*PEOPLE_ROLES).order_by("name")


def kind_register_for(*, user: Any, register: Register) -> QuerySet[Declaration]:
    """Declarations of the kinds ``register`` lists, across the person's settings, with
    their decision."""
    kinds = codes_on_register(register)
    latest = Decision.objects.filter(request__declaration=OuterRef("pk")).order_by("-decided_at")
    settings = register_settings_for(user=user)
    # Made at another school of the trust or federation, naming pupils of theirs (#19):
    # shown with their own pupils only (register_rows_describe).
    naming_theirs = DeclarationSubject.objects.filter(
        Q(pupil__setting__in=settings)
        | Q(
            # a family member's children in the same trust or federation only
            family_member__links__pupil__setting__in=settings,
            family_member__links__pupil__setting__parent_id=F("declaration__setting__parent_id"),
        )
    ).values("declaration_id")
    return (
        current_versions()
        .filter(kind__in=kinds)
        .filter(Q(setting__in=settings) | Q(pk__in=naming_theirs))
        .select_related("declarant", "setting")
        .prefetch_related(
            "subjects__pupil",
            "subjects__family_member",
            "follow_ups",
        )
        .annotate(
            outcome=latest.values("outcome")[:1],
            decided_at=latest.values("decided_at")[:1],
        )
        .order_by("-submitted_at", "-pk")
    )


# Dates kept in a declaration's details that the registers show.
DATE_FIELDS = ("received_on", "until", "delete_by", "trip_starts_on", "trip_ends_on", "send_on")


def register_rows_describe(*, user: Any, declarations) -> None:
    """Ready one page of a kind register to show: who opened each declaration, its
    outcome (never a referral or LADO consultation to anyone but the safeguarding roles,
    nor to the person it is about), its dates, and with whom details were shared."""
    declarations = list(declarations)
    viewers = viewers_of(declarations)
    # Whom each is about, as this person may see them (#19).
    subjects_shown_to(user=user, declarations=declarations)
    access = Access.for_user(user)
    safeguarding = access.organisation_ids(*SAFEGUARDING_ROLES)
    for declaration in declarations:
        declaration.viewers = viewers.get(declaration.pk, [])
        hidden = declaration.outcome in CONFIDENTIAL_OUTCOMES and (
            declaration.declarant_id == access.person_id
            or declaration.setting_id not in safeguarding
        )
        declaration.outcome_label = (
            Outcome(declaration.outcome).label if declaration.outcome and not hidden else ""
        )
        declaration.dates = {
            name: datetime.date.fromisoformat(value)
            for name, value in declaration.details.items()
            if name in DATE_FIELDS and value
        }
        declaration.ends_on = declaration.dates.get("delete_by") or declaration.dates.get("until")
        declaration.shared_with = declaration.details.get("to_whom") or declaration.details.get(
            "parents_or_carers", ""
        )


def viewers_of(declarations: list[Declaration]) -> dict[int, list[str]]:
    """Who has opened each declaration (its decider, the DSL...), from the audit trail."""
    if not declarations:
        return {}
    content_type = ContentType.objects.get_for_model(Declaration)
    seen: dict[int, list[str]] = defaultdict(list)
    rows = (
        AuditEvent.objects.filter(
            target_type=content_type,
            target_id__in=[str(declaration.pk) for declaration in declarations],
            action__in=VIEW_ACTIONS,
            actor__isnull=False,
        )
        .values_list("target_id", "actor_id", "actor__given_name", "actor__family_name")
        .distinct()
        .order_by("target_id", "actor__family_name", "actor__given_name", "actor_id")
    )
    for target_id, _, given, family in rows:
        seen[int(target_id)].append(f"{given} {family}")
    return dict(seen)


# Key-person conflicts (R26) --------------------------------------------------------------


def relationship_declarations() -> QuerySet[DeclarationSubject]:
    """Subjects of live pre-existing-relationship declarations (R5): declared and
    not withdrawn, and not refused."""
    return DeclarationSubject.objects.filter(
        declaration__kind__in=codes_where(blocks_key_person=True),
        declaration__in=current_versions(),
    ).exclude(
        declaration__approval_requests__decision__outcome=Outcome.REFUSED,
    )


def key_person_conflicts_with(*, person: Person, pupil: Pupil) -> list[str]:
    """Why ``person`` cannot be ``pupil``'s key person, in words; empty if they can."""
    reasons = []
    for declaration in Declaration.objects.filter(
        pk__in=relationship_declarations()
        .filter(declaration__declarant=person)
        .filter(Q(pupil=pupil) | Q(family_member__links__pupil=pupil))
        .values("declaration_id")
    ).order_by("submitted_at"):
        where = (
            f" ({declaration.reference}, {declaration.get_status_display().lower()})"
            if declaration.setting_id == pupil.setting_id
            else " at another setting"
        )
        reasons.append(
            f"{person.get_full_name()} has declared a pre-existing relationship with "
            f"{pupil}'s family{where}."
        )
    if FamilyLink.objects.filter(pupil=pupil, family_member__person=person).exists():
        reasons.append(f"{person.get_full_name()} is one of {pupil}'s family.")
    return reasons


def key_person_settings_for(*, user: Any) -> QuerySet[Organisation]:
    return Access.for_user(user).settings(*KEY_PERSON_ROLES).order_by("name")


def key_person_conflicts_for(*, user: Any) -> QuerySet[Pupil]:
    """Pupils whose key person has declared a relationship with their family, or is
    family, in the settings where this person allocates key people."""
    relationship = (
        relationship_declarations()
        .filter(declaration__declarant_id=OuterRef("key_person_id"))
        .filter(Q(pupil_id=OuterRef("pk")) | Q(family_member__links__pupil_id=OuterRef("pk")))
    )
    family = FamilyLink.objects.filter(
        pupil_id=OuterRef("pk"), family_member__person_id=OuterRef("key_person_id")
    )
    return (
        Pupil.objects.filter(
            setting__in=key_person_settings_for(user=user), key_person__isnull=False
        )
        .filter(Exists(relationship) | Exists(family))
        .select_related("setting", "key_person")
        .order_by("setting__name", "family_name", "given_name")
    )


def key_person_pupils_for(*, user: Any, query: str) -> QuerySet[Pupil]:
    """Children whose key person this person allocates, found by name or reference."""
    return (
        Pupil.objects.filter(setting__in=key_person_settings_for(user=user))
        .filter(pupil_query(query))
        .select_related("setting", "key_person")
    )


def key_person_pupil_for(*, user: Any, pk: int) -> Pupil:
    return visible_or_404(
        Pupil.objects.filter(setting__in=key_person_settings_for(user=user)).select_related(
            "setting", "key_person"
        ),
        pk=pk,
    )


def key_person_candidates(*, pupil: Pupil) -> QuerySet[Person]:
    """Staff working in the pupil's setting now, managers included (not volunteers or
    governors: a key person is a member of staff)."""
    return Person.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current()
        .filter(
            Q(organisation_id=pupil.setting_id) | Q(organisation_id=pupil.setting.parent_id),
            role__in=(Role.STAFF, Role.LINE_MANAGER, Role.HEAD, Role.DSL, Role.DEPUTY_DSL),
        )
        .values("person_id"),
    ).order_by("family_name", "given_name")


# Patterns for the DSL ------------------------------------------------------------------


# The DSL's audit history (R34) ---------------------------------------------------------


def pupil_query(text: str) -> Q:
    """A pupil by the words of their name, or by their MIS reference."""
    return name_query(text) | Q(reference__iexact=text)


# The annual declaration round ---------------------------------------------------------------


def round_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """Where the person opens declaration rounds and follows their progress: the head,
    Executive Headteacher or administrator."""
    return Access.for_user(user).organisations(*POLICY_ROLES).order_by("name")


def rounds_for(*, user: Any) -> QuerySet[DeclarationRound]:
    return DeclarationRound.objects.filter(
        organisation__in=round_organisations_for(user=user)
    ).select_related("organisation", "opened_by", "closed_by")


def rounds_with_progress_for(*, user: Any) -> QuerySet[DeclarationRound]:
    """The rounds with how many were asked and how many have answered: one query."""
    return rounds_for(user=user).annotate(
        total=Count("responses"),
        answered=Count("responses", filter=~Q(responses__answer=RoundResponse.Answer.OUTSTANDING)),
    )


def round_get_for(*, user: Any, pk: int) -> DeclarationRound:
    return visible_or_404(rounds_for(user=user), pk=pk)


def round_people(organisation: Organisation) -> QuerySet[Person]:
    """Everyone a round for the organisation asks: the people holding a current role in
    it and, for a trust or federation, in each of its settings."""
    where = Q(organisation=organisation)
    if not organisation.is_setting:
        where |= Q(organisation__parent=organisation)
    return Person.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current().filter(where).values("person_id"),
    ).order_by("family_name", "given_name", "pk")


@dataclass(frozen=True)
class RoundProgress:
    total: int
    declared: int
    nothing: int
    outstanding: int

    def percent(self, count: int) -> int:
        return percentage(count, self.total)

    @property
    def answered(self) -> int:
        return self.declared + self.nothing

    @property
    def answered_percent(self) -> int:
        return self.percent(self.answered)

    @property
    def declared_percent(self) -> int:
        return self.percent(self.declared)

    @property
    def nothing_percent(self) -> int:
        return self.percent(self.nothing)

    @property
    def outstanding_percent(self) -> int:
        return self.percent(self.outstanding)

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "declared": self.declared,
            "nothing": self.nothing,
            "outstanding": self.outstanding,
        }


def round_progress(declaration_round: DeclarationRound) -> RoundProgress:
    """How many have confirmed their declarations, said they have nothing to declare,
    or not answered yet: one grouped query."""
    counts = dict(
        declaration_round.responses.values_list("answer")
        .annotate(count=Count("pk"))
        .values_list("answer", "count")
    )
    declared = counts.get(RoundResponse.Answer.DECLARED, 0)
    nothing = counts.get(RoundResponse.Answer.NOTHING, 0)
    outstanding = counts.get(RoundResponse.Answer.OUTSTANDING, 0)
    return RoundProgress(declared + nothing + outstanding, declared, nothing, outstanding)


def round_responses(declaration_round: DeclarationRound, answer: str = "") -> QuerySet:
    responses = declaration_round.responses.select_related("person")
    if answer in RoundResponse.Answer.values:
        responses = responses.filter(answer=answer)
    return responses


def round_tasks_for(*, user: Any) -> QuerySet[RoundResponse]:
    """The person's unanswered responses in open rounds: their tasks."""
    return RoundResponse.objects.filter(
        person_id=Access.for_user(user).person_id,
        answer=RoundResponse.Answer.OUTSTANDING,
        round__status=DeclarationRound.Status.OPEN,
    ).select_related("round", "round__organisation")


def round_response_get_for(*, user: Any, pk: int) -> RoundResponse:
    """Only the person's own response: nobody answers for another (a 404 otherwise)."""
    return visible_or_404(
        RoundResponse.objects.select_related("round", "round__organisation", "person").filter(
            person_id=Access.for_user(user).person_id
        ),
        about="round",
        pk=pk,
    )


def open_arrangements_for(
    person: Person, organisation: Organisation, today: datetime.date | None = None
) -> list[Declaration]:
    """The person's arrangements at the organisation (or, for a trust or federation, at
    its settings) that go on until they end (tuition, a pre-existing relationship,
    regular contact): decided and agreed or noted, not ended at a review or in an
    earlier round, and not past their own end date. Declarations still waiting for a
    decision are left to their decider."""
    today = today or timezone.localdate()
    ongoing = [kind.code for kind in KINDS.values() if kind.ongoing]
    declarations = (
        current_versions()
        .filter(
            Q(setting=organisation) | Q(setting__parent=organisation),
            declarant=person,
            kind__in=ongoing,
            status=Declaration.Status.DECIDED,
        )
        .exclude(approval_requests__decision__outcome=Outcome.REFUSED)
        .exclude(follow_ups__result=FollowUp.Result.END)
        .exclude(round_answers__answer=RoundArrangement.Answer.ENDED)
        .select_related("setting")
        .prefetch_related("subjects__pupil", "subjects__family_member")
        .order_by("submitted_at", "pk")
        .distinct()
    )
    open_ones = []
    for declaration in declarations:
        ends_on = declaration.details.get("ends_on") or declaration.details.get("until")
        if ends_on and datetime.date.fromisoformat(ends_on) < today:
            continue
        open_ones.append(declaration)
    return open_ones
