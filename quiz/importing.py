"""Parsed notes → Deck / Topic / Card rows.

One run is all-or-nothing: every file is read and parsed first; if any has an error, nothing is
written. Otherwise all files are applied in one transaction. A dry run does the same work and
rolls it back, so its report is exactly what a real run would do.

Re-import keeps history: cards are matched by `quiz.notes.identity`, updated in place, and
retired (never deleted) when their item disappears from the notes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from quiz.models import TOPIC_SEPARATOR, Card, CardRevision, Deck, Topic
from quiz.notes.decode import decode_notes
from quiz.notes.identity import Existing, Incoming, card_key, disambiguate, match_cards
from quiz.notes.identity import normalise_prompt as normalise
from quiz.notes.parser import parse_notes
from quiz.notes.render import render_markdown
from quiz.notes.types import CARD_KINDS, NotesError, ParsedCard, ParsedDeck
from quiz.sims.link import attach_simulations

# Bump when the parser's output changes for the same text, so unchanged files are re-applied.
PARSER_VERSION = "1"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    decks: int = 0
    topics: int = 0
    cards: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    card_list: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, *, show_cards: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "files": self.files,
            "decks": self.decks,
            "topics": self.topics,
            "cards": {
                k: self.cards.get(k, 0)
                for k in ("created", "updated", "unchanged", "retired", "conflicts")
            },
            "by_kind": {k: self.by_kind.get(k, 0) for k in CARD_KINDS},
            "warnings": self.warnings,
            "errors": self.errors,
            "dry_run": self.dry_run,
        }
        if show_cards:
            data["card_list"] = self.card_list
        return data

    def error(self, file: str, message: str, line: int | None = None) -> None:
        self.errors.append({"file": file, "line": line, "message": message})


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run."""


def find_note_files(paths: Sequence[str | os.PathLike[str]], report: ImportReport) -> list[Path]:
    """Every `.md` file named or found below a named folder, sorted, each once."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            report.error(str(raw), "no such file or folder")
        elif path.is_dir():
            below: list[Path] = []
            # followlinks=False: a symlink loop cannot send the walk round for ever.
            for folder, dirs, names in os.walk(path, followlinks=False):
                dirs.sort()
                below.extend(Path(folder) / n for n in sorted(names) if n.lower().endswith(".md"))
            if not below:
                report.error(str(raw), "folder holds no .md files")
            found.extend(sorted(below))
        elif path.is_file():
            found.append(path)
        else:
            report.error(str(raw), "not a regular file")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


@dataclass(frozen=True)
class NoteSource:
    """A notes file held in memory (an upload), imported as if it lived at `source_path`.

    `source_path` is the deck's identity, as for a file on disk; `name` labels it in the report.
    """

    name: str
    data: bytes
    source_path: str


@dataclass
class _Loaded:
    path: Path
    digest: str
    parsed: ParsedDeck
    label: str = ""


def _decode(data: bytes, label: str, report: ImportReport) -> str | None:
    try:
        return decode_notes(data)
    except NotesError as exc:
        where = f"line {exc.line}" if exc.line else f"byte {exc.offset}"
        message = exc.message if exc.line or exc.offset is None else f"{exc.message} ({where})"
        report.error(label, message, exc.line)
        return None


def import_notes(
    *,
    paths: Sequence[str | os.PathLike[str]] = (),
    sources: Sequence[NoteSource] = (),
    dry_run: bool = False,
    show_cards: bool = False,
) -> ImportReport:
    """Import note files (`paths`) and in-memory notes (`sources`) in one all-or-nothing run."""
    report = ImportReport(dry_run=dry_run)
    files = find_note_files(paths, report)
    report.files = [str(f) for f in files] + [s.name for s in sources]
    loaded: list[_Loaded] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.error(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        text = _decode(data, str(path), report)
        if text is None:
            continue
        digest = hashlib.sha256(data + PARSER_VERSION.encode()).hexdigest()
        parsed = parse_notes(text, source_name=path.name)
        loaded.append(_Loaded(path, digest, parsed))
    for source in sources:
        text = _decode(source.data, source.name, report)
        if text is None:
            continue
        digest = hashlib.sha256(source.data + PARSER_VERSION.encode()).hexdigest()
        path = Path(source.source_path)
        parsed = parse_notes(text, source_name=path.name)
        loaded.append(_Loaded(path, digest, parsed, label=source.name))
    if report.errors:
        return report

    try:
        with transaction.atomic():
            for item in loaded:
                _apply_file(item, report, dry_run=dry_run, show_cards=show_cards)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


def _unique_slug(base: str) -> str:
    base = slugify(base)[:180] or "deck"
    slug, n = base, 2
    while Deck.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def store_image(folder: Path, src: str, *, dry_run: bool = False) -> str | None:
    """Copy the image `src` (relative to `folder`) into MEDIA_ROOT; its URL, or None if missing.

    Media names are content hashes, so the same picture is stored once however it is named.
    """
    target = (folder / src.split("?", 1)[0].split("#", 1)[0]).resolve()
    if not target.is_file() or target.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    data = target.read_bytes()
    name = f"notes/{hashlib.sha256(data).hexdigest()[:20]}{target.suffix.lower()}"
    if not dry_run:
        dest = Path(settings.MEDIA_ROOT) / name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, dest)
    return f"/{settings.MEDIA_URL.strip('/')}/{name}"


def _resolve_images(item: _Loaded, report: ImportReport, *, dry_run: bool) -> dict[str, str | None]:
    """Map each image src in the notes to its served URL, or None when the file is missing."""
    mapping: dict[str, str | None] = {}
    folder = item.path.resolve().parent
    for ref in item.parsed.images:
        src = ref.src
        if src.startswith(("http://", "https://")) or src in mapping:
            continue
        mapping[src] = store_image(folder, src, dry_run=dry_run)
        if mapping[src] is None:
            report.warnings.append(
                {
                    "file": item.label or str(item.path),
                    "line": ref.line,
                    "message": f"image missing: {src}",
                }
            )
    return mapping


def _apply_file(item: _Loaded, report: ImportReport, *, dry_run: bool, show_cards: bool) -> None:
    parsed = item.parsed
    source_path = str(item.path.resolve())
    file_label = item.label or str(item.path)
    for w in parsed.warnings:
        report.warnings.append({"file": file_label, "line": w.line, "message": w.message})

    deck = Deck.objects.filter(source_path=source_path).first()
    report.decks += 1
    if deck is not None and deck.content_hash == item.digest:
        # Unchanged bytes and parser: nothing to do, and nothing is touched.
        active = deck.cards.filter(status=Card.Status.ACTIVE, kind__in=CARD_KINDS)
        report.topics += deck.topics.filter(is_active=True).count()
        for kind, n in Counter(active.values_list("kind", flat=True)).items():
            report.by_kind[kind] += n
            report.cards["unchanged"] += n
        if show_cards:
            for card in active.select_related("topic"):
                report.card_list.append(_card_entry(card, "unchanged"))
        return

    images = _resolve_images(item, report, dry_run=dry_run)
    now = timezone.now()
    if deck is None:
        deck = Deck.objects.create(
            title=parsed.title[:300], slug=_unique_slug(parsed.title), source_path=source_path
        )
    else:
        deck.title = parsed.title[:300]
    deck.content_hash = item.digest
    deck.imported_at = now
    deck.save()

    topics = _apply_topics(deck, parsed, images, report, file_label)
    _apply_cards(deck, parsed, topics, images, report, show_cards=show_cards)


def _topic_path(path: tuple[str, ...]) -> str:
    return TOPIC_SEPARATOR.join(path)


def _apply_topics(
    deck: Deck,
    parsed: ParsedDeck,
    images: dict[str, str | None],
    report: ImportReport,
    file_label: str,
) -> dict[str, Topic]:
    existing = {t.path: t for t in deck.topics.all()}
    sims_by_topic: dict[str, list[dict[str, Any]]] = {}
    for sim in parsed.sims:
        spec, problem = attach_simulations(sim.params)
        if problem:
            report.warnings.append({"file": file_label, "line": sim.line, "message": problem})
        else:
            sims_by_topic.setdefault(_topic_path(sim.topic_path), []).append(spec)

    wanted: list[tuple[str, str, int, int, int, str]] = [
        (_topic_path(t.path), t.title, t.level, t.order, t.line, t.body) for t in parsed.topics
    ]
    # Cards that sit above the first heading belong to a topic named after the deck.
    if any(not c.topic_path for c in parsed.cards) or not wanted:
        wanted.insert(0, (deck.title, deck.title, 0, 0, 0, ""))

    result: dict[str, Topic] = {}
    to_create: list[Topic] = []
    to_update: list[Topic] = []
    for path, title, level, order, line, body in wanted:
        body_html = render_markdown(body, images=images) if body.strip() else ""
        sims = sims_by_topic.get(path, [])
        topic = existing.get(path)
        if topic is None:
            topic = Topic(deck=deck, path=path)
            to_create.append(topic)
        else:
            to_update.append(topic)
        topic.title, topic.level, topic.order, topic.line = title[:500], level, order, line
        topic.body_md, topic.body_html, topic.sims, topic.is_active = body, body_html, sims, True
        result[path] = topic
    Topic.objects.bulk_create(to_create)
    # Parents are set after every topic has a primary key.
    for path, topic in result.items():
        parent_path = path.rsplit(TOPIC_SEPARATOR, 1)[0] if TOPIC_SEPARATOR in path else None
        topic.parent = result.get(parent_path) if parent_path else None
    fields = ["title", "level", "order", "line", "body_md", "body_html", "sims", "is_active"]
    Topic.objects.bulk_update(to_update, fields, batch_size=500)
    Topic.objects.bulk_update(list(result.values()), ["parent"], batch_size=500)
    gone = [t.pk for p, t in existing.items() if p not in result and t.is_active]
    if gone:
        Topic.objects.filter(pk__in=gone).update(is_active=False)
    report.topics += len(result)
    return result


def _card_entry(card: Card, change: str, before: tuple[str, str] | None = None) -> dict[str, Any]:
    entry = {
        "key": card.key,
        "kind": card.kind,
        "topic": card.topic.path,
        "prompt": card.prompt_md,
        "answer": card.answer_md,
        "line": card.source_line,
        "change": change,
    }
    # What a reviewer of the change needs beside the new text: the old text of an updated
    # card, and what the notes now say for a card whose admin edit is kept.
    if change == "updated" and before is not None and before != (card.prompt_md, card.answer_md):
        entry["before"] = {"prompt": before[0], "answer": before[1]}
    if change == "conflicts":
        entry["notes"] = {"prompt": card.notes_prompt_md, "answer": card.notes_answer_md}
    return entry


def _apply_cards(
    deck: Deck,
    parsed: ParsedDeck,
    topics: dict[str, Topic],
    images: dict[str, str | None],
    report: ImportReport,
    *,
    show_cards: bool,
) -> None:
    stored = list(deck.cards.filter(kind__in=CARD_KINDS).select_related("topic"))
    by_id = {c.pk: c for c in stored}
    taken_keys = set(deck.cards.values_list("key", flat=True))

    incoming_paths = [(_topic_path(c.topic_path) or deck.title) for c in parsed.cards]
    texts = disambiguate(
        (path, normalise(c.prompt)) for path, c in zip(incoming_paths, parsed.cards, strict=True)
    )
    matches = match_cards(
        [Existing(c.pk, c.topic.path, c.match_text, c.kind) for c in stored],
        [
            Incoming(path, text, c.kind)
            for path, text, c in zip(incoming_paths, texts, parsed.cards, strict=True)
        ],
    )

    to_create: list[Card] = []
    to_update: list[Card] = []
    entries: list[tuple[Card, str, tuple[str, str] | None]] = []
    for order, (card_in, path, text, match) in enumerate(
        zip(parsed.cards, incoming_paths, texts, matches, strict=True)
    ):
        topic = topics[path]
        sim = topic.sims[0] if topic.sims else None
        report.by_kind[card_in.kind] += 1
        if match is None:
            card = Card(deck=deck, key=_new_key(deck, path, text, taken_keys))
            _fill(card, card_in, topic, text, order, sim, images)
            to_create.append(card)
            report.cards["created"] += 1
            entries.append((card, "created", None))
            continue
        card = by_id[match]
        before = (card.prompt_md, card.answer_md)
        change = _update(card, card_in, topic, text, order, sim, images)
        report.cards[change] += 1
        to_update.append(card)
        entries.append((card, change, before))

    Card.objects.bulk_create(to_create, batch_size=500)
    Card.objects.bulk_update(
        to_update,
        [
            "topic", "kind", "match_text", "prompt_md", "prompt_html", "answer_md", "answer_html",
            "items", "term", "sim", "source_line", "order", "status", "notes_prompt_md",
            "notes_answer_md", "updated_at",
        ],
        batch_size=500,
    )  # fmt: skip
    # The text an update replaces stays in the card's history, as an admin edit's does.
    CardRevision.objects.bulk_create(
        [
            CardRevision(
                card=card, source="import", kind=card.kind, prompt_md=before[0], answer_md=before[1]
            )
            for card, change, before in entries
            if change == "updated"
            and before is not None
            and before != (card.prompt_md, card.answer_md)
        ],
        batch_size=500,
    )
    matched = {m for m in matches if m is not None}
    retire = [c for c in stored if c.pk not in matched and c.status == Card.Status.ACTIVE]
    if retire:
        Card.objects.filter(pk__in=[c.pk for c in retire]).update(
            status=Card.Status.RETIRED, updated_at=timezone.now()
        )
        report.cards["retired"] += len(retire)
        entries.extend((c, "retired", None) for c in retire)
    if show_cards:
        report.card_list.extend(_card_entry(*entry) for entry in entries)


def _new_key(deck: Deck, path: str, text: str, taken: set[str]) -> str:
    key = card_key(deck.slug, path, text)
    n = 2
    while key in taken:
        key = card_key(deck.slug, path, f"{text} #{n}")
        n += 1
    taken.add(key)
    return key


def _fill(
    card: Card,
    card_in: ParsedCard,
    topic: Topic,
    text: str,
    order: int,
    sim: dict[str, Any] | None,
    images: dict[str, str | None],
) -> None:
    card.topic = topic
    card.kind = card_in.kind
    card.match_text = text
    card.prompt_md = card_in.prompt
    card.prompt_html = render_markdown(card_in.prompt, images=images)
    card.answer_md = card_in.answer
    card.answer_html = render_markdown(card_in.answer, images=images)
    card.items = list(card_in.items)
    card.term = card_in.term[:300]
    card.sim = sim
    card.source_line = card_in.line
    card.order = order
    card.status = Card.Status.ACTIVE
    card.notes_prompt_md = card_in.prompt
    card.notes_answer_md = card_in.answer
    card.updated_at = timezone.now()


def _update(
    card: Card,
    card_in: ParsedCard,
    topic: Topic,
    text: str,
    order: int,
    sim: dict[str, Any] | None,
    images: dict[str, str | None],
) -> str:
    """Bring a stored card up to the notes; say whether it was updated, unchanged or a conflict."""
    was_retired = card.status != Card.Status.ACTIVE
    if card.edited_in_admin:
        # The admin's text wins; keep the notes' text beside it so an author can release it.
        notes_changed = (card.notes_prompt_md, card.notes_answer_md) != (
            card_in.prompt,
            card_in.answer,
        )
        card.notes_prompt_md, card.notes_answer_md = card_in.prompt, card_in.answer
        card.topic, card.order, card.source_line, card.match_text = (
            topic,
            order,
            card_in.line,
            text,
        )
        card.status = Card.Status.ACTIVE
        differs = (card.prompt_md, card.answer_md) != (card_in.prompt, card_in.answer)
        return "conflicts" if differs and (notes_changed or was_retired) else "unchanged"
    content_before = (
        card.kind,
        card.prompt_md,
        card.answer_md,
        card.items,
        card.term,
        card.sim,
        card.topic_id,
    )
    _fill(card, card_in, topic, text, order, sim, images)
    content_after = (
        card.kind,
        card.prompt_md,
        card.answer_md,
        card.items,
        card.term,
        card.sim,
        card.topic_id,
    )
    return "updated" if was_retired or content_before != content_after else "unchanged"
