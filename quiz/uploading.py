"""Notes uploaded in the admin: check, preview (a dry-run import), then apply what was previewed.

An upload named `x.md` lives at `NOTES_UPLOAD_DIR/x.md`, and that path is its deck's identity,
so uploading `x.md` again updates the same deck. An upload that matches a deck imported some
other way (from `content/` or the command line) by file name or by deck title updates that deck
too, through the same identity-keeping re-import, so learners keep their history; the author
may instead create a new deck, but only by confirming it explicitly when the title clashes.
Between preview and confirm the bytes wait in
`NOTES_UPLOAD_DIR/.staging/<sha256>.md`; confirm reads them back by the hash the preview
recorded and refuses if they differ, so what is applied is exactly what was previewed.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from quiz.importing import ImportProgress, ImportReport, NoteSource, import_notes
from quiz.models import Deck
from quiz.notes.coverage import Coverage, measure_bytes
from quiz.notes.decode import MAX_NOTES_BYTES, decode_notes
from quiz.notes.parser import parse_notes, title_from_name
from quiz.notes.types import NotesError

# A plain file name: no folders, no leading dot, nothing a shell or a URL would trip on.
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,150}\.md$", re.IGNORECASE)


STAGING_MAX_AGE_SECONDS = 24 * 3600
# Past this many bytes in one upload, parsing and importing take seconds: the preview and the
# apply run as a background task (quiz.tasks) and the page shows their progress.
BACKGROUND_MIN_BYTES = 256 * 1024

Progress = Callable[[ImportProgress], None]


class UploadError(ValueError):
    """An upload that cannot be used; the message says why, naming the file."""


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def upload_dir() -> Path:
    return Path(settings.NOTES_UPLOAD_DIR)


def _staging_dir() -> Path:
    return upload_dir() / ".staging"


def check_upload(*, name: str, data: bytes) -> Upload:
    """The upload, or UploadError: not `.md`, an odd name, too large, empty, binary, not UTF-8."""
    if not name.lower().endswith(".md"):
        raise UploadError(f"{name}: only Markdown files (.md) can be uploaded")
    if not _NAME_RE.match(name):
        raise UploadError(f"{name}: use a plain file name (letters, digits, spaces, '.', '-', '_')")
    try:
        decode_notes(data)
    except NotesError as exc:
        raise UploadError(f"{name}: {exc.message}") from None
    return Upload(name=name, data=data)


def check_sizes(sizes: dict[str, int]) -> None:
    """Refuse an oversized file before reading it into memory."""
    for name, size in sizes.items():
        if size > MAX_NOTES_BYTES:
            raise UploadError(
                f"{name}: file is {size:,} bytes, over the {MAX_NOTES_BYTES:,}-byte limit"
            )


def own_path(name: str) -> str:
    """Where an upload named `name` lives once applied: its deck's identity by default."""
    return str((upload_dir() / name).resolve())


@dataclass(frozen=True)
class DeckMatch:
    """Which deck an upload would update, and why.

    `deck` is None for a new deck. `reason` says how it was matched: "upload" (the same file
    uploaded before), "file name" or "title" (a deck imported some other way). `clash` is a
    deck whose title the upload shares while it would create a new deck (the author chose to).
    """

    name: str
    title: str
    deck: Deck | None
    reason: str = ""
    clash: Deck | None = None

    @property
    def source_path(self) -> str:
        return self.deck.source_path if self.deck is not None else own_path(self.name)


def match_deck(upload: Upload, *, read_title: bool = True) -> DeckMatch:
    """The deck an upload updates: its own earlier upload, else the one deck with its file name,
    else the one deck with its title; else a new deck.

    Reading the title means parsing the notes: an upload big enough for the task worker is
    matched by its file name alone (`read_title=False`), so the request stays short."""
    if read_title:
        title = parse_notes(decode_notes(upload.data), source_name=upload.name).title
    else:
        title = title_from_name(upload.name)
    mine = Deck.objects.filter(source_path=own_path(upload.name)).first()
    if mine is not None:
        return DeckMatch(upload.name, title, mine, "upload")
    decks = list(Deck.objects.all().only("pk", "title", "source_path", "slug"))
    by_name = [d for d in decks if Path(d.source_path).name == upload.name]
    if len(by_name) == 1:
        return DeckMatch(upload.name, title, by_name[0], "file name")
    by_title = [d for d in decks if read_title and d.title.casefold() == title.casefold()]
    if len(by_title) == 1:
        return DeckMatch(upload.name, title, by_title[0], "title")
    # Several decks share the name or the title: none is updated on a guess.
    clash = (by_name or by_title or [None])[0]
    return DeckMatch(upload.name, title, None, clash=clash)


def _sources(uploads: list[Upload], matches: list[DeckMatch] | None = None) -> list[NoteSource]:
    paths = [m.source_path for m in matches] if matches else [own_path(u.name) for u in uploads]
    return [
        NoteSource(name=u.name, data=u.data, source_path=path)
        for u, path in zip(uploads, paths, strict=True)
    ]


def preview_uploads(
    *,
    uploads: list[Upload],
    matches: list[DeckMatch] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """What importing the uploads would do (a dry run: nothing is written anywhere)."""
    return import_notes(
        sources=_sources(uploads, matches), dry_run=True, show_cards=True, progress=progress
    )


def preview_staged(
    *, staged: list[dict[str, str]], progress: Progress | None = None
) -> ImportReport:
    """The dry run of staged uploads, each against the deck it was matched to at upload."""
    uploads = read_staged(staged=staged)
    sources = _staged_sources(uploads, staged, "match_path")
    return import_notes(sources=sources, dry_run=True, show_cards=True, progress=progress)


def _staged_sources(
    uploads: list[Upload], staged: list[dict[str, str]], key: str
) -> list[NoteSource]:
    return [
        NoteSource(u.name, u.data, item.get(key) or own_path(u.name))
        for u, item in zip(uploads, staged, strict=True)
    ]


def upload_coverage(uploads: list[Upload]) -> dict[str, Coverage]:
    """Each upload's coverage: the share of its content lines in some card, and the rest."""
    found = {u.name: measure_bytes(u.data, name=u.name) for u in uploads}
    return {name: c for name, c in found.items() if c is not None}


def runs_in_background(sizes: list[int]) -> bool:
    """Whether uploads this big are checked and applied by the task worker, not the request."""
    return sum(sizes) > BACKGROUND_MIN_BYTES


def read_staged(*, staged: list[dict[str, str]]) -> list[Upload]:
    """The previewed uploads' bytes, back from staging; UploadError if one is gone or changed."""
    uploads: list[Upload] = []
    for item in staged:
        path = _staging_dir() / f"{item['sha256']}.md"
        try:
            data = path.read_bytes()
        except OSError:
            raise UploadError(
                f"{item['name']}: the previewed file is gone; upload it again"
            ) from None
        upload = Upload(name=item["name"], data=data)
        if upload.sha256 != item["sha256"]:
            raise UploadError(f"{item['name']}: changed since the preview; upload it again")
        uploads.append(upload)
    return uploads


def stage_uploads(*, uploads: list[Upload]) -> list[dict[str, str]]:
    """Keep the uploads' bytes until confirm; returns what to remember (name and hash)."""
    folder = _staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Previews nobody confirmed: their bytes are not kept for ever.
    cutoff = time.time() - STAGING_MAX_AGE_SECONDS
    for old in folder.glob("*.md"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    for upload in uploads:
        _write_atomic(folder / f"{upload.sha256}.md", upload.data)
    return [{"name": u.name, "sha256": u.sha256} for u in uploads]


def apply_staged(*, staged: list[dict[str, str]], progress: Progress | None = None) -> ImportReport:
    """Import the previewed uploads; on success keep each as `NOTES_UPLOAD_DIR/<name>`.

    Each staged item may name the deck it updates (`source_path`, decided at preview and
    confirmed by the author); without one the upload is its own deck.
    Raises UploadError if a staged file is gone or its bytes no longer match the preview.
    """
    uploads = read_staged(staged=staged)
    sources = _staged_sources(uploads, staged, "source_path")
    report = import_notes(sources=sources, dry_run=False, show_cards=True, progress=progress)
    if report.ok:
        for upload in uploads:
            _write_atomic(upload_dir() / upload.name, upload.data)
            (_staging_dir() / f"{upload.sha256}.md").unlink(missing_ok=True)
    return report


def _write_atomic(path: Path, data: bytes) -> None:
    # A reader (or a crash) never sees half a file: write beside it, then rename over it.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
