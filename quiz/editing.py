"""Authors change cards in the admin; every change keeps the version before it.

A card whose text differs from what its notes last said is protected (`edited_in_admin`): the
importer keeps the admin's text and reports a conflict, until an author releases the card
back to the notes' version. Each function here stores a `CardRevision` of the content it
replaces, so history can show what changed and restore any earlier version.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from quiz import exams
from quiz.importing import store_image
from quiz.models import Card, CardRevision
from quiz.notes.parser import parse_notes
from quiz.notes.render import render_markdown

TEXT_FIELDS = ["prompt_md", "prompt_html", "answer_md", "answer_html", "edited_in_admin"]


def render_card_markdown(*, card: Card | None, source: str, dry_run: bool = False) -> str:
    """Render a card's Markdown exactly as the importer does, images included.

    Relative images are looked up beside the deck's notes file, as at import (`dry_run`: find
    them without copying them into MEDIA_ROOT, for a preview); a path under MEDIA_URL that
    exists (an image already imported) is kept as it is.
    """
    images: dict[str, str | None] = {}
    folder = Path(card.deck.source_path).parent if card is not None else None
    for ref in parse_notes(source).images:
        if ref.src not in images:
            images[ref.src] = _image_url(folder, ref.src, dry_run=dry_run)
    return render_markdown(source, images=images)


def _image_url(folder: Path | None, src: str, *, dry_run: bool) -> str | None:
    if src.lower().startswith(("http://", "https://")):
        return src
    media_url = f"/{settings.MEDIA_URL.strip('/')}/"
    if src.startswith(media_url):
        root = Path(settings.MEDIA_ROOT).resolve()
        target = (root / src.removeprefix(media_url)).resolve()
        return src if target.is_relative_to(root) and target.is_file() else None
    return store_image(folder, src, dry_run=dry_run) if folder is not None else None


def _normalise(text: str) -> str:
    # Browsers send textarea content with CRLF; the notes are stored with LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _keep_revision(*, card: Card, user: Any, source: str) -> CardRevision:
    return CardRevision.objects.create(
        card=card,
        user=user if user is not None and user.is_authenticated else None,
        source=source,
        kind=card.kind,
        prompt_md=card.prompt_md,
        answer_md=card.answer_md,
    )


def _set_text(card: Card, prompt_md: str, answer_md: str) -> None:
    card.prompt_md, card.answer_md = prompt_md, answer_md
    card.prompt_html = render_card_markdown(card=card, source=prompt_md)
    card.answer_html = render_card_markdown(card=card, source=answer_md)
    # Protected exactly while the text differs from the notes: an edit that puts the notes'
    # text back needs no protection, and re-import can update the card again.
    card.edited_in_admin = (prompt_md, answer_md) != (card.notes_prompt_md, card.notes_answer_md)
    card.save(update_fields=[*TEXT_FIELDS, "updated_at"])
    exams.bank_changed(deck_ids=[card.deck_id])


def _locked(card: Card) -> Card:
    return Card.objects.select_for_update().select_related("deck").get(pk=card.pk)


def _copy_back(stored: Card, card: Card) -> None:
    for name in [*TEXT_FIELDS, "updated_at"]:
        setattr(card, name, getattr(stored, name))


@transaction.atomic
def save_card_edit(*, card: Card, user: Any, prompt_md: str, answer_md: str) -> bool:
    """Store an author's new prompt and answer; False (and nothing stored) when unchanged."""
    prompt_md, answer_md = _normalise(prompt_md), _normalise(answer_md)
    stored = _locked(card)
    if (stored.prompt_md, stored.answer_md) == (prompt_md, answer_md):
        _copy_back(stored, card)
        return False
    _keep_revision(card=stored, user=user, source="admin")
    _set_text(stored, prompt_md, answer_md)
    _copy_back(stored, card)
    return True


@transaction.atomic
def restore_revision(*, revision: CardRevision, user: Any) -> Card:
    """Put a revision's text back on its card; the text it replaces becomes a revision too."""
    card = _locked(revision.card)
    _keep_revision(card=card, user=user, source="restore")
    _set_text(card, revision.prompt_md, revision.answer_md)
    return card


@transaction.atomic
def release_card(*, card: Card, user: Any) -> bool:
    """Give the card back to its notes: their text, and re-import updates it again.

    False when there was nothing to release (the card already says what the notes say).
    """
    stored = _locked(card)
    notes = (stored.notes_prompt_md, stored.notes_answer_md)
    if (stored.prompt_md, stored.answer_md) == notes and not stored.edited_in_admin:
        _copy_back(stored, card)
        return False
    if (stored.prompt_md, stored.answer_md) != notes:
        _keep_revision(card=stored, user=user, source="release")
    _set_text(stored, *notes)
    _copy_back(stored, card)
    return True


def set_cards_status(*, cards: Any, status: str) -> int:
    """Retire or restore cards (a queryset); how many changed. Reviews and history stay."""
    changing = cards.exclude(status=status)
    exams.bank_changed(deck_ids=set(changing.values_list("deck_id", flat=True)))
    return changing.update(status=status, updated_at=timezone.now())


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff as (`"same"` | `"del"` | `"add"`, line) pairs; templates escape the text."""
    kinds = {" ": "same", "-": "del", "+": "add"}
    return [
        (kinds[line[0]], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[0] in kinds
    ]
