"""Uploading notes that match a deck imported some other way updates that deck (history kept)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quiz.models import Card, CardState, Deck
from tests.factory import import_text, make_user

pytestmark = pytest.mark.django_db

NOTES = """
# Streaming

## Kinesis

What is a shard?::A unit of capacity in a stream
How long are records kept by default?::24 hours
"""


@pytest.fixture
def upload_dir(settings, tmp_path: Path) -> Path:
    settings.NOTES_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def staff() -> Client:
    user = make_user("editor", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def preview(client: Client, name: str, text: str) -> str:
    response = client.post(
        reverse("admin:quiz_deck_upload"),
        {"files": [SimpleUploadedFile(name, text.encode())]},
    )
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def confirm(client: Client, html: str, **choices: str):
    token = html.split('name="token" value="')[1].split('"')[0]
    return client.post(reverse("admin:quiz_deck_upload_confirm"), {"token": token, **choices})


def learner_history(deck: Deck) -> CardState:
    user = make_user("learner")
    card = deck.cards.get(prompt_md="What is a shard?")
    return CardState.objects.create(
        user=user, card=card, deck=deck, topic=card.topic, reps=3, due=timezone.now()
    )


def test_upload_matching_a_deck_by_title_updates_it_and_keeps_history(
    staff: Client, upload_dir: Path, tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path / "content", NOTES, name="01-streaming.md")
    deck = Deck.objects.get()
    state = learner_history(deck)
    edited = NOTES.replace("24 hours", "7 days")

    html = preview(staff, "my-streaming-notes.md", edited)

    assert "Update deck <strong>“Streaming”</strong> (matched by title" in html
    assert "Updated (1)" in html and "Created" not in html.split("upload-summary")[1][:400]
    response = confirm(staff, html)
    assert response.status_code == 302
    assert Deck.objects.count() == 1
    assert Card.objects.get(prompt_md__startswith="How long").answer_md == "7 days"
    state.refresh_from_db()
    assert state.reps == 3 and state.card.deck_id == deck.pk


def test_upload_matching_by_file_name_updates_that_deck(
    staff: Client, upload_dir: Path, tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path / "content", NOTES, name="streaming.md")
    html = preview(staff, "streaming.md", NOTES.replace("# Streaming", "# Streams (v2)"))
    assert "matched by file name" in html
    confirm(staff, html)
    assert Deck.objects.get().title == "Streams (v2)"


def test_a_new_deck_with_a_clashing_title_needs_explicit_confirmation(
    staff: Client, upload_dir: Path, tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path / "content", NOTES, name="01-streaming.md")
    html = preview(staff, "other.md", NOTES)

    refused = confirm(staff, html, deck_0="new")
    assert refused.status_code == 302
    assert Deck.objects.count() == 1  # not created without the tick

    html = preview(staff, "other.md", NOTES)
    confirm(staff, html, deck_0="new", confirm_new_0="1")
    assert sorted(Deck.objects.values_list("slug", flat=True)) == ["streaming", "streaming-2"]


def test_several_decks_with_the_title_are_never_updated_on_a_guess(
    staff: Client, upload_dir: Path, tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path / "a", NOTES, name="a.md")
    import_text(tmp_path / "b", NOTES, name="b.md")
    html = preview(staff, "c.md", NOTES)
    assert "More than one deck matches" in html
    confirm(staff, html)
    assert Deck.objects.count() == 2
    confirm(staff, preview(staff, "c.md", NOTES), confirm_new_0="1")
    assert Deck.objects.count() == 3


def test_a_fresh_title_is_simply_a_new_deck(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    html = preview(staff, "fresh.md", NOTES)
    assert "Creates a new deck <strong>“Streaming”</strong>" in html
    confirm(staff, html)
    assert Deck.objects.get().source_path == str((upload_dir / "fresh.md").resolve())


def test_the_preview_shows_coverage_and_the_uncovered_lines(
    staff: Client, upload_dir: Path, media_root: Path
) -> None:
    html = preview(staff, "cov.md", NOTES + "\nso it goes\n")
    assert "2 of 3 content lines in a card" in html
    assert "line 9: so it goes" in html
