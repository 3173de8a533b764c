"""Inviting many leaders at once: a CSV of names and emails, checked in a dry run, then all or nothing.

django-import-export reads and checks the rows (`import_data(dry_run=True)` for the preview, with
an error for each bad row); the confirmed import writes each prospect through the pipeline, in one
transaction that any bad row rolls back. Only then are the sign-up links emailed, one by one: a
link that could not be sent leaves a prospect on the follow-up page's "never invited" list.
"""

from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from import_export import resources

from contacts.voterfile.layout import ELECTION_AUTHORITIES
from leaders import pipeline
from leaders.forms import clean_phone
from leaders.models import LeaderProfile, User
from leaders.services import InvitationError, invite_prospect

COLUMNS = ["first_name", "last_name", "email", "phone", "county"]
MAX_ROWS = 1000
MAX_BYTES = 256 * 1024


class ImportRefused(Exception):
    """A file that cannot be read as an invitation list at all, with a sentence saying why."""


class InviteResource(resources.ModelResource):
    """One prospect per row, added by `by` (staff anywhere, a coordinator in their counties)."""

    class Meta:
        model = LeaderProfile
        fields = COLUMNS
        skip_diff = True
        clean_model_instances = False

    def __init__(self, *, by: User):
        super().__init__()
        self.by = by
        self.seen: set[str] = set()
        self.created: list[LeaderProfile] = []
        self.clean_rows: list[dict] = []  # as they will be written, for the preview

    def get_instance(self, instance_loader, row):
        return None  # every row is someone new

    def before_import_row(self, row, **kwargs):
        for column in COLUMNS:
            row[column] = str(row.get(column) or "").strip()
        row["email"] = row["email"].lower()
        errors: dict[str, str] = {}
        if not row["first_name"]:
            errors["first_name"] = "A first name is needed."
        for column in ("first_name", "last_name"):
            if any(char in row[column] for char in "\r\n\t<>"):
                errors[column] = "No line breaks or angle brackets in a name."
        try:
            row["phone"] = clean_phone(row["phone"])
        except ValidationError as error:
            errors["phone"] = " ".join(error.messages)
        try:
            validate_email(row["email"])
        except ValidationError:
            errors["email"] = f"{row['email'] or 'An empty cell'} is not an email address."
        else:
            if row["email"] in self.seen:
                errors["email"] = "This email is on an earlier row already."
            elif User.objects.filter(email__iexact=row["email"]).exists():
                errors["email"] = "Someone with this email has an account already."
            elif LeaderProfile.objects.prospects().filter(email__iexact=row["email"]).exists():
                errors["email"] = "This person is a prospect already: resend their link from follow-up."
        self.seen.add(row["email"])
        allowed = ELECTION_AUTHORITIES if self.by.is_state_staff else self.by.counties
        if row["county"] not in allowed:
            errors["county"] = f"{row['county'] or 'An empty cell'} is not a county you can invite into."
        if errors:
            raise ValidationError(errors)
        self.clean_rows.append({column: row[column] for column in COLUMNS})

    def save_instance(self, instance, is_create, row, **kwargs):
        profile = pipeline.add_prospect(
            first_name=row["first_name"], last_name=row["last_name"], email=row["email"], phone=row["phone"],
            county=row["county"], recruiter=self.by, origin=LeaderProfile.Origin.STAFF_INVITE, by=self.by,
        )  # fmt: skip
        instance.pk = profile.pk
        self.created.append(profile)


@dataclass
class RowProblem:
    line: int  # the file's line: the header is line 1
    messages: list[str]


@dataclass
class Checked:
    """What an invitation file would do: how many rows it adds, or each bad row and why."""

    rows: list[dict] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


def read(content: bytes) -> tablib.Dataset:
    """Read an invitation CSV, or refuse it with a reason."""
    if len(content) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // 1024} KB: split it.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused("The file is not UTF-8 text: save it as CSV (UTF-8).") from error
    try:
        dataset = tablib.Dataset().load(text, format="csv")
    except Exception as error:  # tablib raises whatever its CSV reader raised
        raise ImportRefused("The file could not be read as CSV.") from error
    headers = [str(header or "").strip().lower() for header in dataset.headers or []]
    missing = [column for column in COLUMNS if column not in headers]
    if missing:
        raise ImportRefused(
            f"The first line must name the columns {', '.join(COLUMNS)}; missing: {', '.join(missing)}."
        )
    if len(dataset) > MAX_ROWS:
        raise ImportRefused(f"At most {MAX_ROWS} people a file: split it.")
    dataset.headers = headers
    return dataset


def _outcome(result, resource: InviteResource) -> Checked:
    checked = Checked()
    for invalid in result.invalid_rows:
        messages = [f"{name}: {' '.join(errors)}" for name, errors in invalid.error_dict.items()]
        checked.problems.append(RowProblem(invalid.number + 1, messages))
    for number, errors in result.row_errors():
        checked.problems.append(RowProblem(number + 1, [str(error.error) for error in errors]))
    checked.problems.sort(key=lambda problem: problem.line)
    if not checked.problems:
        checked.rows = resource.clean_rows
    return checked


def check(content: bytes, *, by: User) -> Checked:
    """Dry-run an invitation file: nothing is written, whatever it holds."""
    resource = InviteResource(by=by)
    result = resource.import_data(read(content), dry_run=True, use_transactions=True)
    return _outcome(result, resource)


@dataclass
class Invited:
    sent: list[LeaderProfile]
    not_sent: list[tuple[LeaderProfile, str]]


def invite_all(content: bytes, *, by: User, site_url: str) -> tuple[Checked, Invited | None]:
    """Add everyone in the file as a prospect and email each a sign-up link; any bad row adds nobody."""
    dataset = read(content)
    resource = InviteResource(by=by)
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
        )
        checked = _outcome(result, resource)
        if not checked.ok:
            transaction.set_rollback(True)
            return checked, None
    invited = Invited([], [])
    for profile in resource.created:
        try:
            invite_prospect(profile=profile, by=by, site_url=site_url)
        except InvitationError as error:
            invited.not_sent.append((profile, str(error)))
        else:
            invited.sent.append(profile)
    return checked, invited
