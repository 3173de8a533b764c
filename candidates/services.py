"""Every write to races, candidacies and approvals, each audited in the change log with who, when and old -> new."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from candidates.models import Approval, Candidacy, Change, Race


def _shown(instance: models.Model, field: models.Field) -> str:
    """Return a field's value as a page shows it: choice labels, names, yes/no, ISO dates."""
    value = getattr(instance, field.name)
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _edited_fields(instance: models.Model, fields: dict[str, Any]) -> list[models.Field]:
    return [instance._meta.get_field(name) for name in fields]


def _apply(instance: models.Model, fields: dict[str, Any]) -> dict[str, list[str]]:
    """Set the fields on the instance and return {label: [old, new]} for those that changed."""
    changes = {}
    for field in _edited_fields(instance, fields):
        old = _shown(instance, field)
        setattr(instance, field.name, fields[field.name])
        new = _shown(instance, field)
        if old != new:
            changes[str(field.verbose_name)] = [old, new]
    return changes


def _log(*, actor, subject: str, instance, race: Race | None, action: str, fields: dict) -> Change:
    return Change.objects.create(
        actor=actor,
        subject=subject,
        subject_id=instance.pk,
        race=race,
        description=str(instance)[:300],
        action=action,
        fields=fields,
    )


@transaction.atomic
def race_create(*, actor, **fields: Any) -> Race:
    """Create a race and log every field it was created with."""
    race = Race()
    created = {label: ["", new] for label, (_, new) in _apply(race, fields).items()}
    race.save()
    _log(actor=actor, subject=Change.Subject.RACE, instance=race, race=race, action=Change.Action.CREATED,
         fields=created)  # fmt: skip
    return race


@transaction.atomic
def race_update(*, actor, race: Race, **fields: Any) -> Race:
    """Change a race; log the fields that changed (nothing when none did)."""
    race = Race.objects.select_for_update().get(pk=race.pk)
    changes = _apply(race, fields)
    if changes:
        race.save()
        _log(actor=actor, subject=Change.Subject.RACE, instance=race, race=race, action=Change.Action.CHANGED,
             fields=changes)  # fmt: skip
    return race


@transaction.atomic
def candidacy_create(*, actor, race: Race, **fields: Any) -> Candidacy:
    """Add a candidacy to a race and log it."""
    candidacy = Candidacy(race=race)
    created = {label: ["", new] for label, (_, new) in _apply(candidacy, fields).items()}
    candidacy.save()
    _log(actor=actor, subject=Change.Subject.CANDIDACY, instance=candidacy, race=race,
         action=Change.Action.CREATED, fields=created)  # fmt: skip
    return candidacy


@transaction.atomic
def candidacy_update(*, actor, candidacy: Candidacy, **fields: Any) -> Candidacy:
    """Change a candidacy (its status after a primary, a withdrawal…); log the fields that changed."""
    candidacy = Candidacy.objects.select_for_update().select_related("race").get(pk=candidacy.pk)
    changes = _apply(candidacy, fields)
    if changes:
        candidacy.save()
        _log(actor=actor, subject=Change.Subject.CANDIDACY, instance=candidacy, race=candidacy.race,
             action=Change.Action.CHANGED, fields=changes)  # fmt: skip
    return candidacy


@transaction.atomic
def account_approve(*, actor, candidate) -> Approval:
    """Approve a candidate account as of now (again after a revocation); approving twice changes nothing."""
    approval = Approval.objects.select_for_update().filter(candidate=candidate).first()
    if approval is not None and approval.is_in_force:
        return approval
    now = timezone.now()
    if approval is None:
        approval = Approval(candidate=candidate)
    approval.approved_at, approval.approved_by = now, actor
    approval.revoked_at = approval.revoked_by = None
    approval.save()
    _log(actor=actor, subject=Change.Subject.APPROVAL, instance=approval, race=None,
         action=Change.Action.APPROVED, fields={"approved": ["no", "yes"]})  # fmt: skip
    return approval


@transaction.atomic
def account_revoke(*, actor, candidate) -> Approval | None:
    """Withdraw a candidate account's approval: no export opens until staff approve it again."""
    approval = Approval.objects.select_for_update().filter(candidate=candidate).first()
    if approval is None or not approval.is_in_force:
        return approval
    approval.revoked_at, approval.revoked_by = timezone.now(), actor
    approval.save()
    _log(actor=actor, subject=Change.Subject.APPROVAL, instance=approval, race=None,
         action=Change.Action.REVOKED, fields={"approved": ["yes", "no"]})  # fmt: skip
    return approval


def lock_for_export(candidacy: Candidacy) -> None:
    """Hold the candidacy's row until the transaction ends: one export decision at a time per candidacy."""
    list(Candidacy.objects.select_for_update().filter(pk=candidacy.pk).values_list("pk", flat=True))
