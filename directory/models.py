from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.models import HistoricalRecords

from directory.search import SearchNameField


def default_mfa_roles() -> list[str]:
    """The roles that see pupil files, decide or administer: they sign in with a second
    factor unless the organisation says otherwise (R37)."""
    return [
        "head",
        "executive_head",
        "dsl",
        "deputy_dsl",
        "administrator",
        "chair",
        "vice_chair",
    ]


# Who a referral to the DSL goes to, in this order, when the one before cannot take it
# (the declarant, the person who referred it, or family of the children): the
# safeguarding chain. Never a governor: governors see no child's name (R33).
SAFEGUARDING_CHAIN_ROLES = ("dsl", "deputy_dsl", "head", "executive_head")


class Organisation(models.Model):
    """A trust or federation, or a school or pre-school setting inside one (R4).

    The tree has two levels: a group (trust or federation) holds settings; a
    setting may also stand alone. Roles held in a group apply to its settings.
    """

    class Kind(models.TextChoices):
        TRUST = "trust", "Multi-academy trust"
        FEDERATION = "federation", "Federation"
        SCHOOL = "school", "School"
        PRESCHOOL = "preschool", "Pre-school or nursery"

    GROUP_KINDS = frozenset({Kind.TRUST, Kind.FEDERATION})
    SETTING_KINDS = frozenset({Kind.SCHOOL, Kind.PRESCHOOL})

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The trust or federation this setting belongs to, if any.",
    )
    urn = models.CharField(
        "URN",
        max_length=10,
        blank=True,
        help_text="The Department for Education's unique reference number, for a school.",
    )
    # Single sign-on (R36, #18): how the people here sign in. A trust's or federation's
    # tenant and domain count for its settings (identity/rules.py).
    entra_tenant_id = models.CharField(
        "Microsoft Entra tenant ID",
        max_length=36,
        blank=True,
        validators=[
            RegexValidator(
                r"^\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\s*$",
                "A tenant ID looks like 72f988bf-86f1-41af-91ab-2d7cd011db47.",
            )
        ],
        help_text="The directory (tenant) ID of this organisation's Microsoft 365, found "
        "in the Microsoft Entra admin centre. Leave blank if it does not use Microsoft.",
    )
    google_workspace_domain = models.CharField(
        "Google Workspace domain",
        max_length=253,
        blank=True,
        validators=[
            RegexValidator(
                r"^\s*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z]{2,}\s*$",
                "Enter the domain alone, for example brookfield.example.",
            )
        ],
        help_text="The primary domain of this organisation's Google Workspace, for example "
        "brookfield.example. Leave blank if it does not use Google.",
    )
    sso_required = models.BooleanField(
        "people here must sign in with single sign-on",
        default=False,
        help_text="Their passwords are then refused, unless a person is allowed one.",
    )
    trust_idp_mfa = models.BooleanField(
        "trust the identity provider's multi-factor authentication",
        default=False,
        help_text="When Microsoft, Google or the SAML service says it asked for a second "
        "factor, that counts as this product's multi-factor authentication.",
    )
    mfa_roles = models.JSONField(
        "roles that must use a second factor",
        default=default_mfa_roles,
        blank=True,
        help_text=(
            "People holding these roles here sign in with an authenticator app or a "
            "security key as well as their password. A trust's or federation's roles "
            "apply to its schools as well."
        ),
    )
    safeguarding_chain = models.JSONField(
        "who a referral to the DSL goes to",
        default=list,
        blank=True,
        help_text=(
            "In this order, each when the one before cannot take it: the designated "
            "safeguarding lead, the deputy, the head, the Executive Headteacher. Never a "
            "governor. Leave empty to follow the trust or federation (or, for it, all four)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind__in=["school", "preschool"]),
                name="organisation_only_settings_have_a_parent",
            ),
            models.UniqueConstraint(
                fields=["entra_tenant_id"],
                condition=~Q(entra_tenant_id=""),
                name="organisation_entra_tenant_unique",
                violation_error_message="Another organisation already has this tenant ID.",
            ),
            models.UniqueConstraint(
                fields=["google_workspace_domain"],
                condition=~Q(google_workspace_domain=""),
                name="organisation_google_domain_unique",
                violation_error_message="Another organisation already has this domain.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.entra_tenant_id = self.entra_tenant_id.strip().lower()
        self.google_workspace_domain = self.google_workspace_domain.strip().lower()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        chain = self.safeguarding_chain or []
        if chain and not {"dsl", "deputy_dsl"} & set(chain):
            raise ValidationError(
                {
                    "safeguarding_chain": "A referral to the DSL must reach a designated "
                    "safeguarding lead or their deputy: tick at least one of them."
                }
            )
        if any(role not in SAFEGUARDING_CHAIN_ROLES for role in chain):
            raise ValidationError(
                {"safeguarding_chain": "Only safeguarding leads and senior leaders can be chosen."}
            )
        if self.parent_id is None:
            return
        if self.kind in self.GROUP_KINDS:
            raise ValidationError(
                {"parent": "A trust or federation sits at the top and cannot have a parent."}
            )
        if self.parent.kind not in self.GROUP_KINDS:
            raise ValidationError(
                {"parent": "A school or pre-school can only belong to a trust or federation."}
            )

    @property
    def is_setting(self) -> bool:
        return self.kind in self.SETTING_KINDS

    def safeguarding_chain_roles(self) -> list[str]:
        """The roles a referral to the DSL goes through here: this organisation's own
        chain, else its trust's or federation's, else all of them (DSL first)."""
        chain = self.safeguarding_chain or (self.parent.safeguarding_chain if self.parent else [])
        return [role for role in SAFEGUARDING_CHAIN_ROLES if role in chain] or list(
            SAFEGUARDING_CHAIN_ROLES
        )


class PersonManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        if not email:
            raise ValueError("A person needs an email address to sign in.")
        person = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class SignInMethod(models.TextChoices):
    """How one person signs in (R36); see identity/rules.py."""

    AS_ORGANISATION = "organisation", "As their organisation requires"
    SINGLE_SIGN_ON = "sso", "Single sign-on only"
    PASSWORD_ALLOWED = "password", "A password as well (someone without a school account)"


class Person(AbstractBaseUser, PermissionsMixin):
    """Any adult who works with the children, paid or unpaid, and signs in with one login (R1).

    What a person may do comes from their memberships, not from flags on this row;
    ``is_superuser`` is kept only for the people who operate the service itself.
    """

    email = models.EmailField("email address", unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick to stop this person signing in; their records stay.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    sign_in_method = models.CharField(
        "how this person signs in",
        max_length=20,
        choices=SignInMethod.choices,
        default=SignInMethod.AS_ORGANISATION,
    )
    # Raised to end every session of the person at once (a role lost): it is part of
    # the session's hash, as the password is (directory.services.sessions_end).
    session_version = models.PositiveIntegerField(default=0, editable=False)
    # The name as it is searched (directory.search), written with the row.
    search_name = SearchNameField()
    history = HistoricalRecords(
        excluded_fields=["password", "last_login", "session_version", "search_name"]
    )

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["given_name", "family_name"]

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = "person"
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="person_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name()

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's hash of the password, which ends every session when the password
        changes, with the session version too (the same hash until it is first raised,
        so that raising it is what ends sessions, not this code's arrival)."""
        if not self.session_version:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "directory.Person.get_session_auth_hash",
            f"{self.password}:{self.session_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_short_name(self) -> str:
        return self.given_name


class Role(models.TextChoices):
    STAFF = "staff", "Staff member"
    VOLUNTEER = "volunteer", "Volunteer"
    GOVERNOR = "governor", "Governor"
    LINE_MANAGER = "line_manager", "Line manager"
    HEAD = "head", "Headteacher or manager"
    EXECUTIVE_HEAD = "executive_head", "Executive Headteacher"
    CHAIR = "chair", "Chair of Governors"
    VICE_CHAIR = "vice_chair", "Vice-chair or acting Chair of Governors"
    DSL = "dsl", "Designated safeguarding lead or officer"
    DEPUTY_DSL = "deputy_dsl", "Deputy designated safeguarding lead"
    ADMINISTRATOR = "administrator", "Administrator"


class MembershipQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(
            Q(starts_on__lte=on),
            Q(ends_on__isnull=True) | Q(ends_on__gte=on),
            person__is_active=True,
        )


class Membership(models.Model):
    """A role a person holds in an organisation, from a date and perhaps until one.

    A role held in a trust or federation applies to each of its settings.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(
        max_length=100, blank=True, help_text="For example Teaching assistant, Caretaker."
    )
    line_manager = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_memberships",
        help_text="Who this person reports to day to day in this organisation.",
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(line_manager=models.F("person")),
                name="membership_not_own_line_manager",
            ),
        ]
        indexes = [models.Index(fields=["line_manager"], name="membership_manager_idx")]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}, {self.organisation}"

    def clean(self) -> None:
        errors = {}
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end date cannot be before the start date."
        if self.line_manager_id and self.line_manager_id == self.person_id:
            errors["line_manager"] = "Nobody can be their own line manager."
        if errors:
            raise ValidationError(errors)


class RoleRequest(models.Model):
    """A role an administrator asked to give themself, waiting for another senior
    person (a head or the Executive Headteacher) to confirm it (R37)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Refused"

    TRANSITIONS = {
        Status.WAITING: {Status.CONFIRMED, Status.REFUSED},
        Status.CONFIRMED: set(),
        Status.REFUSED: set(),
    }

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="role_requests")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="role_requests"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=100, blank=True)
    line_manager = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    # The membership the request would change, if it changes one rather than adds one.
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        verbose_name = "role waiting for confirmation"
        verbose_name_plural = "roles waiting for confirmation"
        constraints = [
            models.CheckConstraint(
                condition=Q(status="waiting", decided_by__isnull=True)
                | (~Q(status="waiting") & Q(decided_by__isnull=False)),
                name="rolerequest_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("person")), name="rolerequest_not_confirmed_by_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_role_display()}, {self.organisation}"


class YearGroup(models.TextChoices):
    """The national curriculum year groups, with the early years before them, in order: a
    new school year moves each pupil to the next (R38)."""

    NURSERY_1 = "N1", "Nursery 1 (age 2 to 3)"
    NURSERY_2 = "N2", "Nursery 2 (age 3 to 4)"
    RECEPTION = "R", "Reception"
    YEAR_1 = "1", "Year 1"
    YEAR_2 = "2", "Year 2"
    YEAR_3 = "3", "Year 3"
    YEAR_4 = "4", "Year 4"
    YEAR_5 = "5", "Year 5"
    YEAR_6 = "6", "Year 6"
    YEAR_7 = "7", "Year 7"
    YEAR_8 = "8", "Year 8"
    YEAR_9 = "9", "Year 9"
    YEAR_10 = "10", "Year 10"
    YEAR_11 = "11", "Year 11"
    YEAR_12 = "12", "Year 12"
    YEAR_13 = "13", "Year 13"

    @classmethod
    def after(cls, year_group: str) -> str | None:
        """The year group after ``year_group``, or None after Year 13."""
        values = list(cls.values)
        index = values.index(year_group)
        return values[index + 1] if index + 1 < len(values) else None


class Pupil(models.Model):
    """A child on a setting's roll, now or in the past (R2)."""

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        FORMER = "former", "Former"

    setting = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="pupils")
    reference = models.CharField(
        max_length=32,
        help_text="The pupil's reference in the school's MIS (the admission number), unique "
        "per setting.",
    )
    upn = models.CharField(
        "UPN",
        max_length=13,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z][0-9]{11}[0-9A-Z]$",
                "A unique pupil number is a capital letter, eleven digits and a digit or "
                "capital letter: 13 characters, such as A123456789012.",
            )
        ],
        help_text="The unique pupil number from the DfE, where the pupil has one.",
    )
    given_name = models.CharField("legal first name", max_length=100)
    family_name = models.CharField("legal last name", max_length=100)
    preferred_given_name = models.CharField(
        "preferred first name", max_length=100, blank=True, help_text="Leave empty if the same."
    )
    preferred_family_name = models.CharField(
        "preferred last name", max_length=100, blank=True, help_text="Leave empty if the same."
    )
    date_of_birth = models.DateField()
    year_group = models.CharField(max_length=2, choices=YearGroup.choices, blank=True)
    class_name = models.CharField("class or room", max_length=50, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CURRENT)
    left_on = models.DateField("leaving date", null=True, blank=True)
    destination = models.CharField(
        max_length=200, blank=True, help_text="For a former pupil: where they went next."
    )
    key_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_children",
        help_text="In early years, the adult with special responsibility for this child.",
    )
    # Legal and preferred names as they are searched (directory.search).
    search_name = SearchNameField()
    history = HistoricalRecords(excluded_fields=["search_name"])

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "reference"], name="pupil_reference_unique_per_setting"
            ),
            models.UniqueConstraint(
                fields=["setting", "upn"],
                condition=~Q(upn=""),
                name="pupil_upn_unique_per_setting",
            ),
            models.CheckConstraint(
                condition=Q(status="current", left_on__isnull=True)
                | Q(status="former", left_on__isnull=False),
                name="pupil_former_has_leaving_date",
            ),
        ]
        indexes = [
            models.Index(fields=["setting", "status"], name="pupil_setting_status_idx"),
            models.Index(fields=["family_name", "given_name"], name="pupil_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.known_as_given_name} {self.known_as_family_name}"

    @property
    def known_as_given_name(self) -> str:
        """The first name the child is known by at school: the preferred one, if set."""
        return self.preferred_given_name or self.given_name

    @property
    def known_as_family_name(self) -> str:
        return self.preferred_family_name or self.family_name

    def clean(self) -> None:
        errors = {}
        if self.status == self.Status.FORMER and not self.left_on:
            errors["left_on"] = "A former pupil needs the date they left."
        if self.status == self.Status.CURRENT and self.left_on:
            errors["left_on"] = "A current pupil has no leaving date; mark them as former."
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = "The date of birth cannot be in the future."
        if self.left_on and self.left_on > timezone.localdate():
            errors["left_on"] = "The leaving date cannot be in the future."
        if self.setting_id and not self.setting.is_setting:
            errors["setting"] = (
                "Pupils belong to a school or pre-school, not a trust or federation."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_former(self) -> bool:
        return self.status == self.Status.FORMER

    def age_on(self, on: date) -> int:
        before_birthday = (on.month, on.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return on.year - self.date_of_birth.year - before_birthday


class FamilyMember(models.Model):
    """A parent, carer or other relative of one or more pupils, held by the organisation
    (a setting, or its trust or federation) whose pupils they belong to."""

    organisation = models.ForeignKey(
        Organisation,
        null=True,  # only for records made before organisations held their families
        on_delete=models.PROTECT,
        related_name="family_members",
        help_text="The school, pre-school, trust or federation that holds this record.",
    )
    reference = models.CharField(
        max_length=64,
        blank=True,
        help_text="The contact's reference in the school's MIS, where it has one.",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    email = models.EmailField("email address", blank=True)
    phone = models.CharField("telephone", max_length=40, blank=True)
    pupils = models.ManyToManyField(Pupil, through="FamilyLink", related_name="family_members")
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="family_roles",
        help_text="Set when this parent or carer also works or volunteers here: they never "
        "decide declarations about their own family.",
    )
    search_name = SearchNameField()  # directory.search
    history = HistoricalRecords(excluded_fields=["search_name"])

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"],
                condition=~Q(reference=""),
                name="family_member_reference_unique_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class FamilyLink(models.Model):
    """How a family member is related to one pupil."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        PARENT = "parent", "Parent"
        STEP_PARENT = "step_parent", "Step-parent"
        CARER = "carer", "Carer or guardian"
        GRANDPARENT = "grandparent", "Grandparent"
        OTHER = "other", "Other relative"

    family_member = models.ForeignKey(FamilyMember, on_delete=models.CASCADE, related_name="links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="family_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(
        "has parental responsibility",
        default=False,
        help_text="As the school's MIS records it: who may consent and be told for the child.",
    )

    class Meta:
        ordering = ["pupil", "relationship"]
        constraints = [
            models.UniqueConstraint(fields=["family_member", "pupil"], name="family_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.family_member} ({self.get_relationship_display()} of {self.pupil})"


class SamlIdentityProvider(models.Model):
    """An organisation's SAML 2.0 identity provider: RM Unify, LGfL USO and the like (R36).

    Built into one of allauth's SAML apps by ``identity.saml.social_app``; the
    service provider's addresses for the identity provider's administrator are under
    ``/accounts/saml/<slug>/`` (metadata, acs).
    """

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="saml_identity_provider"
    )
    name = models.CharField(
        "name on the button",
        max_length=60,
        help_text="For example RM Unify or LGfL USO: people see 'Sign in with RM Unify'.",
    )
    slug = models.SlugField(
        "short name in the addresses",
        max_length=50,
        unique=True,
        help_text="Used in the addresses given to the identity provider, for example "
        "brookfield for /accounts/saml/brookfield/acs/.",
    )
    entity_id = models.CharField("identity provider's entity ID", max_length=500)
    sso_url = models.URLField("identity provider's single sign-on URL", max_length=500)
    x509_certificate = models.TextField(
        "identity provider's signing certificate",
        help_text="The X.509 certificate (PEM, with or without its BEGIN and END lines).",
    )
    email_attribute = models.CharField(
        "attribute holding the email address",
        max_length=200,
        blank=True,
        help_text="For example urn:oid:0.9.2342.19200300.100.1.3. Leave blank to use the "
        "NameID, when the identity provider sends the email address there.",
    )
    enabled = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "SAML identity provider"
        verbose_name_plural = "SAML identity providers"

    def __str__(self) -> str:
        return f"{self.name} for {self.organisation}"
