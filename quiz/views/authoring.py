"""Staff pages inside the admin: card preview, history, restore, release, and notes upload.

Hooked into the admin by `quiz.admin` (so they sit under /admin/ with its look), but each view
checks staff status and the model permission itself.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from quiz.editing import release_card, render_card_markdown, restore_revision, text_diff
from quiz.models import Card, CardRevision
from quiz.tasks import import_upload, read_progress, summarise
from quiz.uploading import (
    DeckMatch,
    UploadError,
    apply_staged,
    check_sizes,
    check_upload,
    match_deck,
    preview_uploads,
    runs_in_background,
    stage_uploads,
    upload_coverage,
)

SESSION_KEY = "notes_upload"
CHANGES = [
    ("created", "Created"),
    ("updated", "Updated"),
    ("retired", "Retired"),
    ("conflicts", "In conflict (the admin's edit is kept)"),
]


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _get_card_for_staff(request: HttpRequest, card_id: int) -> Card:
    _require(request, "quiz.change_card")
    return get_object_or_404(Card.objects.select_related("deck", "topic"), pk=card_id)


def _admin_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "opts": Card._meta, **extra}


@require_POST
@staff_member_required
def card_preview(request: HttpRequest, card_id: int) -> HttpResponse:
    """The editor's live preview: the posted Markdown as the study page will show it."""
    card = _get_card_for_staff(request, card_id)
    # htmx posts the whole change form; the header names the field being typed in.
    field = request.htmx.trigger_name if request.htmx else None
    if field not in ("prompt_md", "answer_md"):
        field = next((f for f in ("source", "prompt_md", "answer_md") if f in request.POST), "")
    source = request.POST.get(field, "")
    return HttpResponse(render_card_markdown(card=card, source=source, dry_run=True))


@require_GET
@staff_member_required
def card_revisions(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _get_card_for_staff(request, card_id)
    revisions = list(card.revisions.select_related("user"))
    # Each revision is the text before a change; the text after it is the next newer one.
    after: tuple[str, str] = (card.prompt_md, card.answer_md)
    rows = []
    for rev in revisions:
        changed = [
            name
            for name, old, new in (
                ("prompt", rev.prompt_md, after[0]),
                ("answer", rev.answer_md, after[1]),
            )
            if old != new
        ]
        rows.append(
            {
                "revision": rev,
                "changed": changed,
                "prompt_diff": text_diff(rev.prompt_md, after[0]),
                "answer_diff": text_diff(rev.answer_md, after[1]),
            }
        )
        after = (rev.prompt_md, rev.answer_md)
    context = _admin_context(
        request, card=card, rows=rows, title=f"History of card {card.pk}", original=card
    )
    return render(request, "admin/quiz/card/revisions.html", context)


@require_POST
@staff_member_required
def card_restore(request: HttpRequest, card_id: int, revision_id: int) -> HttpResponse:
    card = _get_card_for_staff(request, card_id)
    revision = get_object_or_404(CardRevision, pk=revision_id, card=card)
    restore_revision(revision=revision, user=request.user)
    messages.success(request, f"Restored the text as of {revision.created_at:%Y-%m-%d %H:%M}.")
    return redirect("admin:quiz_card_revisions", card.pk)


@require_POST
@staff_member_required
def card_release(request: HttpRequest, card_id: int) -> HttpResponse:
    card = _get_card_for_staff(request, card_id)
    if release_card(card=card, user=request.user):
        messages.success(request, "Released: the card has its notes' text again.")
    else:
        messages.info(request, "Nothing to release: the card already says what the notes say.")
    return redirect("admin:quiz_card_change", card.pk)


@require_http_methods(["GET", "POST"])
@staff_member_required
def notes_upload(request: HttpRequest) -> HttpResponse:
    """Pick .md files; on POST, show the dry-run diff and keep the bytes for confirm.

    A big upload is checked by the task worker instead: the bytes are staged, and the page
    that follows shows the job's progress until its preview is ready."""
    _require(request, "quiz.add_deck", "quiz.change_card")
    context = _admin_context(request, title="Upload notes", changes=CHANGES)
    if request.method == "GET":
        return render(request, "admin/quiz/deck/upload.html", context)

    files = request.FILES.getlist("files")
    errors: list[str] = []
    uploads = []
    if not files:
        errors.append("Choose one or more .md files.")
    names = [f.name for f in files]
    errors += [f"{n}: chosen twice" for n in sorted(set(names)) if names.count(n) > 1]
    for f in files:
        try:
            check_sizes({f.name: f.size})
            uploads.append(check_upload(name=f.name, data=f.read()))
        except UploadError as exc:
            errors.append(str(exc))
    if errors:
        context["errors"] = errors
        return render(request, "admin/quiz/deck/upload.html", context, status=400)

    token = secrets.token_urlsafe(16)
    background = runs_in_background([len(u.data) for u in uploads])
    matches = [match_deck(u, read_title=not background) for u in uploads]
    targets = _targets(matches)
    if background:
        staged = _with_matches(stage_uploads(uploads=uploads), matches)
        job = import_upload.enqueue(staged=staged, apply=False)
        request.session[SESSION_KEY] = {
            "token": token,
            "files": staged,
            "targets": targets,
            "job": str(job.id),
        }
        return redirect("admin:quiz_deck_upload_job", job.id)

    report = summarise(preview_uploads(uploads=uploads, matches=matches))
    if not report["ok"]:
        context["errors"] = [f"{e['file']}: {e['message']}" for e in report["errors"]]
        return render(request, "admin/quiz/deck/upload.html", context, status=400)
    staged = _with_matches(stage_uploads(uploads=uploads), matches)
    request.session[SESSION_KEY] = {"token": token, "files": staged, "targets": targets}
    return _preview_page(request, context, report, token, targets, upload_coverage(uploads))


def _with_matches(staged: list[dict[str, str]], matches: list[DeckMatch]) -> list[dict[str, str]]:
    """What confirm may apply for each upload: the matched deck (the default) or a new deck of
    the upload's own, with the title of a deck a new one would clash with."""
    for item, match in zip(staged, matches, strict=True):
        item["match_path"] = match.deck.source_path if match.deck is not None else ""
        other = match.deck or match.clash
        item["clash"] = other.title if other is not None else ""
    return staged


def _targets(matches: list[DeckMatch]) -> list[dict[str, Any]]:
    """The deck each upload would update, as plain data the session can keep."""
    return [
        {
            "index": n,
            "name": m.name,
            "title": m.title,
            "reason": m.reason,
            "deck": None
            if m.deck is None
            else {"title": m.deck.title, "source_path": m.deck.source_path},
            "new_title_clashes": m.deck is None and m.clash is not None,
        }
        for n, m in enumerate(matches)
    ]


def _preview_page(
    request: HttpRequest,
    context: dict[str, Any],
    report: dict[str, Any],
    token: str,
    targets: list[dict[str, Any]],
    coverage: dict[str, Any] | None = None,
) -> HttpResponse:
    context.update(
        report=report,
        token=token,
        groups=_groups(report),
        title="Check the upload",
        targets=targets,
        coverage=coverage or {},
    )
    return render(request, "admin/quiz/deck/upload.html", context)


@require_POST
@staff_member_required
def notes_upload_confirm(request: HttpRequest) -> HttpResponse:
    """Apply exactly the upload previewed in this session (the hash is checked again)."""
    _require(request, "quiz.add_deck", "quiz.change_card")
    pending = request.session.get(SESSION_KEY)
    if (
        not pending
        or pending.get("applying")
        or not secrets.compare_digest(pending["token"], request.POST.get("token", ""))
    ):
        messages.error(request, "That preview is no longer current; upload the files again.")
        return redirect("admin:quiz_deck_upload")
    files = []
    for n, item in enumerate(pending["files"]):
        choice = request.POST.get(f"deck_{n}", "update" if item.get("match_path") else "new")
        if choice == "new" and item.get("clash") and request.POST.get(f"confirm_new_{n}") != "1":
            messages.error(
                request,
                f"{item['name']}: a deck titled “{item['clash']}” already exists. Tick the box to "
                "create a second deck with that title, or update the existing deck.",
            )
            return redirect("admin:quiz_deck_upload")
        path = item.get("match_path", "") if choice == "update" else ""
        files.append({"name": item["name"], "sha256": item["sha256"], "source_path": path})
    if "job" in pending:  # previewed in the background: applied there too
        job = import_upload.enqueue(staged=files, apply=True)
        request.session[SESSION_KEY] = {**pending, "job": str(job.id), "applying": True}
        return redirect("admin:quiz_deck_upload_job", job.id)
    del request.session[SESSION_KEY]
    try:
        report = summarise(apply_staged(staged=files))
    except UploadError as exc:
        messages.error(request, f"{exc} Nothing was imported.")
        return redirect("admin:quiz_deck_upload")
    return _applied(request, report)


def _applied(request: HttpRequest, report: dict[str, Any]) -> HttpResponse:
    if not report["ok"]:
        first = report["errors"][0]
        where = f"{first['file']}: " if isinstance(first, dict) else ""
        text = first["message"] if isinstance(first, dict) else first
        messages.error(request, f"{where}{text}. Nothing was imported.")
        return redirect("admin:quiz_deck_upload")
    counts = report["cards"]
    messages.success(
        request,
        f"Imported {len(report['files'])} file(s): {counts['created']} created, "
        f"{counts['updated']} updated, {counts['retired']} retired, "
        f"{counts['conflicts']} in conflict.",
    )
    return redirect(reverse("admin:quiz_deck_changelist"))


@require_GET
@staff_member_required
def notes_upload_job(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """A background preview or apply: its progress while it runs, then its outcome."""
    _require(request, "quiz.add_deck", "quiz.change_card")
    job = str(job_id)
    pending = request.session.get(SESSION_KEY) or {}
    # Only the session that started a job may watch or use it.
    if pending.get("job") != job:
        raise Http404("no such upload job")
    try:
        result = import_upload.get_result(job)
    except (TaskResultDoesNotExist, ValueError):
        raise Http404("no such upload job") from None
    applying = bool(pending.get("applying"))
    context = _admin_context(request, title="Upload notes", changes=CHANGES)
    if result.status == TaskResultStatus.FAILED:
        del request.session[SESSION_KEY]
        # The page works; the task did not (its traceback is in the worker's log and in
        # Task results). The import's transaction rolled back, so nothing is half done.
        context["errors"] = ["The import stopped with an error; nothing was imported."]
        return render(request, "admin/quiz/deck/upload.html", context)
    if not result.is_finished:
        context.update(
            title="Importing notes" if applying else "Checking the upload",
            job={
                "status": result.status,
                "applying": applying,
                "files": [f["name"] for f in pending["files"]],
                "progress": read_progress(job),
            },
        )
        return render(request, "admin/quiz/deck/upload.html", context)
    report = result.return_value
    if applying:
        del request.session[SESSION_KEY]
        return _applied(request, report)
    if not report["ok"]:
        del request.session[SESSION_KEY]
        context["errors"] = [
            f"{e['file']}: {e['message']}" if isinstance(e, dict) else e for e in report["errors"]
        ]
        return render(request, "admin/quiz/deck/upload.html", context, status=400)
    return _preview_page(request, context, report, pending["token"], pending.get("targets", []))


def _groups(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The listed cards by kind of change, with how many more there are than are listed."""
    groups = []
    for change, label in CHANGES:
        cards = []
        for entry in report["card_list"]:
            if entry["change"] != change:
                continue
            before = entry.get("before") or entry.get("notes")
            if before:
                entry = {
                    **entry,
                    "prompt_diff": text_diff(before["prompt"], entry["prompt"])
                    if change == "updated"
                    else text_diff(entry["prompt"], before["prompt"]),
                    "answer_diff": text_diff(before["answer"], entry["answer"])
                    if change == "updated"
                    else text_diff(entry["answer"], before["answer"]),
                }
            cards.append(entry)
        total = report["cards"][change]
        groups.append(
            {
                "change": change,
                "label": label,
                "cards": cards,
                "total": total,
                "more": total - len(cards),
            }
        )
    return groups
