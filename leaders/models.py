import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone


def _nothing(path: str) -> Q:
    return Q(**{f"{path}pk__in": []})


def leader_scope(user, to_leader: str = "") -> Q:
    """The leaders whose rows the user sees, as a condition on the path to a leader ("host__", "leader__").

    Staff see everyone; a coordinator the leaders whose home (their own voter record, as the voter
    file has it now) is in their counties; a leader themselves; anyone else nobody (DESIGN.md
    section 8). Turf, gatherings and tokens filter through it instead of restating it.
    """
    if not user.is_authenticated:
        return _nothing(to_leader)
    if user.is_state_staff:
        return Q()
    if user.is_coordinator:
        # Leaders only: staff and other coordinators living in the county are not theirs to look after.
        home = Q(**{f"{to_leader}voter__county__in": list(user.counties)})
        return home & Q(**{f"{to_leader}role": User.Role.LEADER})
    if user.is_leader:
        return Q(**{f"{to_leader}pk": user.pk})
    return _nothing(to_leader)


class UserQuerySet(models.QuerySet):
    def leaders(self):
        """Keep the active leaders."""
        return self.filter(role=User.Role.LEADER, is_active=True)

    def visible_to(self, user):
        """Keep the people whose rows the user sees (see leader_scope)."""
        return self.filter(leader_scope(user))


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
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


def get_leader_for(user, pk) -> "User":
    """Fetch an active leader staff or a coordinator look after, or 404 as if they did not exist."""
    if not (user.is_authenticated and (user.is_state_staff or user.is_coordinator)):
        raise Http404
    return get_object_or_404(User.objects.leaders().visible_to(user), pk=pk)


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
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

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
    profile = models.ForeignKey(
        "LeaderProfile",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        help_text="The prospect this link was sent to; a resend kills the older links.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="accepted_invitation_has_a_date",
                condition=Q(account__isnull=True) | Q(accepted_at__isnull=False),
            ),
            models.CheckConstraint(
                name="invitation_used_or_revoked_not_both",
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
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
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def status(self) -> str:
        if self.is_used:
            return "Signed up"
        if self.is_revoked:
            return "Revoked"
        return "Expired" if self.is_expired else "Waiting"


def get_invitation_for(user, pk) -> Invitation:
    """Fetch a sign-up invitation staff or a coordinator look after, or 404 as if it did not exist."""
    if not (user.is_authenticated and (user.is_state_staff or user.is_coordinator)):
        raise Http404
    return get_object_or_404(Invitation.objects.visible_to(user), pk=pk)


# --- API tokens: how a phone or a script signs in to the sync API without a browser session ---------


def token_holders_visible_to(user) -> models.QuerySet:
    """People whose API tokens the user may see and revoke: their own; a coordinator's leaders; staff everyone's."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_state_staff:
        return User.objects.all()
    if user.is_coordinator:
        # A coordinator looks after the active leaders whose home is in their counties.
        leaders = User.objects.leaders().visible_to(user)
        return User.objects.filter(Q(pk=user.pk) | Q(pk__in=leaders.values("pk")))
    return User.objects.filter(pk=user.pk)


def get_token_holder_for(user, pk):
    """Fetch a person whose tokens the user may see, or 404 as if they did not exist."""
    return get_object_or_404(token_holders_visible_to(user), pk=pk)


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(user__in=token_holders_visible_to(user))

    def usable(self):
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())

    def find(self, raw: str):
        """Return the active user an unexpired, unrevoked raw token belongs to, or None; note its use."""
        token = self.usable().select_related("user").filter(digest=ApiToken.digest_of(raw)).first()
        if token is None or not token.user.is_active:
            return None
        # A token must not be a way round the two-factor rule for people who see others' data.
        if token.user.is_privileged and not token.user.has_totp():
            return None
        token.note_use()
        return token.user


class ApiToken(models.Model):
    """A bearer token for a device or script that syncs without a browser session.

    Only a SHA-256 digest is stored: a leaked database does not leak working tokens. A token expires
    API_TOKEN_DAYS after it is issued; its holder, their coordinator or staff may revoke it sooner.
    """

    PREFIX = "nl_"
    # The sync API is the hot path: a phone syncing all day writes its last use this often, not per batch.
    LAST_USED_EVERY = timedelta(minutes=5)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60, help_text="Which device or script holds it.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="api_token_revoked_with_time",
                condition=Q(revoked_by=None) | ~Q(revoked_at=None),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with its raw value, which is shown once and never stored."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
        token = cls.objects.create(user=user, name=name, digest=cls.digest_of(raw), expires_at=expires_at)
        return token, raw

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def note_use(self) -> None:
        """Record that the token was used now, unless that was recorded a few minutes ago already."""
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= self.LAST_USED_EVERY:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    def revoke(self, *, by) -> None:
        """Stop the token working; revoking it again changes nothing."""
        if self.revoked_at is None:
            self.revoked_at, self.revoked_by = timezone.now(), by
            self.save(update_fields=["revoked_at", "revoked_by"])


def get_token_for(user, pk) -> ApiToken:
    """Fetch an API token the user may see, or 404 as if it did not exist."""
    return get_object_or_404(ApiToken.objects.visible_to(user).select_related("user"), pk=pk)


# --- the leader pipeline: a profile per leader and prospect, its stage, and each dated move ---------


def profile_scope(user) -> Q:
    """The profiles the user sees: staff all; a coordinator the leaders and prospects whose home is in their counties.

    A person's home is their voter record's county, as in leader_scope; a prospect (or an account
    not yet linked to a voter record) has only the county the profile was given.
    """
    if not user.is_authenticated:
        return _nothing("")
    if user.is_state_staff:
        return Q()
    if user.is_coordinator:
        counties = list(user.counties)
        # Leaders and prospects only: a staff or coordinator account may have a profile too.
        home = Q(user__voter__county__in=counties) | Q(user__voter__isnull=True, county__in=counties)
        return home & (Q(user__isnull=True) | Q(user__role=User.Role.LEADER))
    return _nothing("")


class LeaderProfileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keep the profiles staff or a coordinator look after (see profile_scope)."""
        return self.filter(profile_scope(user))

    def prospects(self):
        """Keep the people who have no account yet."""
        return self.filter(user__isnull=True)


class LeaderProfile(models.Model):
    """A leader, or a prospect who has no account yet, and where they are in the pipeline."""

    class Stage(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        INVITED = "invited", "Invited"
        SIGNED_UP = "signed_up", "Signed up"
        APPROVED = "approved", "Approved"
        TURF_DELIVERED = "turf_delivered", "Turf delivered"
        FIRST_CONTACT = "first_contact", "First contact"
        GATHERING_HELD = "gathering_held", "Gathering held"
        RECRUITED = "recruited", "Recruited a leader"
        INACTIVE = "inactive", "Inactive"
        QUIT = "quit", "Quit"

    class Origin(models.TextChoices):
        GATHERING = "gathering", "A gathering"
        STAFF_INVITE = "staff_invite", "An invitation from staff"
        SELF_SIGNUP = "self_signup", "Signed up on their own"
        RECRUITER_LINK = "recruiter_link", "A recruiter's link"

    # The ladder, in order: a profile only climbs it. Inactive and quit are exits beside it.
    LADDER = [
        Stage.PROSPECT,
        Stage.INVITED,
        Stage.SIGNED_UP,
        Stage.APPROVED,
        Stage.TURF_DELIVERED,
        Stage.FIRST_CONTACT,
        Stage.GATHERING_HELD,
        Stage.RECRUITED,
    ]
    EXITS = frozenset({Stage.INACTIVE, Stage.QUIT})

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="profile"
    )
    # A prospect's own details; once they have an account, the account's are the ones that count.
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    county = models.CharField(max_length=40, blank=True, help_text="Home county (PSR County value).")
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recruited_profiles",
        help_text="The leader (or staff member) who brought them in.",
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.STAFF_INVITE)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.PROSPECT)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = LeaderProfileQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="profile_names_a_person", condition=Q(user__isnull=False) | ~Q(first_name="")
            ),
            models.CheckConstraint(name="nobody_recruits_themselves", condition=~Q(recruiter=F("user"))),
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(user__isnull=True) & ~Q(email=""),
                name="one_prospect_per_email",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.user is not None:
            return str(self.user)
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user is not None else self.email

    @property
    def is_prospect(self) -> bool:
        return self.user_id is None

    @property
    def invitable(self) -> bool:
        """Return whether a sign-up link may be (re)sent: a prospect with an email who has not quit."""
        return self.is_prospect and bool(self.email) and self.stage != self.Stage.QUIT


def get_profile_for(user, pk) -> LeaderProfile:
    """Fetch a profile staff or a coordinator look after, or 404 as if it did not exist."""
    return get_object_or_404(
        LeaderProfile.objects.visible_to(user).select_related("user__voter", "recruiter", "coordinator"),
        pk=pk,
    )


class StageChange(models.Model):
    """One move of a profile between stages: when, from where to where, and who or what moved it."""

    profile = models.ForeignKey(LeaderProfile, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=LeaderProfile.Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=LeaderProfile.Stage.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["profile", "at"], name="stage_change_profile_at"),
            models.Index(fields=["to_stage", "at"], name="stage_change_stage_at"),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.from_stage or '—'} → {self.to_stage} at {self.at:%Y-%m-%d}"
