"""Staff pages inside the admin: card preview, history, restore, release, and notes upload.

Hooked into the admin by `quiz.admin` (so they sit under /admin/ with its look), but each view
checks staff status and the model permission itself.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quiz.editing import release_card, render_card_markdown, restore_revision, text_diff
from quiz.models import Card, CardRevision
from quiz.uploading import (
    UploadError,
    apply_staged,
    check_sizes,
    check_upload,
    match_deck,
    preview_uploads,
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
    """Pick .md files; on POST, show the dry-run diff and keep the bytes for confirm."""
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

    matches = [match_deck(u) for u in uploads]
    report = preview_uploads(uploads=uploads, matches=matches)
    if not report.ok:
        context["errors"] = [f"{e['file']}: {e['message']}" for e in report.errors]
        return render(request, "admin/quiz/deck/upload.html", context, status=400)
    token = secrets.token_urlsafe(16)
    staged = stage_uploads(uploads=uploads)
    for item, match in zip(staged, matches, strict=True):
        # What confirm may apply: the matched deck (default) or a new deck of the upload's own.
        item["match_path"] = match.deck.source_path if match.deck is not None else ""
        item["clash"] = (match.deck or match.clash).title if (match.deck or match.clash) else ""
    request.session[SESSION_KEY] = {"token": token, "files": staged}
    context.update(
        report=report,
        token=token,
        groups=_groups(report),
        title="Check the upload",
        targets=[
            {"index": n, "match": m, "new_title_clashes": m.deck is None and m.clash is not None}
            for n, m in enumerate(matches)
        ],
        coverage=upload_coverage(uploads),
    )
    return render(request, "admin/quiz/deck/upload.html", context)


@require_POST
@staff_member_required
def notes_upload_confirm(request: HttpRequest) -> HttpResponse:
    """Apply exactly the upload previewed in this session (the hash is checked again)."""
    _require(request, "quiz.add_deck", "quiz.change_card")
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(pending["token"], request.POST.get("token", "")):
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
    del request.session[SESSION_KEY]
    try:
        report = apply_staged(staged=files)
    except UploadError as exc:
        messages.error(request, f"{exc} Nothing was imported.")
        return redirect("admin:quiz_deck_upload")
    if not report.ok:
        first = report.errors[0]
        messages.error(request, f"{first['file']}: {first['message']}. Nothing was imported.")
        return redirect("admin:quiz_deck_upload")
    counts = report.as_dict()["cards"]
    messages.success(
        request,
        f"Imported {len(report.files)} file(s): {counts['created']} created, "
        f"{counts['updated']} updated, {counts['retired']} retired, "
        f"{counts['conflicts']} in conflict.",
    )
    return redirect(reverse("admin:quiz_deck_changelist"))


def _groups(report: Any) -> list[dict[str, Any]]:
    groups = []
    for change, label in CHANGES:
        cards = []
        for entry in report.card_list:
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
        groups.append({"change": change, "label": label, "cards": cards})
    return groups
