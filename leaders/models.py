from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


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
