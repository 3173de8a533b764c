"""Staff pages for the voter file: data imports, reported moves and deaths to confirm, suppressions to review."""

from pathlib import Path

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import import_queue, services
from contacts.exports import audited_file_response
from contacts.forms import ImportConfirmForm, ImportForm, LiftForm, ReportDecisionForm
from contacts.import_runs import incoming_directory
from contacts.importing import import_running
from contacts.models import (
    Export,
    ImportRun,
    Suppression,
    get_import_run_for,
    get_report_for,
    get_suppression_for,
)
from contacts.rollup import rollup_status
from contacts.shared import RollupRun
from lib.decorators import only, staff_only
from lib.uploads import CappedDiskUploadHandler

coordinators_and_staff = only(lambda user: user.is_state_staff or user.is_coordinator)


def _runs_page(request, form: ImportForm, *, status: int = 200):
    runs = ImportRun.objects.select_related("started_by")[:50]
    return render(request, "contacts/imports.html", {"form": form, "runs": runs}, status=status)


def _too_large(request, form: ImportForm):
    cap = filesizeformat(settings.VOTER_FILE_MAX_UPLOAD_BYTES)
    form.errors.clear()  # whatever else is missing, the size is what to fix
    form.add_error("file", f"The file is larger than {cap}, the most this server accepts.")
    return _runs_page(request, form, status=413)


# The body of a voter file upload is 1.7 GB: it must not be read before the upload handler that
# streams it to disk is in place, and CSRF checking reads the body. So CSRF is checked inside,
# once the handler is installed, as Django's documentation prescribes for custom upload handlers.
@csrf_exempt
@staff_only
@require_http_methods(["GET", "POST"])
def imports(request):
    """List recent imports; POST uploads a file and queues its import."""
    if request.method == "GET":
        return _runs_page(request, ImportForm())
    cap = settings.VOTER_FILE_MAX_UPLOAD_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > cap + CappedDiskUploadHandler.FORM_ROOM:
        return _too_large(request, ImportForm(data={}))  # said up front: not a byte of it is read
    # Streamed into the import directory: the kept file is then a rename, never a 1.7 GB copy.
    handler = CappedDiskUploadHandler(request, max_bytes=cap, directory=incoming_directory())
    request.upload_handlers = [handler]
    return _upload(request, handler)


@csrf_protect
def _upload(request, handler: CappedDiskUploadHandler):
    form = ImportForm(request.POST, request.FILES)
    if handler.too_large:
        return _too_large(request, form)
    if not form.is_valid():
        return _runs_page(request, form, status=400)
    run = import_queue.import_upload(
        user=request.user,
        kind=form.cleaned_data["kind"],
        uploaded_file=form.cleaned_data["file"],
        dry_run=form.cleaned_data["dry_run"],
        partial=form.cleaned_data["partial"],
    )
    return redirect("contacts:import_detail", run.pk)


@staff_only
@require_GET
def import_detail(request, pk: int):
    """Show an import's progress while it runs, then its counts, the voters its file left out, and
    a link to its rejects."""
    run = get_import_run_for(request.user, pk)
    return render(request, "contacts/import_detail.html", _progress_context(run))


@staff_only
@require_GET
def import_progress(request, pk: int):
    """Return the progress fragment the detail page polls (htmx)."""
    run = get_import_run_for(request.user, pk)
    return render(request, "contacts/import_detail.html#progress", _progress_context(run))


@staff_only
@require_POST
def import_confirm(request, pk: int):
    """Confirm an import's preview: import its file again, unregistering the voters it leaves out."""
    run = get_import_run_for(request.user, pk)
    if refusal := import_queue.import_confirm_refusal(run):
        return render(
            request, "contacts/import_detail.html", _progress_context(run, refusal=refusal), status=409
        )
    form = ImportConfirmForm(request.POST, run=run)
    if not form.is_valid():
        return render(request, "contacts/import_detail.html", _progress_context(run, form=form), status=400)
    try:
        confirmation = import_queue.import_confirm(
            run=run, by=request.user, full_editions=form.cleaned_data.get("full_editions", [])
        )
    except import_queue.ConfirmRefused as refused:
        return render(
            request, "contacts/import_detail.html", _progress_context(run, refusal=str(refused)), status=409
        )
    return redirect("contacts:import_detail", confirmation.pk)


def _progress_context(run: ImportRun, *, form: ImportConfirmForm | None = None, refusal: str = "") -> dict:
    # A run whose progress says it is inside its transaction, while nobody holds the import lock,
    # lost its process (kill -9, a reboot): PostgreSQL rolled its work back. It stays "running" in
    # the table, since a worker may still retry an upload; the page says what happened.
    context = {
        "run": run,
        "lost": run.in_transaction and not import_running(),
        "refusal": refusal,
        "retention_days": settings.IMPORT_RETENTION_DAYS,
    }
    if run.awaiting_confirmation and not refusal:
        context["refusal"] = import_queue.import_confirm_refusal(run)
        if not context["refusal"]:
            context["confirm_form"] = form or ImportConfirmForm(run=run)
    return context


@staff_only
@require_GET
@reauthentication_required  # the rows are voters': the password again first, and an audit row, as exports
def import_report(request, pk: int):
    """Download an import's rejected rows and warnings (CSV, formula-neutralized when written)."""
    run = get_import_run_for(request.user, pk)
    path = Path(run.report_path) if run.report_path and not run.files_deleted_at else None
    if path is None or not path.is_file():
        raise Http404
    return audited_file_response(
        request,
        kind=Export.Kind.REJECTS,
        path=path,
        file_name=f"{Path(run.file_name).name}.rejects.csv",
        filters={"import_run": run.pk},
    )


@staff_only
@require_GET
def rollup(request):
    """Show how current the shared ID database is: the last runs, their rows changed, the lag."""
    context = {
        **rollup_status(),
        "runs": RollupRun.objects.all()[:20],
        "allowed_minutes": settings.ROLLUP_MAX_LAG_MINUTES,
    }
    return render(request, "contacts/rollup.html", context)


# --- Reported moves and deaths: DESIGN.md section 5 wants a second person to confirm them ---------

REPORTS_PER_PAGE = 25


@coordinators_and_staff
@require_GET
def reports(request):
    """List the reported moves and deaths nobody has confirmed or dismissed yet, oldest first."""
    pending = (
        Suppression.objects.visible_to(request.user)
        .pending()
        .with_report_counts()
        .select_related("voter__household", "created_by", "attempt")
    )
    page = Paginator(pending, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    undoable = services.undoable_reports(request.user)[:REPORTS_PER_PAGE]
    return render(
        request,
        "contacts/reports.html",
        {"page": page, "undoable": undoable, "undo_minutes": int(services.UNDO_WINDOW.total_seconds() // 60)},
    )


def _back_to_reports(request):
    """Redirect to the page of reports the button was on."""
    form = ReportDecisionForm(request.POST)
    page = form.cleaned_data["page"] if form.is_valid() else None
    url = reverse("contacts:reports")
    return redirect(f"{url}?page={page}" if page and page > 1 else url)


def _decide(request, pk: int, decide):
    report = get_report_for(request.user, pk)
    already = report.confirmed_at is not None or report.dismissed_at is not None
    report = decide(suppression=report, by=request.user)
    name, reason = report.voter.display_name, report.get_reason_display().lower()
    if report.dismissed_at is not None:
        said = f"{name}: {reason} dismissed by {report.dismissed_by}; they stay on the lists."
    else:
        said = f"{name}: {reason} confirmed by {report.confirmed_by}; they are off every list."
    messages.success(request, f"Nothing changed. {said}" if already else said)
    return _back_to_reports(request)


@coordinators_and_staff
@require_POST
def report_confirm(request, pk: int):
    """Confirm a reported move or death: the voter leaves every list and export."""
    return _decide(request, pk, services.suppression_confirm)


@coordinators_and_staff
@require_POST
def report_dismiss(request, pk: int):
    """Dismiss a reported move or death as wrong: the voter stays on the lists."""
    return _decide(request, pk, services.suppression_dismiss)


@coordinators_and_staff
@require_POST
def report_undo(request, pk: int):
    """Take back one's own decision on a reported move or death, made minutes ago: it waits again."""
    report = get_report_for(request.user, pk)
    report, refused = services.suppression_undo(suppression=report, by=request.user)
    name, reason = report.voter.display_name, report.get_reason_display().lower()
    if refused:
        messages.error(request, f"{name}: nothing changed. {refused}")
    else:
        messages.success(
            request, f"{name}: decision undone. The report ({reason}) waits for a decision again."
        )
    return _back_to_reports(request)


# --- Hostile, do not contact, wrong and dead numbers: in force at once, reviewed afterwards --------


@coordinators_and_staff
@require_GET
def suppressions(request):
    """List the suppressions in force on a leader's word, newest first, and the latest lifted."""
    visible = Suppression.objects.visible_to(request.user).select_related(
        "voter__household", "created_by", "attempt", "dismissed_by"
    )
    page = Paginator(visible.liftable().order_by("-created_at", "-pk"), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "contacts/suppressions.html",
        {"page": page, "lifted": visible.lifted()[:REPORTS_PER_PAGE], "form": LiftForm()},
    )


@coordinators_and_staff
@require_POST
def suppression_lift(request, pk: int):
    """Lift a suppression found wrong, with the reason: the voter (or door, or number) is back on lists."""
    suppression = get_suppression_for(request.user, pk)
    form = LiftForm(request.POST)
    page = form.cleaned_data["page"] if form.is_valid() else None
    url = reverse("contacts:suppressions")
    back = redirect(f"{url}?page={page}" if page and page > 1 else url)
    name, reason = suppression.voter.display_name, suppression.get_reason_display().lower()
    if not form.is_valid():
        messages.error(request, f"{name}: nothing changed. Say why you lift the {reason}.")
        return back
    lifted = services.suppression_lift(suppression=suppression, by=request.user, why=form.cleaned_data["why"])
    if not lifted:
        suppression.refresh_from_db()
        messages.info(request, f"Nothing changed. {name}: {reason} {suppression.decision}.")
    elif len(lifted) > 1:
        messages.success(request, f"{reason.capitalize()} lifted for the {len(lifted)} people at {name}'s door: "
                                  "they are back on the lists.")  # fmt: skip
    else:
        messages.success(request, f"{name}: {reason} lifted. It no longer keeps them off lists.")
    return back
