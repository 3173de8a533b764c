"""The leader pipeline: the one place a profile's stage moves, each move a dated row.

The app where a thing happens calls in here: invitations (invited), sign-up (signed up, and the
recruiter's "recruited a leader"), turf's approval and cut (approved, turf delivered), contacts'
`attempts_recorded` signal (first contact), events when a gathering was held (gathering held).
A profile only climbs the ladder (LeaderProfile.LADDER); inactive and quit are exits beside it,
and a later move up the ladder brings someone back to where they were, or further.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from leaders.models import LeaderProfile, StageChange, User

Stage = LeaderProfile.Stage
Origin = LeaderProfile.Origin
LADDER = LeaderProfile.LADDER


class PipelineError(Exception):
    """A move the pipeline refuses, with a sentence for the person who asked for it."""


def _rank(stage: str) -> int:
    return LADDER.index(stage)


def _clean_name(value: str, label: str) -> str:
    value = (value or "").strip()
    # A name goes into email headers and CSV cells: one plain line only.
    if any(char in value for char in "\r\n\t<>"):
        raise PipelineError(f"The {label} may not hold line breaks or angle brackets.")
    return value


def _new_profile(*, by: User | None = None, reason: str = "", **fields) -> LeaderProfile:
    profile = LeaderProfile.objects.create(**fields)
    StageChange.objects.create(
        profile=profile, to_stage=profile.stage, at=profile.stage_changed_at, by=by, reason=reason
    )
    return profile


def profile_for(user: User, *, origin: str = Origin.SELF_SIGNUP) -> LeaderProfile:
    """Return the account's profile, making it (signed up, dated) if the account has none yet."""
    profile = LeaderProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    county = user.voter.county if user.voter_id else ""
    try:
        with transaction.atomic():
            profile = _new_profile(
                user=user, origin=origin, stage=Stage.SIGNED_UP, county=county, reason="account made"
            )
    except IntegrityError:
        # Made at the same moment by another request: theirs is the one.
        profile = LeaderProfile.objects.get(user=user)
    return profile


@transaction.atomic
def add_prospect(
    *,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    county: str = "",
    recruiter: User | None = None,
    origin: str = Origin.STAFF_INVITE,
    by: User | None = None,
) -> LeaderProfile:
    """Add someone who may become a leader; return the profile they already have if they have one.

    The same email twice is the same person: a second host's "yes" keeps the first recruiter.
    """
    first_name, last_name = _clean_name(first_name, "first name"), _clean_name(last_name, "last name")
    if not first_name:
        raise PipelineError("A prospect needs at least a first name.")
    email = (email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise PipelineError(f"{email} is not an email address we can write to.") from error
        account = User.objects.filter(email__iexact=email).first()
        if account is not None:
            if not account.is_leader:
                raise PipelineError("That email belongs to a staff, coordinator or candidate account.")
            return profile_for(account)
        known = LeaderProfile.objects.prospects().filter(email__iexact=email).first()
        if known is not None:
            return known
    coordinator = by if by is not None and by.is_coordinator else None
    try:
        with transaction.atomic():
            return _new_profile(
                first_name=first_name, last_name=last_name, email=email, phone=(phone or "").strip(),
                county=county, recruiter=recruiter, origin=origin, coordinator=coordinator, by=by,
                reason="added as a prospect",
            )  # fmt: skip
    except IntegrityError:
        # Two hosts entered the same neighbor at once: one_prospect_per_email kept one.
        return LeaderProfile.objects.prospects().get(email__iexact=email)


def _locked(profile_or_user: LeaderProfile | User) -> LeaderProfile:
    if isinstance(profile_or_user, User):
        profile_or_user = profile_for(profile_or_user)
    return LeaderProfile.objects.select_for_update().get(pk=profile_or_user.pk)


def _stage_before_exit(profile: LeaderProfile) -> str:
    """Return the last ladder stage the profile was on before it left the ladder."""
    last = (
        StageChange.objects.filter(profile=profile, from_stage__in=LADDER)
        .exclude(to_stage__in=LADDER)
        .order_by("-at", "-pk")
        .values_list("from_stage", flat=True)
        .first()
    )
    return last or Stage.PROSPECT


@transaction.atomic
def record_stage(
    profile_or_user: LeaderProfile | User, stage: str, *, by: User | None = None, reason: str = ""
) -> bool:
    """Move a profile (or an account's) to `stage` if that is a move up the ladder or an exit.

    Return whether it moved. Recording a stage already reached, or an earlier one, changes nothing,
    so callers may call it every time the thing happens. Quitting needs a reason; only a person
    (`by`) brings back someone who quit, while any move up the ladder ends being inactive.
    """
    profile = _locked(profile_or_user)
    current = profile.stage
    if stage in LeaderProfile.EXITS:
        if current == stage:
            return False
        if stage == Stage.QUIT and not reason.strip():
            raise PipelineError("Say why they quit.")
        target = stage
    else:
        if profile.user_id is None and _rank(stage) >= _rank(Stage.SIGNED_UP):
            raise PipelineError(f"{profile} has no account yet: they must sign up first.")
        if current in LeaderProfile.EXITS:
            if current == Stage.QUIT and by is None:
                return False
            before = _stage_before_exit(profile)
            target = stage if _rank(stage) > _rank(before) else before
        elif _rank(stage) <= _rank(current):
            return False
        else:
            target = stage
    now = timezone.now()
    StageChange.objects.create(
        profile=profile, from_stage=current, to_stage=target, at=now, by=by, reason=reason.strip()[:200]
    )
    profile.stage, profile.stage_changed_at = target, now
    profile.save(update_fields=["stage", "stage_changed_at"])
    return True


@transaction.atomic
def leader_signed_up(*, user: User, invitation=None, profile: LeaderProfile | None = None) -> LeaderProfile:
    """Give a new account its profile (the prospect's, if a link was sent to one) and move the pipeline.

    The account is signed up; whoever recruited them has now "recruited a leader".
    """
    profile = profile or getattr(invitation, "profile", None)
    if profile is not None:
        profile = LeaderProfile.objects.select_for_update().get(pk=profile.pk)
        if profile.user_id is None:
            profile.user = user
            profile.save(update_fields=["user"])
    else:
        profile = LeaderProfile.objects.filter(user=user).first()
    if profile is None:
        inviter = getattr(invitation, "invited_by", None)
        if inviter is None:
            origin = Origin.SELF_SIGNUP
        else:
            origin = Origin.RECRUITER_LINK if inviter.is_leader else Origin.STAFF_INVITE
        profile = _new_profile(
            user=user, county=getattr(invitation, "county", ""), recruiter=inviter, origin=origin,
            stage=Stage.SIGNED_UP, reason="signed up",
        )  # fmt: skip
    else:
        record_stage(profile, Stage.SIGNED_UP, reason="signed up")
    if profile.recruiter is not None and profile.recruiter.is_leader:
        record_stage(profile.recruiter, Stage.RECRUITED, reason=f"recruited {user}")
    return profile


# Stages from which being given turf moves a profile on: the ones below it on the ladder.
_BEFORE_TURF = LADDER[: LADDER.index(Stage.TURF_DELIVERED)]


@transaction.atomic
def turf_delivered(leader_ids, *, by: User | None = None, reason: str = "turf cut") -> int:
    """Record that these leaders (account ids) have turf; return how many moved.

    Turf calls this on every path that gives a leader voters, for one leader or for every leader of
    a cycle at once: one locking read, one insert and one update, however many there are. Someone
    further along, inactive or quit stays where they are (a batch never undoes a person's exit).
    """
    ids = set(leader_ids)
    missing = ids - set(LeaderProfile.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    for user in User.objects.filter(pk__in=missing):
        profile_for(user)
    moving = list(
        LeaderProfile.objects.select_for_update()
        .filter(user_id__in=ids, stage__in=_BEFORE_TURF)
        .values_list("pk", "stage")
    )
    if not moving:
        return 0
    now = timezone.now()
    StageChange.objects.bulk_create(
        StageChange(
            profile_id=pk, from_stage=current, to_stage=Stage.TURF_DELIVERED, at=now, by=by, reason=reason
        )
        for pk, current in moving
    )
    LeaderProfile.objects.filter(pk__in=[pk for pk, _ in moving]).update(
        stage=Stage.TURF_DELIVERED, stage_changed_at=now
    )
    return len(moving)


def gathering_held(host: User, *, reason: str = "held a gathering") -> bool:
    """Record that a leader held a gathering (events calls this once a gathering has taken place)."""
    return record_stage(host, Stage.GATHERING_HELD, reason=reason)


# Stages from which a reported contact changes nothing: reached already, or a quit only a person undoes.
_PAST_FIRST_CONTACT = [Stage.FIRST_CONTACT, Stage.GATHERING_HELD, Stage.RECRUITED, Stage.QUIT]


def first_contact_on_attempts(sender, *, leader, **kwargs) -> None:
    """Move a leader to "first contact" when contacts recorded their first attempts.

    Connected to contacts.signals.attempts_recorded; the sync API is the hot path, so a leader past
    that stage costs one indexed lookup and nothing else.
    """
    if not leader.is_leader:
        return
    if LeaderProfile.objects.filter(user=leader, stage__in=_PAST_FIRST_CONTACT).exists():
        return
    record_stage(leader, Stage.FIRST_CONTACT, reason="first synced attempt")
