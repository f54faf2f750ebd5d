"""One notes file from disk to parsed, rendered plain data: the import's CPU-heavy half.

Pure Python (no Django), so the importer can run it for many files in worker processes and
keep only the database work for itself. A file whose bytes the database already holds (same
digest) is not parsed at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from quiz.blueprint import check_domains, read_blueprint
from quiz.notes.decode import decode_notes
from quiz.notes.limits import check_parsed, check_text
from quiz.notes.parser import parse_notes
from quiz.notes.render import render_markdown
from quiz.notes.types import NotesError, NoteWarning, ParsedDeck

# Bump when parsing or rendering changes for the same text, so unchanged files are re-applied.
PARSER_VERSION = "7"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


@dataclass
class LoadedNotes:
    path: str  # as the user named it, for messages
    source_path: str  # resolved: the deck's identity
    digest: str = ""
    error: NotesError | None = None
    unchanged: bool = False
    parsed: ParsedDeck | None = None
    # Rendered HTML, aligned with parsed.topics and parsed.cards.
    topic_html: list[str] = field(default_factory=list)
    card_html: list[tuple[str, str]] = field(default_factory=list)
    # Media name (as served under MEDIA_URL) → the file to copy there.
    image_files: dict[str, str] = field(default_factory=dict)
    image_warnings: list[NoteWarning] = field(default_factory=list)
    # The front matter's `exam:` blueprint (quiz.blueprint), as stored on the deck; {} for none.
    exam_blueprint: dict = field(default_factory=dict)


def notes_digest(data: bytes) -> str:
    """What a deck remembers of its file: equal digests mean nothing to re-import."""
    return hashlib.sha256(data + PARSER_VERSION.encode()).hexdigest()


def load_notes(label: str, source_path: str, data: bytes, media_url: str) -> LoadedNotes:
    """Check, parse and render one file's bytes. Never raises for bad content: see `.error`.

    `label` names the file in messages; `source_path` is where it lives (relative images are
    looked up beside it).
    """
    resolved = Path(source_path)
    result = LoadedNotes(path=label, source_path=source_path, digest=notes_digest(data))
    try:
        text = decode_notes(data)
        check_text(text)
        parsed = parse_notes(text, source_name=resolved.name)
        check_parsed(parsed)  # before rendering: the limits are there to bound that work too
    except NotesError as exc:
        result.error = exc
        return result
    try:
        blueprint = read_blueprint(text)
        check_domains(blueprint, (t.title for t in parsed.topics), text)
    except NotesError as exc:
        result.error = exc
        return result
    result.exam_blueprint = blueprint.as_json() if blueprint else {}
    result.parsed = parsed
    images = _resolve_images(parsed, resolved.parent, media_url, result)
    result.topic_html = [
        render_markdown(t.body, images=images) if t.body.strip() else "" for t in parsed.topics
    ]
    result.card_html = [
        (render_markdown(c.prompt, images=images), render_markdown(c.answer, images=images))
        for c in parsed.cards
    ]
    return result


def _resolve_images(
    parsed: ParsedDeck, folder: Path, media_url: str, result: LoadedNotes
) -> dict[str, str | None]:
    """Map each image src to its served URL, or None when the file is not there."""
    mapping: dict[str, str | None] = {}
    for ref in parsed.images:
        src = ref.src
        if src.startswith(("http://", "https://")):
            continue
        if src in mapping:
            if mapping[src] is None:
                result.image_warnings.append(NoteWarning(ref.line, f"image missing: {src}"))
            continue
        found = locate_image(folder, src)
        if found is None:
            mapping[src] = None
            result.image_warnings.append(NoteWarning(ref.line, f"image missing: {src}"))
            continue
        name, target = found
        result.image_files[name] = str(target)
        mapping[src] = f"/{media_url.strip('/')}/{name}"
    return mapping


def locate_image(folder: Path, src: str) -> tuple[str, Path] | None:
    """The media name and file of a relative image, or None when it is not an image file there.

    Media names are content hashes: the same picture is stored once however it is named, and a
    changed picture gets a new URL (no stale browser caches).
    """
    target = (folder / src.split("?", 1)[0].split("#", 1)[0]).resolve()
    if not target.is_file() or target.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    digest = hashlib.sha256(target.read_bytes()).hexdigest()[:20]
    return f"notes/{digest}{target.suffix.lower()}", target
