"""Cards out to Anki (an `.apkg` package, or Anki's CSV import format), and a learner's log.

The functions take cards (and topics) already loaded and return bytes or text; views and the
`export_deck` command choose the cards. Anki matches notes on their GUID, and each GUID is
derived from the card's stable key, so importing a newer export updates the notes already in
Anki instead of adding copies.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

import genanki
from django.conf import settings
from django.db.models import Q, QuerySet

from quiz.models import TOPIC_SEPARATOR, Card, Deck, Review, Topic

# Fixed for ever: Anki knows a note type by its id, so a re-export must reuse them.
BASIC_MODEL_ID = 1_730_114_201
CLOZE_MODEL_ID = 1_730_114_202

_CSS = """
.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left; }
.breadcrumb { margin-top: 1.5em; font-size: 12px; color: #888; }
img { max-width: 100%; }
"""
_BREADCRUMB = '<div class="breadcrumb">{{Breadcrumb}}</div>'

BASIC_MODEL = genanki.Model(
    BASIC_MODEL_ID,
    "Notebank Basic",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Breadcrumb"}, {"name": "Key"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}' + _BREADCRUMB,
        }
    ],
    css=_CSS,
)
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "Notebank Cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Breadcrumb"}, {"name": "Key"}],
    templates=[
        {
            "name": "Cloze",
            "qfmt": "{{cloze:Text}}",
            "afmt": "{{cloze:Text}}<br>{{Back Extra}}" + _BREADCRUMB,
        }
    ],
    css=_CSS,
    model_type=genanki.Model.CLOZE,
)

_MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def select_cards(*, deck: Deck, topic: Topic | None = None) -> QuerySet[Card]:
    """A deck's active cards, or a topic's and its subtopics', in notes order."""
    cards = deck.cards.filter(status=Card.Status.ACTIVE)
    if topic is not None:
        cards = cards.filter(
            Q(topic__path=topic.path) | Q(topic__path__startswith=topic.path + TOPIC_SEPARATOR)
        )
    return cards.select_related("deck", "topic__deck").order_by("order", "pk")


def select_topics(*, deck: Deck, topic: Topic | None = None) -> list[Topic]:
    """The deck's active topics, or a topic and those below it: the Anki deck tree."""
    topics = list(deck.topics.filter(is_active=True).select_related("deck"))
    if topic is None:
        return topics
    below = topic.path + TOPIC_SEPARATOR
    return [t for t in topics if t.path == topic.path or t.path.startswith(below)]


def anki_guid(card: Card) -> str:
    return genanki.guid_for(card.key)


def anki_deck_name(card_or_topic: Card | Topic) -> str:
    """`Deck::Topic::Subtopic`: the topic path, under the deck's title if it is not its root."""
    topic = card_or_topic.topic if isinstance(card_or_topic, Card) else card_or_topic
    parts = topic.path.split(TOPIC_SEPARATOR)
    if parts[0] != topic.deck.title:
        parts.insert(0, topic.deck.title)
    # "::" is Anki's level separator, so it cannot appear inside one level's name.
    return "::".join(p.replace("::", ":").strip() or "-" for p in parts)


def anki_deck_id(name: str) -> int:
    """A stable id from the deck name, in the range genanki recommends (2**30 to 2**31)."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


def cloze_text(answer_html: str) -> str | None:
    """The cloze answer's `<mark>` parts as Anki clozes `{{c1::...}}`, `{{c2::...}}`."""
    counter = itertools.count(1)

    def cloze(m: re.Match[str]) -> str:
        # "::" would start a hint and "}}" would end the cloze early; entities keep the text.
        part = m.group(1).replace("::", ":&#58;").replace("}}", "}&#125;")
        return f"{{{{c{next(counter)}::{part}}}}}"

    text = _MARK_RE.sub(cloze, answer_html)
    return text if text != answer_html else None


def _media_src_re() -> re.Pattern[str]:
    prefix = re.escape(f"/{settings.MEDIA_URL.strip('/')}/")
    return re.compile(rf'(<img\b[^>]*?\bsrc=")({prefix})([^"]+)(")')


def with_local_media(html: str, media: dict[str, Path]) -> str:
    """Point imported images at bare file names, as Anki's media folder wants; note the files.

    An image file that is no longer in MEDIA_ROOT keeps its URL (it shows as broken in Anki).
    """
    root = Path(settings.MEDIA_ROOT)

    def local(m: re.Match[str]) -> str:
        path = root / m.group(3)
        if not path.is_file():
            return m.group(0)
        media[path.name] = path
        return f"{m.group(1)}{path.name}{m.group(4)}"

    return _media_src_re().sub(local, html)


def _note(card: Card, media: dict[str, Path]) -> genanki.Note:
    breadcrumb = escape(card.topic.breadcrumb)
    prompt = with_local_media(card.prompt_html, media)
    answer = with_local_media(card.answer_html, media)
    tags = ["notebank", card.kind]
    cloze = cloze_text(answer) if card.kind == Card.Kind.CLOZE else None
    if cloze is not None:
        fields = [cloze, "", breadcrumb, card.key]
        return genanki.Note(CLOZE_MODEL, fields, guid=anki_guid(card), tags=tags)
    fields = [prompt, answer, breadcrumb, card.key]
    return genanki.Note(BASIC_MODEL, fields, guid=anki_guid(card), tags=tags)


def anki_package(*, cards: Iterable[Card], topics: Sequence[Topic] = ()) -> bytes:
    """An `.apkg`: one Anki deck per topic (`Deck::Topic::Subtopic`), images as media.

    `topics` adds decks for topics without cards, so the hierarchy arrives whole.
    """
    decks: dict[str, genanki.Deck] = {}

    def deck_for(name: str) -> genanki.Deck:
        if name not in decks:
            decks[name] = genanki.Deck(anki_deck_id(name), name)
        return decks[name]

    for topic in topics:
        deck_for(anki_deck_name(topic))
    media: dict[str, Path] = {}
    for card in cards:
        deck_for(anki_deck_name(card)).add_note(_note(card, media))
    package = genanki.Package(list(decks.values()), media_files=[str(p) for p in media.values()])
    return _package_bytes(package)


def _package_bytes(package: genanki.Package) -> bytes:
    # genanki's write_to_file leaves its temporary database behind; this does the same work
    # in a folder that is removed afterwards, and returns the zip as bytes.
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        timestamp = time.time()
        package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        conn.commit()
        conn.close()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(db_path, "collection.anki2")
            files = dict(enumerate(package.media_files))
            zf.writestr("media", json.dumps({str(i): Path(p).name for i, p in files.items()}))
            for i, path in files.items():
                zf.write(path, str(i))
        return out.getvalue()


CSV_COLUMNS = ["guid", "notetype", "deck", "front", "back", "breadcrumb", "key", "tags"]


def anki_csv(*, cards: Iterable[Card], separator: str = ",") -> str:
    """Anki's CSV import format, with the file headers that tell Anki what each column is.

    Note types are Anki's stock "Basic" (Front, Back) and "Cloze" (Text, Back Extra), so the
    file imports into any collection; the breadcrumb and key columns follow them. Images keep
    their URLs (a CSV cannot carry media; use the .apkg for that).
    """
    names = {",": "Comma", "\t": "Tab", ";": "Semicolon"}
    out = io.StringIO()
    out.write(f"#separator:{names[separator]}\n#html:true\n")
    out.write(f"#columns:{separator.join(CSV_COLUMNS)}\n")
    for header in ("guid", "notetype", "deck", "tags"):
        out.write(f"#{header} column:{CSV_COLUMNS.index(header) + 1}\n")
    # Every field quoted, so no row can start with "#" and be read as a header.
    writer = csv.writer(out, delimiter=separator, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for card in cards:
        cloze = cloze_text(card.answer_html) if card.kind == Card.Kind.CLOZE else None
        front, back, notetype = (
            (cloze, "", "Cloze") if cloze else (card.prompt_html, card.answer_html, "Basic")
        )
        writer.writerow(
            [
                anki_guid(card),
                notetype,
                anki_deck_name(card),
                front,
                back,
                escape(card.topic.breadcrumb),
                card.key,
                f"notebank {card.kind}",
            ]
        )
    return out.getvalue()


REVIEW_LOG_COLUMNS = [
    "reviewed_at",
    "card_key",
    "deck",
    "topic",
    "prompt",
    "rating",
    "duration_ms",
    "undone",
    "source",
]


def review_log_csv(*, reviews: Iterable[Review]) -> str:
    """One learner's reviews, oldest first as given; times in ISO 8601 with their offset."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REVIEW_LOG_COLUMNS)
    for r in reviews:
        writer.writerow(
            [
                r.reviewed_at.isoformat(),
                r.card.key,
                r.card.deck.title,
                r.card.topic.path,
                r.card.prompt_md,
                Review.Rating(r.rating).label,
                "" if r.duration_ms is None else r.duration_ms,
                "yes" if r.undone else "no",
                r.source,
            ]
        )
    return out.getvalue()
