"""Gatherings a leader hosts and the neighbors invited to them; API tokens for the field app.

A gathering is small now (host, kind, time, place, capacity). Speakers, check-in and "the ask"
come later as their own fields and rows: an Invitation already links a voter to one gathering,
so attendance and the answer to the ask will hang off it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from contacts.models import ContactAttempt, Voter
from turf.models import leader_scope, leaders_visible_to


class GatheringQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every gathering; coordinators those of leaders whose home is in their counties; leaders their own."""
        return self.filter(leader_scope(user, "host__"))

    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now()).order_by("starts_at")


class Gathering(models.Model):
    """A house meeting, community gathering, meet-and-greet or training that a leader hosts."""

    class Kind(models.TextChoices):
        HOUSE_MEETING = "house_meeting", "House meeting"
        COMMUNITY = "community", "Community gathering"
        MEET_AND_GREET = "meet_and_greet", "Meet-and-greet"
        TRAINING = "training", "Training"

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gatherings")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOUSE_MEETING)
    starts_at = models.DateTimeField()
    # A speaker cannot be in two places at once: that check needs the end, not just the start.
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    place = models.CharField(max_length=120, help_text="Where: a living room, the library, the Lions Club.")
    address = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Leave empty for no limit.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GatheringQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(name="gathering_has_duration", condition=Q(duration_minutes__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.starts_at):%b %-d, %-I:%M %p}"

    def can_edit(self, user) -> bool:
        return self.host_id == user.pk


def get_gathering_for(user, pk) -> Gathering:
    """Fetch a gathering the user may see, or 404 as if it did not exist."""
    return get_object_or_404(Gathering.objects.visible_to(user).select_related("host"), pk=pk)


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(gathering__in=Gathering.objects.visible_to(user))


class Invitation(models.Model):
    """A neighbor invited to a gathering, usually at the end of a call, and their answer."""

    class Rsvp(models.TextChoices):
        YES = "yes", "Yes"
        MAYBE = "maybe", "Maybe"
        NO = "no", "No"

    gathering = models.ForeignKey(Gathering, on_delete=models.CASCADE, related_name="invitations")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(max_length=5, choices=Rsvp.choices)
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations",
        help_text="The call the invitation was made on.",
    )  # fmt: skip
    # The device time of the answer: an older answer synced late must not overwrite a newer one.
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gathering", "voter"], name="one_invitation_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.gathering_id}: {self.rsvp}"


class LearnedEmail(models.Model):
    """An email address a neighbor gave a leader, for invitations and reminders."""

    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="learned_emails")
    address = models.EmailField()
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(
        ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter", "address"], name="one_row_per_learned_email")]

    def __str__(self) -> str:
        return self.address


def token_holders_visible_to(user) -> models.QuerySet:
    """People whose API tokens the user may see and revoke: their own; a coordinator's leaders; staff everyone's."""
    User = get_user_model()
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_state_staff:
        return User.objects.all()
    if user.is_coordinator:
        return User.objects.filter(Q(pk=user.pk) | Q(pk__in=leaders_visible_to(user).values("pk")))
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


# One statement counts a request and returns the count: the sync API's hot path can afford one
# query for its rate limit, where the database cache's add-then-incr costs five.
COUNT_REQUEST_SQL = """
    INSERT INTO events_requestcount (key, window_start, count) VALUES (%(key)s, %(window)s, 1)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN events_requestcount.window_start = EXCLUDED.window_start
                     THEN events_requestcount.count + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start
    RETURNING count
"""


class RequestCount(models.Model):
    """How many sync requests one API token or session user has made in the current minute.

    Shared by every worker and independent of the broker, like the database cache, but a table of
    its own: one row per token or user, counted in one statement, and never culled with the cache's
    login guards. Unlogged (see the migration): a crash only forgets a minute's counts.
    """

    key = models.CharField(primary_key=True, max_length=80)
    window_start = models.BigIntegerField(help_text="The minute counted, in minutes since the epoch.")
    count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"

    @staticmethod
    def over_limit(key: str, limit: int, *, now: float) -> int:
        """Count one request for `key`; return the seconds until it may ask again, 0 if within `limit`."""
        window = int(now // 60)
        with connection.cursor() as cursor:
            cursor.execute(COUNT_REQUEST_SQL, {"key": key, "window": window})
            (count,) = cursor.fetchone()
        if count <= limit:
            return 0
        return max(1, (window + 1) * 60 - int(now))
