"""Export to Anki (.apkg and CSV), a learner's review log, and the export_deck command."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import genanki
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from quiz.exporting import anki_csv, anki_package, cloze_text, select_cards, select_topics
from quiz.models import Card, Deck, Review, Topic
from tests.factory import import_text, make_user

pytestmark = pytest.mark.django_db

NOTES = """
# Streaming

## Kinesis

What is a shard?::A unit of capacity in a stream

### Retention

How long are records kept by default?::24 hours

## Queues

Messages are kept for ==4 days== by default and at most 14 days.

Architecture?::![diagram](img/arch.png)
"""
PNG = b"\x89PNG\r\n\x1a\nfake image"


@pytest.fixture
def deck(tmp_path: Path, media_root: Path) -> Deck:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "arch.png").write_bytes(PNG)
    import_text(tmp_path, NOTES)
    return Deck.objects.get()


def open_apkg(data: bytes, tmp_path: Path) -> dict:
    """Read an .apkg as Anki would: a zip with a SQLite collection and a media map."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        media_map = json.loads(zf.read("media"))
        media = {name: zf.read(index) for index, name in media_map.items()}
        db = tmp_path / "collection.anki2"
        db.write_bytes(zf.read("collection.anki2"))
    conn = sqlite3.connect(db)
    notes = conn.execute("SELECT id, guid, mid, flds, tags FROM notes").fetchall()
    cards = conn.execute("SELECT nid, did, ord FROM cards").fetchall()
    decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    conn.close()
    return {
        "notes": [
            {"id": n[0], "guid": n[1], "mid": n[2], "fields": n[3].split("\x1f"), "tags": n[4]}
            for n in notes
        ],
        "cards": cards,
        "decks": {int(k): v["name"] for k, v in decks.items()},
        "models": models,
        "media": media,
    }


def test_apkg_holds_every_card_with_guid_from_its_key(deck: Deck, tmp_path: Path) -> None:
    cards = list(select_cards(deck=deck))
    apkg = open_apkg(anki_package(cards=cards, topics=select_topics(deck=deck)), tmp_path)

    assert len(apkg["notes"]) == len(cards) == 4
    by_guid = {n["guid"]: n for n in apkg["notes"]}
    assert set(by_guid) == {genanki.guid_for(c.key) for c in cards}
    shard = Card.objects.get(prompt_md="What is a shard?")
    note = by_guid[genanki.guid_for(shard.key)]
    assert note["fields"] == [
        "<p>What is a shard?</p>",
        "<p>A unit of capacity in a stream</p>",
        "Streaming › Kinesis",
        shard.key,
    ]
    # One Anki card per note (a Notebank cloze card hides one deletion: c1 only).
    assert len(apkg["cards"]) == 4


def test_apkg_deck_hierarchy_follows_the_topics(deck: Deck, tmp_path: Path) -> None:
    cards = list(select_cards(deck=deck))
    apkg = open_apkg(anki_package(cards=cards, topics=select_topics(deck=deck)), tmp_path)

    names = set(apkg["decks"].values())
    assert {
        "Streaming",
        "Streaming::Kinesis",
        "Streaming::Kinesis::Retention",
        "Streaming::Queues",
    } <= names
    retention = Card.objects.get(prompt_md__startswith="How long")
    note = next(n for n in apkg["notes"] if n["guid"] == genanki.guid_for(retention.key))
    (did,) = [c[1] for c in apkg["cards"] if c[0] == note["id"]]
    assert apkg["decks"][did] == "Streaming::Kinesis::Retention"


def test_cloze_card_becomes_an_anki_cloze_note(deck: Deck, tmp_path: Path) -> None:
    apkg = open_apkg(anki_package(cards=select_cards(deck=deck)), tmp_path)

    cloze = Card.objects.get(kind=Card.Kind.CLOZE)
    note = next(n for n in apkg["notes"] if n["guid"] == genanki.guid_for(cloze.key))
    assert apkg["models"][str(note["mid"])]["type"] == 1  # Anki's cloze note type
    assert note["fields"][0] == (
        "<p>Messages are kept for {{c1::4 days}} by default and at most 14 days.</p>"
    )
    assert sorted(c[2] for c in apkg["cards"] if c[0] == note["id"]) == [0]


def test_images_travel_as_media_with_bare_file_names(deck: Deck, tmp_path: Path) -> None:
    apkg = open_apkg(anki_package(cards=select_cards(deck=deck)), tmp_path)

    (name,) = apkg["media"]
    assert apkg["media"][name] == PNG
    card = Card.objects.get(prompt_md="Architecture?")
    assert f"/media/notes/{name}" in card.answer_html
    note = next(n for n in apkg["notes"] if n["guid"] == genanki.guid_for(card.key))
    assert f'src="{name}"' in note["fields"][1] and "/media/" not in note["fields"][1]


def test_exporting_twice_gives_the_same_guids_and_model_and_deck_ids(
    deck: Deck, tmp_path: Path
) -> None:
    def export() -> tuple:
        data = anki_package(cards=select_cards(deck=deck), topics=select_topics(deck=deck))
        apkg = open_apkg(data, tmp_path)
        return (
            sorted(n["guid"] for n in apkg["notes"]),
            sorted({n["mid"] for n in apkg["notes"]}),
            sorted(apkg["decks"].items()),
        )

    first = export()
    Card.objects.filter(prompt_md="What is a shard?").update(answer_html="<p>edited</p>")
    assert export() == first


def test_topic_export_holds_the_topic_and_its_subtopics(deck: Deck, tmp_path: Path) -> None:
    kinesis = Topic.objects.get(path="Streaming › Kinesis")
    cards = list(select_cards(deck=deck, topic=kinesis))

    apkg = open_apkg(
        anki_package(cards=cards, topics=select_topics(deck=deck, topic=kinesis)), tmp_path
    )

    assert sorted(c.prompt_md for c in cards) == [
        "How long are records kept by default?",
        "What is a shard?",
    ]
    assert set(apkg["decks"].values()) >= {"Streaming::Kinesis", "Streaming::Kinesis::Retention"}
    assert "Streaming::Queues" not in apkg["decks"].values()


def read_anki_csv(text: str) -> tuple[dict[str, str], list[list[str]]]:
    headers = dict(line[1:].split(":", 1) for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return headers, list(csv.reader(io.StringIO(body)))


def test_csv_has_anki_headers_and_matches_the_deck(deck: Deck) -> None:
    cards = list(select_cards(deck=deck))

    headers, rows = read_anki_csv(anki_csv(cards=cards))

    assert headers["separator"] == "Comma" and headers["html"] == "true"
    columns = headers["columns"].split(",")
    assert columns[int(headers["guid column"]) - 1] == "guid"
    assert columns[int(headers["deck column"]) - 1] == "deck"
    assert len(rows) == len(cards)
    by_guid = {r[0]: dict(zip(columns, r, strict=True)) for r in rows}
    for card in cards:
        row = by_guid[genanki.guid_for(card.key)]
        assert row["key"] == card.key
        if card.kind == Card.Kind.CLOZE:
            assert row["notetype"] == "Cloze" and "{{c1::4 days}}" in row["front"]
        else:
            assert (row["notetype"], row["front"], row["back"]) == (
                "Basic",
                card.prompt_html,
                card.answer_html,
            )
    shard = by_guid[genanki.guid_for(Card.objects.get(prompt_md="What is a shard?").key)]
    assert shard["deck"] == "Streaming::Kinesis"


def test_cloze_text_numbers_each_hidden_part() -> None:
    assert cloze_text("<p><mark>a</mark> and <mark>b::c</mark></p>") == (
        "<p>{{c1::a}} and {{c2::b:&#58;c}}</p>"
    )
    assert cloze_text("<p>no marks</p>") is None


def test_retired_cards_are_not_exported(deck: Deck) -> None:
    Card.objects.filter(prompt_md="What is a shard?").update(status=Card.Status.RETIRED)

    _headers, rows = read_anki_csv(anki_csv(cards=select_cards(deck=deck)))

    assert len(rows) == 3


# ---- downloads in the UI ----------------------------------------------------------------


def test_deck_and_topic_pages_offer_downloads(client: Client, deck: Deck, tmp_path: Path) -> None:
    client.force_login(make_user())
    page = client.get(deck.get_absolute_url()).content.decode()
    apkg_url = reverse("deck_export", args=[deck.slug, "apkg"])
    assert apkg_url in page and reverse("my_review_log") in page

    response = client.get(apkg_url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{deck.slug}.apkg"'
    assert len(open_apkg(response.content, tmp_path)["notes"]) == 4

    topic = Topic.objects.get(path="Streaming › Queues")
    page = client.get(topic.get_absolute_url()).content.decode()
    csv_url = reverse("topic_export", args=[topic.pk, "csv"])
    assert csv_url in page
    _headers, rows = read_anki_csv(client.get(csv_url).content.decode())
    assert len(rows) == 2
    assert client.get(reverse("deck_export", args=[deck.slug, "exe"])).status_code == 404


def test_downloads_need_login(client: Client, deck: Deck) -> None:
    response = client.get(reverse("deck_export", args=[deck.slug, "csv"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def add_review(user, card: Card, rating: int, **extra) -> Review:
    return Review.objects.create(
        user=user,
        card=card,
        rating=rating,
        reviewed_at=extra.pop("reviewed_at", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        state_before={},
        state_after={},
        **extra,
    )


def test_review_log_holds_only_the_learners_rows(client: Client, deck: Deck) -> None:
    me, other = make_user("me"), make_user("other")
    shard = Card.objects.get(prompt_md="What is a shard?")
    add_review(me, shard, Review.Rating.GOOD, duration_ms=4200)
    add_review(me, shard, Review.Rating.AGAIN, undone=True, source="exam")
    add_review(other, shard, Review.Rating.EASY)
    client.force_login(me)

    response = client.get(reverse("my_review_log"))

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == 'attachment; filename="my-review-log.csv"'
    assert len(rows) == 2
    assert rows[0] == {
        "reviewed_at": "2026-03-01T09:30:00+00:00",
        "card_key": shard.key,
        "deck": "Streaming",
        "topic": "Streaming › Kinesis",
        "prompt": "What is a shard?",
        "rating": "Good",
        "duration_ms": "4200",
        "undone": "no",
        "source": "study",
    }
    assert (rows[1]["rating"], rows[1]["undone"], rows[1]["source"]) == ("Again", "yes", "exam")
    assert "Easy" not in response.content.decode()


# ---- export_deck ------------------------------------------------------------------------


def test_export_deck_command_writes_apkg_and_csv(deck: Deck, tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "export_deck", deck.slug, "--format", "apkg", "-o", str(tmp_path / "d.apkg"), stdout=out
    )
    assert "Wrote 4 card(s)" in out.getvalue()
    assert len(open_apkg((tmp_path / "d.apkg").read_bytes(), tmp_path)["notes"]) == 4

    topic = Topic.objects.get(path="Streaming › Queues")
    call_command(
        "export_deck", deck.slug, "--format", "csv", "--topic", str(topic.pk),
        "-o", str(tmp_path / "q.csv"), stdout=StringIO(),
    )  # fmt: skip
    _headers, rows = read_anki_csv((tmp_path / "q.csv").read_text())
    assert len(rows) == 2


def test_export_deck_unknown_deck_or_topic_is_a_one_line_error(deck: Deck, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no deck with slug 'nope'"):
        call_command("export_deck", "nope", "-o", str(tmp_path / "x.apkg"))
    with pytest.raises(CommandError, match="has no topic 999999"):
        call_command("export_deck", deck.slug, "--topic", "999999", "-o", str(tmp_path / "x"))
    assert not (tmp_path / "x.apkg").exists()


def test_export_query_count_does_not_grow_per_card(
    tmp_path: Path, media_root: Path, django_assert_max_num_queries
) -> None:
    import_text(tmp_path, "# Many\n\n" + "".join(f"Q{i}?::A{i}\n" for i in range(100)), "m.md")
    deck = Deck.objects.get(title="Many")
    with django_assert_max_num_queries(3):
        anki_package(cards=select_cards(deck=deck), topics=select_topics(deck=deck))
