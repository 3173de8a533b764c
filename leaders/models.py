import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(DjangoUserManager):
    """Create users by email; there are no usernames."""

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.pop("is_staff", None)
        extra_fields.setdefault("role", User.Role.STAFF)
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: state staff, a coordinator, a leader or a candidate."""

    class Role(models.TextChoices):
        STAFF = "staff", "State staff"
        COORDINATOR = "coordinator", "Coordinator"
        LEADER = "leader", "Neighborhood leader"
        CANDIDATE = "candidate", "Candidate"

    PRIVILEGED_ROLES = frozenset({Role.STAFF, Role.COORDINATOR, Role.CANDIDATE})

    username = None
    # Admin access follows the role; a separate flag could drift from it.
    is_staff = property(lambda self: self.is_active and self.role == User.Role.STAFF)
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEADER)
    counties = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        help_text="Election authorities (PSR County values) a coordinator covers.",
    )
    voter = models.OneToOneField(
        "contacts.Voter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        help_text="The leader's own voter record: their home anchors their turf.",
    )
    phone = models.CharField(max_length=20, blank=True)
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="recruits"
    )
    # A record a leader found for themselves is only their claim until staff or their county's
    # coordinator approve it; one staff linked is approved by the linking.
    home_verified_at = models.DateTimeField(null=True, blank=True)
    home_verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="coordinator_has_counties",
                condition=~Q(role="coordinator") | Q(counties__len__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def home_is_verified(self) -> bool:
        """Return whether staff or a coordinator approved the voter record linked as this person's home."""
        return self.voter_id is not None and self.home_verified_at is not None

    @property
    def is_state_staff(self) -> bool:
        return self.role == self.Role.STAFF

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR

    @property
    def is_leader(self) -> bool:
        return self.role == self.Role.LEADER

    @property
    def is_candidate(self) -> bool:
        return self.role == self.Role.CANDIDATE

    @property
    def is_privileged(self) -> bool:
        """Return whether this role sees other people's data and so must use MFA."""
        return self.role in self.PRIVILEGED_ROLES

    def has_totp(self) -> bool:
        from allauth.mfa.models import Authenticator

        return self.authenticator_set.filter(type=Authenticator.Type.TOTP).exists()


# Where the invitation a visitor opened waits in their session until they sign up.
INVITATION_SESSION_KEY = "leaders_invitation"


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every invitation; coordinators those for their counties; anyone those they sent."""
        if not user.is_authenticated:
            return self.none()
        if user.is_state_staff:
            return self
        if user.is_coordinator:
            return self.filter(Q(county__in=user.counties) | Q(invited_by=user))
        return self.filter(invited_by=user)

    def pending(self):
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())

    def in_session(self, session) -> "Invitation | None":
        """Return the invitation whose link this browser opened, if it is among these."""
        pk = session.get(INVITATION_SESSION_KEY)
        return self.filter(pk=pk).first() if isinstance(pk, int) else None


class Invitation(models.Model):
    """A single-use, expiring sign-up link sent to one person by name and email.

    Only a hash of the link's token is stored: a copy of the table opens no accounts.
    """

    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField()
    county = models.CharField(
        max_length=40, blank=True, help_text="Where the invited person lives, if known."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="accepted_invitation_has_a_date",
                condition=Q(account__isnull=True) | Q(accepted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def new_token(cls) -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def lifetime() -> timedelta:
        return timedelta(days=settings.INVITATION_DAYS)

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.is_used:
            return "Signed up"
        return "Expired" if self.is_expired else "Waiting"
