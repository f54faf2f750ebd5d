"""Parsed notes → Deck / Topic / Card rows.

One run is all-or-nothing: every file is read and parsed first; if any has an error, nothing is
written. Otherwise all files are applied in one transaction. A dry run does the same work and
rolls it back, so its report is exactly what a real run would do.

Re-import keeps history: cards are matched by `quiz.notes.identity`, updated in place, and
retired (never deleted) when their item disappears from the notes.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.text import slugify

from quiz import exams
from quiz.models import TOPIC_SEPARATOR, Card, CardRevision, CardState, Deck, Topic
from quiz.notes.decode import MAX_NOTES_BYTES, too_large
from quiz.notes.identity import Existing, Incoming, card_key, disambiguate, match_cards
from quiz.notes.identity import normalise_prompt as normalise
from quiz.notes.load import LoadedNotes, load_notes, locate_image, notes_digest
from quiz.notes.types import CARD_KINDS, NotesError, ParsedCard
from quiz.sims.link import suggest_simulation, validate_sim_block


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    decks: int = 0
    topics: int = 0
    # What the run creates or changes besides cards: a file can add a deck and topics and no
    # card, and that is not "nothing changed".
    decks_created: int = 0
    topics_changed: Counter[str] = field(default_factory=Counter)  # created, updated, retired
    cards: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    card_list: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        """Whether the run creates, changes or retires anything at all."""
        return bool(
            self.decks_created
            or any(self.topics_changed.values())
            or any(self.cards.get(k) for k in ("created", "updated", "retired", "conflicts"))
        )

    def as_dict(self, *, show_cards: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "files": self.files,
            "decks": self.decks,
            "topics": self.topics,
            "decks_created": self.decks_created,
            "topic_changes": {
                k: self.topics_changed.get(k, 0) for k in ("created", "updated", "retired")
            },
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

    def discard_changes(self) -> None:
        """After a rollback: what was counted did not happen."""
        self.decks = self.topics = self.decks_created = 0
        self.topics_changed.clear()
        self.cards.clear()
        self.by_kind.clear()
        self.card_list.clear()

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
                for name in sorted(names):
                    file = Path(folder) / name
                    if not name.lower().endswith(".md"):
                        continue
                    if file.is_file():
                        below.append(file)
                    else:  # a link to nowhere, or to itself
                        report.error(str(file), "a broken or looping symlink, not a file")
            if not below:
                report.error(str(raw), "folder holds no .md files")
            found.extend(sorted(below))
        elif path.is_file():
            found.append(path)
        else:
            report.error(str(raw), "not a regular file")
    unique: dict[Path, Path] = {}
    for p in found:
        try:
            unique.setdefault(p.resolve(), p)
        except (OSError, RuntimeError):  # a link loop made between the walk and now
            report.error(str(p), "a broken or looping symlink, not a file")
    return list(unique.values())


# Below this much notes text, worker processes cost more to start than they save.
PARALLEL_MIN_BYTES = 2_000_000


@dataclass(frozen=True)
class NoteSource:
    """A notes file held in memory (an upload), imported as if it lived at `source_path`.

    `source_path` is the deck's identity, as for a file on disk; `name` labels it in the report.
    """

    name: str
    data: bytes
    source_path: str


def _read_notes_file(path: Path) -> bytes | OSError | NotesError:
    """The file's bytes, or why not. The size is checked before reading, so a huge file costs
    no memory (and a file that grows while being read is cut off just past the limit)."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTES_BYTES:
            return too_large(size)
        with path.open("rb") as handle:
            data = handle.read(MAX_NOTES_BYTES + 1)
    except OSError as exc:
        return exc
    return too_large(len(data)) if len(data) > MAX_NOTES_BYTES else data


def _load_each(files: list[Path], sources: Sequence[NoteSource]) -> Iterator[LoadedNotes]:
    """Every file's LoadedNotes, in order. Changed files are parsed and rendered in worker
    processes when there is enough text to pay for starting them, so the caller stores one file
    in the database while the next ones are still being parsed."""
    known = dict(Deck.objects.values_list("source_path", "content_hash"))
    inputs: list[tuple[str, str, bytes | Exception]] = []
    for f in files:
        inputs.append((str(f), str(f.resolve()), _read_notes_file(f)))
    inputs.extend((s.name, s.source_path, s.data) for s in sources)
    digests = [d if isinstance(d, Exception) else notes_digest(d) for _, _, d in inputs]
    changed = [
        i
        for i, (_, path, data) in enumerate(inputs)
        if isinstance(data, bytes) and known.get(path) != digests[i]
    ]
    changed_set = set(changed)
    changed_bytes = sum(len(inputs[i][2]) for i in changed)  # type: ignore[arg-type]
    workers = min(len(changed), os.cpu_count() or 1)
    pool = None
    futures: dict[int, Future[LoadedNotes]] = {}
    if workers >= 2 and changed_bytes >= PARALLEL_MIN_BYTES:
        # spawn, not fork: a forked child would share this process's database connection.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        for i in changed:
            label, path, data = inputs[i]
            futures[i] = pool.submit(load_notes, label, path, data, settings.MEDIA_URL)
    try:
        for i, (label, path, data) in enumerate(inputs):
            if isinstance(data, NotesError):
                yield LoadedNotes(path=label, source_path=path, error=data)
            elif isinstance(data, OSError):
                error = NotesError(f"cannot read: {data.strerror or data}")
                yield LoadedNotes(path=label, source_path=path, error=error)
            elif i in futures:
                yield futures[i].result()
            elif i not in changed_set:
                yield LoadedNotes(label, path, digest=str(digests[i]), unchanged=True)
            else:
                yield load_notes(label, path, data, settings.MEDIA_URL)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


@dataclass
class ImportProgress:
    """How far a run is, for a progress bar: files done of all, their bytes, cards so far."""

    files_total: int
    bytes_total: int
    started: float = field(default_factory=time.monotonic)
    files_done: int = 0
    bytes_done: int = 0
    cards: int = 0
    finished: bool = False

    @property
    def seconds_left(self) -> float | None:
        """Estimated from the bytes done so far (None until there is something to go by)."""
        if self.finished:
            return 0.0
        if not self.bytes_done:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed * (self.bytes_total - self.bytes_done) / self.bytes_done


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def import_notes(
    *,
    paths: Sequence[str | os.PathLike[str]] = (),
    sources: Sequence[NoteSource] = (),
    dry_run: bool = False,
    show_cards: bool = False,
    progress: Callable[[ImportProgress], None] | None = None,
) -> ImportReport:
    """Import note files (`paths`) and in-memory notes (`sources`) in one all-or-nothing run.

    `progress`, if given, is called before the first file and after each one."""
    report = ImportReport(dry_run=dry_run)
    files = find_note_files(paths, report)
    report.files = [str(f) for f in files] + [s.name for s in sources]
    sizes = [_size(f) for f in files] + [len(s.data) for s in sources]
    state = ImportProgress(files_total=len(sizes), bytes_total=sum(sizes))
    if progress is not None:
        progress(state)
    try:
        with transaction.atomic():
            for size, item in zip(sizes, _load_each(files, sources), strict=True):
                if item.error is not None:
                    _report_error(report, item)
                elif not report.errors:
                    # Stored as soon as it is parsed; a later file's error rolls it back.
                    _apply_file(item, report, dry_run=dry_run, show_cards=show_cards)
                if progress is not None:
                    state.files_done += 1
                    state.bytes_done += size
                    state.cards = sum(report.cards.values())
                    progress(state)
            if report.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if report.errors:
        report.discard_changes()
    if progress is not None:
        state.finished = True
        progress(state)
    return report


def _report_error(report: ImportReport, item: LoadedNotes) -> None:
    exc = item.error
    assert exc is not None
    message = exc.message
    if not exc.line and exc.offset is not None and "offset" not in message:
        message = f"{message} (byte {exc.offset})"
    report.error(item.path, message, exc.line)


def store_image(folder: Path, src: str, *, dry_run: bool = False) -> str | None:
    """Copy the image `src` (relative to `folder`) into MEDIA_ROOT; its URL, or None if missing."""
    found = locate_image(folder, src)
    if found is None:
        return None
    name, target = found
    if not dry_run:
        _copy_media(name, target)
    return f"/{settings.MEDIA_URL.strip('/')}/{name}"


def _copy_media(name: str, source: str | Path) -> None:
    dest = Path(settings.MEDIA_ROOT) / name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)


def _unique_slug(base: str) -> str:
    base = slugify(base)[:180] or "deck"
    slug, n = base, 2
    while Deck.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _copy_images(item: LoadedNotes) -> None:
    for name, source in item.image_files.items():
        _copy_media(name, source)


def _apply_file(
    item: LoadedNotes, report: ImportReport, *, dry_run: bool, show_cards: bool
) -> None:
    deck = Deck.objects.filter(source_path=item.source_path).first()
    report.decks += 1
    if item.unchanged and deck is not None:
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

    parsed = item.parsed
    assert parsed is not None
    for w in sorted([*parsed.warnings, *item.image_warnings], key=lambda w: w.line):
        report.warnings.append({"file": item.path, "line": w.line, "message": w.message})
    if not dry_run:
        _copy_images(item)
    if not parsed.cards:
        report.warnings.append(
            {
                "file": item.path,
                "line": None,
                "message": "no cards: nothing in this file reads as a card (see What becomes "
                "a card); its topics are imported",
            }
        )
    if deck is None:
        deck = Deck.objects.create(
            title=parsed.title[:300], slug=_unique_slug(parsed.title), source_path=item.source_path
        )
        report.decks_created += 1
    else:
        deck.title = parsed.title[:300]
    deck.tags, deck.aliases = parsed.tags, parsed.aliases
    deck.content_hash = item.digest
    deck.exam_blueprint = item.exam_blueprint
    deck.imported_at = timezone.now()
    deck.save()

    topics = _apply_topics(deck, item, report)
    _apply_cards(deck, item, topics, report, show_cards=show_cards)
    # Which cards an exam can ask depends on the whole deck; the generator's check grows with the
    # square of the deck's size (seconds at a few thousand cards), so it is not run here but once
    # on the next visit to the exams page.
    exams.bank_changed(deck_ids=[deck.pk])


def _topic_path(path: tuple[str, ...]) -> str:
    return TOPIC_SEPARATOR.join(path)


def _parent_path(path: str) -> str | None:
    return path.rsplit(TOPIC_SEPARATOR, 1)[0] if TOPIC_SEPARATOR in path else None


_WantedTopic = tuple[str, str, int, int, int, str, str]


def _merge_repeated_headings(item: LoadedNotes, report: ImportReport) -> list[_WantedTopic]:
    """(path, title, level, order, line, body, body_html) per topic path, in notes order.

    A topic is its path (deck › heading › subheading), so two headings with the same text under
    one parent ("## Summary" twice) are one topic: the first section's place, both sections'
    text, and every card of both (their identities hang on the path, so re-imports keep them
    whatever the order of the sections)."""
    parsed = item.parsed
    assert parsed is not None
    merged: dict[str, list[Any]] = {}
    for t, html in zip(parsed.topics, item.topic_html, strict=True):
        path = _topic_path(t.path)
        first = merged.get(path)
        if first is None:
            merged[path] = [path, t.title, t.level, t.order, t.line, t.body, html]
            continue
        first[5] = "\n\n".join(b for b in (first[5], t.body) if b.strip())
        first[6] = "\n".join(h for h in (first[6], html) if h)
        where = f" under {TOPIC_SEPARATOR.join(t.path[:-1])!r}" if len(t.path) > 1 else ""
        report.warnings.append(
            {
                "file": item.path,
                "line": t.line,
                "message": f"heading {t.title!r} appears again{where} (first at line "
                f"{first[4]}): both sections are one topic",
            }
        )
    return [tuple(w) for w in merged.values()]  # type: ignore[misc]


def _apply_topics(deck: Deck, item: LoadedNotes, report: ImportReport) -> dict[str, Topic]:
    parsed = item.parsed
    assert parsed is not None
    existing = {t.path: t for t in deck.topics.all()}
    sims_by_topic: dict[str, list[dict[str, Any]]] = {}
    for sim in parsed.sims:
        spec, problem = validate_sim_block(sim.params)
        if problem:
            report.warnings.append({"file": item.path, "line": sim.line, "message": problem})
        else:
            sims_by_topic.setdefault(_topic_path(sim.topic_path), []).append(spec)

    wanted = _merge_repeated_headings(item, report)
    # Cards that sit above the first heading belong to a topic named after the deck.
    if any(not c.topic_path for c in parsed.cards) or not wanted:
        wanted.insert(0, (deck.title, deck.title, 0, 0, 0, "", ""))

    result: dict[str, Topic] = {}
    new_by_depth: dict[int, list[Topic]] = {}
    to_update: list[Topic] = []
    before: dict[int, tuple[Any, ...]] = {}
    for path, title, level, order, line, body, body_html in wanted:
        topic = existing.get(path)
        if topic is None:
            topic = Topic(deck=deck, path=path)
            new_by_depth.setdefault(path.count(TOPIC_SEPARATOR), []).append(topic)
        else:
            to_update.append(topic)
            before[topic.pk] = _topic_content(topic)
        topic.title, topic.level, topic.order, topic.line = title[:500], level, order, line
        topic.body_md, topic.body_html, topic.is_active = body, body_html, True
        topic.sims = sims_by_topic.get(path, [])
        result[path] = topic
    # Shallowest first, so each new topic's parent already has a primary key.
    for depth in sorted(new_by_depth):
        for topic in new_by_depth[depth]:
            parent = _parent_path(topic.path)
            topic.parent = result.get(parent) if parent else None
        Topic.objects.bulk_create(new_by_depth[depth], batch_size=500)
    for topic in to_update:
        parent = _parent_path(topic.path)
        topic.parent = result.get(parent) if parent else None
    # Every topic is saved (its line and order follow the notes), but a moved line is not news:
    # new text, a new title or parent, a topic back from retirement are.
    updated = sum(1 for t in to_update if _topic_content(t) != before[t.pk])
    fields = ["parent", "title", "level", "order", "line", "body_md", "body_html", "sims"]
    Topic.objects.bulk_update(to_update, [*fields, "is_active"], batch_size=500)
    gone = [t.pk for p, t in existing.items() if p not in result and t.is_active]
    if gone:
        Topic.objects.filter(pk__in=gone).update(is_active=False)
    report.topics += len(result)
    report.topics_changed["created"] += sum(len(new) for new in new_by_depth.values())
    report.topics_changed["updated"] += updated
    report.topics_changed["retired"] += len(gone)
    return result


def _topic_content(topic: Topic) -> tuple[Any, ...]:
    return (
        topic.parent_id, topic.title, topic.level, topic.body_md, topic.body_html, topic.sims,
        topic.is_active,
    )  # fmt: skip


def _card_entry(card: Card, change: str, before: tuple[str, str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
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


@dataclass
class _Incoming:
    """A parsed card with everything the database row needs."""

    parsed: ParsedCard
    topic: Topic
    match_text: str
    order: int
    prompt_html: str
    answer_html: str

    @cached_property
    def sim(self) -> dict[str, Any] | None:
        """The section's ```sim block, else one suggested from the card's own words."""
        if self.topic.sims:
            return self.topic.sims[0]
        return suggest_simulation(self.topic.path, self.parsed.prompt, self.parsed.answer)


def _apply_cards(
    deck: Deck,
    item: LoadedNotes,
    topics: dict[str, Topic],
    report: ImportReport,
    *,
    show_cards: bool,
) -> None:
    parsed = item.parsed
    assert parsed is not None
    stored = list(deck.cards.filter(kind__in=CARD_KINDS).select_related("topic"))
    by_id = {c.pk: c for c in stored}
    taken_keys = set(deck.cards.values_list("key", flat=True))

    paths = [(_topic_path(c.topic_path) or deck.title) for c in parsed.cards]
    texts = disambiguate((p, normalise(c.prompt)) for p, c in zip(paths, parsed.cards, strict=True))
    incoming = [
        _Incoming(card, topics[path], text, order, prompt_html, answer_html)
        for order, (card, path, text, (prompt_html, answer_html)) in enumerate(
            zip(parsed.cards, paths, texts, item.card_html, strict=True)
        )
    ]
    matches = match_cards(
        [
            Existing(c.pk, c.topic.path, c.match_text, c.kind, normalise(c.notes_answer_md))
            for c in stored
        ],
        [
            Incoming(i.topic.path, i.match_text, i.parsed.kind, normalise(i.parsed.answer))
            for i in incoming
        ],
    )

    to_create: list[Card] = []
    to_update: list[Card] = []
    new_topic: list[int] = []  # cards moved to another topic: learners' states follow them
    entries: list[tuple[Card, str, tuple[str, str] | None]] = []
    for new, match in zip(incoming, matches, strict=True):
        report.by_kind[new.parsed.kind] += 1
        if match is None:
            card = Card(deck=deck, key=_new_key(deck, new.topic.path, new.match_text, taken_keys))
            _fill(card, new)
            to_create.append(card)
            change, before = "created", None
        else:
            card = by_id[match]
            before = (card.prompt_md, card.answer_md)
            moved = _moved(card, new)
            if card.topic_id != new.topic.pk:
                new_topic.append(card.pk)
            change = _update(card, new)
            _place(card, new)
            if change != "unchanged" or moved:
                to_update.append(card)
        report.cards[change] += 1
        entries.append((card, change, before))

    _insert(Card, to_create)
    Card.objects.bulk_update(
        to_update,
        [
            "topic", "kind", "match_text", "prompt_md", "prompt_html", "answer_md", "answer_html",
            "items", "term", "tags", "sim", "source_line", "order", "status", "notes_prompt_md",
            "notes_answer_md", "updated_at",
        ],
        batch_size=500,
    )  # fmt: skip
    # The statistics read each state's topic from the state itself (denormalised).
    CardState.sync_topics(new_topic)
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


def _insert(model: type[Card], objects: list[Card], batch_size: int = 500) -> None:
    """INSERT many new rows with one prepared statement per batch.

    `bulk_create` compiles SQL for every value of every row, which costs more than the insert
    itself on a big import; here each value is prepared once by its own field (the same
    conversion Django applies) and the database driver gets `executemany`. Primary keys are
    not read back: callers that need them use `bulk_create`.
    """
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    db = connections[model.objects.db]  # the connection itself, not the per-thread proxy
    qn = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with db.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            rows = [
                [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
                for obj in objects[start : start + batch_size]
            ]
            cursor.executemany(sql, rows)


def _new_key(deck: Deck, path: str, text: str, taken: set[str]) -> str:
    key = card_key(deck.slug, path, text)
    n = 2
    while key in taken:
        key = card_key(deck.slug, path, f"{text} #{n}")
        n += 1
    taken.add(key)
    return key


def _moved(card: Card, new: _Incoming) -> bool:
    return (card.topic_id, card.order, card.source_line, card.match_text) != (
        new.topic.pk,
        new.order,
        new.parsed.line,
        new.match_text,
    )


def _place(card: Card, new: _Incoming) -> None:
    """Where the card stands in the notes: kept current even when its content is unchanged."""
    card.topic = new.topic
    card.order = new.order
    card.source_line = new.parsed.line
    card.match_text = new.match_text


def _fill(card: Card, new: _Incoming) -> None:
    _place(card, new)
    card.kind = new.parsed.kind
    card.prompt_md = new.parsed.prompt
    card.prompt_html = new.prompt_html
    card.answer_md = new.parsed.answer
    card.answer_html = new.answer_html
    card.items = list(new.parsed.items)
    card.term = new.parsed.term[:300]
    card.tags = list(new.parsed.tags)
    card.sim = new.sim
    card.status = Card.Status.ACTIVE
    card.notes_prompt_md = new.parsed.prompt
    card.notes_answer_md = new.parsed.answer
    card.updated_at = timezone.now()


def _content(card: Card) -> tuple[Any, ...]:
    return (
        card.kind, card.prompt_md, card.prompt_html, card.answer_md, card.answer_html,
        card.items, card.term, card.tags, card.sim, card.status,
    )  # fmt: skip


def _update(card: Card, new: _Incoming) -> str:
    """Bring a stored card up to the notes; say whether it was updated, unchanged or a conflict."""
    was_retired = card.status != Card.Status.ACTIVE
    if card.edited_in_admin:
        # The admin's text wins; keep the notes' text beside it so an author can release it.
        notes_before = (card.notes_prompt_md, card.notes_answer_md)
        notes_now = (new.parsed.prompt, new.parsed.answer)
        card.notes_prompt_md, card.notes_answer_md = notes_now
        card.status = Card.Status.ACTIVE
        differs = (card.prompt_md, card.answer_md) != notes_now
        if differs and (notes_before != notes_now or was_retired):
            return "conflicts"
        return "updated" if was_retired else "unchanged"
    before = _content(card)
    _fill(card, new)
    return "updated" if _content(card) != before else "unchanged"
