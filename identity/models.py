"""Identity's own record: the invitations sent when an organisation goes live (R36,
R38). Who signs in how is on the directory's people and organisations; the second
factor is allauth's.

The table was the directory's until #17 (directory 0014 renamed it)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from directory.models import Organisation, Person


class Invitation(models.Model):
    """The email that tells a person they have an account, sent when their organisation
    goes live (R36, R38): a link to set a password, which expires and works once, or,
    where the organisation signs in with single sign-on, the sign-in page and the name
    of its button. Sent again, the newer one replaces it; nothing is deleted."""

    class Kind(models.TextChoices):
        PASSWORD = "password", "A link to set a password"
        SINGLE_SIGN_ON = "sso", "How to sign in with single sign-on"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="invitations")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="The organisation whose going live it was sent for.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_by = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        help_text="Empty when the person asked for a new one from an expired link.",
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(
        null=True, blank=True, help_text="When the link stops working (password links only)."
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["person", "-sent_at"], name="invitation_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="sso") | Q(expires__isnull=False),
                name="invitation_password_link_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.person} ({self.sent_at:%-d %B %Y})"

    def has_expired(self, now=None) -> bool:
        return self.expires is not None and self.expires <= (now or timezone.now())
