"""Imports that gave way in the audit: repeated headings, unbounded files, huge files read into
memory, and messages that said "Nothing changed." about a new deck."""

from __future__ import annotations

import json
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from quiz.importing import import_notes
from quiz.models import Card, Deck, Topic
from quiz.notes.limits import MAX_CARDS, MAX_TOPICS
from tests.factory import make_user, write_notes

pytestmark = pytest.mark.django_db

TWO_SUMMARIES = """
# Streams

## Kinesis

What is a shard?::A unit of capacity

## Summary

What keeps order?::The partition key

## Firehose

What does Firehose do?::Delivers streams to stores

## Summary

What buffers records?::Firehose, by size or time
"""


def summary_cards() -> dict[str, str]:
    return dict(Card.objects.filter(topic__title="Summary").values_list("prompt_md", "topic__path"))


def test_two_headings_with_the_same_text_under_one_parent_are_one_topic(
    tmp_path: Path, media_root: Path
) -> None:
    report = import_notes(paths=[write_notes(tmp_path, "streams.md", TWO_SUMMARIES)])

    assert report.ok, report.errors
    (summary,) = Topic.objects.filter(title="Summary")
    assert summary.path == "Streams › Summary" and summary.line == 7
    assert summary_cards() == {
        "What keeps order?": "Streams › Summary",
        "What buffers records?": "Streams › Summary",
    }
    assert report.warnings == [
        {
            "file": str(tmp_path / "streams.md"),
            "line": 15,
            "message": "heading 'Summary' appears again under 'Streams' (first at line 7): both "
            "sections are one topic",
        }
    ]


def test_repeated_headings_under_different_parents_stay_apart(
    tmp_path: Path, media_root: Path
) -> None:
    notes = "# D\n\n## A\n\n### Summary\n\nQ1?::A1\n\n## B\n\n### Summary\n\nQ2?::A2\n"
    report = import_notes(paths=[write_notes(tmp_path, "d.md", notes)])

    assert report.ok and not report.warnings
    assert sorted(Topic.objects.filter(title="Summary").values_list("path", flat=True)) == [
        "D › A › Summary",
        "D › B › Summary",
    ]


def test_repeated_headings_keep_card_identities_when_the_sections_swap(
    tmp_path: Path, media_root: Path
) -> None:
    path = write_notes(tmp_path, "streams.md", TWO_SUMMARIES)
    import_notes(paths=[path])
    keys = dict(Card.objects.values_list("prompt_md", "key"))
    # The two Summary sections trade places, and a third one appears.
    kinesis, firehose = TWO_SUMMARIES.split("## Firehose")
    swapped = (
        "# Streams\n\n## Firehose"
        + firehose
        + kinesis.split("# Streams", 1)[1]
        + "\n## Summary\n\nWhat is new?::This\n"
    )
    write_notes(tmp_path, "streams.md", swapped)

    report = import_notes(paths=[path])

    assert report.ok, report.errors
    assert report.cards["created"] == 1 and report.cards["retired"] == 0
    after = dict(Card.objects.values_list("prompt_md", "key"))
    assert {p: after[p] for p in keys} == keys
    assert Topic.objects.filter(title="Summary").count() == 1


def test_repeated_headings_in_a_dry_run_and_the_command(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "streams.md", TWO_SUMMARIES)
    out = StringIO()
    call_command("import_notes", str(path), "--dry-run", stdout=out)
    assert "appears again" in out.getvalue() and Deck.objects.count() == 0
    call_command("import_notes", str(path), stdout=out)
    assert Topic.objects.filter(title="Summary").count() == 1


def test_repeated_headings_preview_in_the_admin_upload(
    tmp_path: Path, media_root: Path, settings
) -> None:
    settings.NOTES_UPLOAD_DIR = tmp_path / "uploads"
    staff = Client()
    staff.force_login(make_user("editor", is_staff=True, is_superuser=True))

    response = staff.post(
        reverse("admin:quiz_deck_upload"),
        {"files": [SimpleUploadedFile("streams.md", TWO_SUMMARIES.encode())]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Created (4)" in html and "appears again" in html


# --- limits --------------------------------------------------------------------------------------


def content_snapshot() -> list[tuple]:
    return sorted(Deck.objects.values_list("slug", "content_hash")) + sorted(
        Card.objects.values_list("key", "prompt_md", "status")
    )


@pytest.fixture
def imported(tmp_path: Path, media_root: Path) -> list[tuple]:
    import_notes(paths=[write_notes(tmp_path, "good.md", "# Good\n\n## T\n\nQ?::A\n")])
    return content_snapshot()


def test_a_file_with_too_many_headings_is_refused_before_anything_is_written(
    tmp_path: Path, imported: list[tuple]
) -> None:
    headings = "".join(f"## Heading {i}\n\nText.\n\n" for i in range(MAX_TOPICS + 5))
    path = write_notes(tmp_path, "many.md", f"# Many\n\n{headings}")

    report = import_notes(
        paths=[write_notes(tmp_path, "good.md", "# Good\n\n## T\n\nQ?::B\n"), path]
    )

    assert report.errors == [
        {
            "file": str(path),
            "line": 3 + 4 * (MAX_TOPICS - 1),  # the heading past the limit (the title is one)
            "message": "more than 2,000 topics (headings) in one file (the limit); split the "
            "notes into several files",
        }
    ]
    assert content_snapshot() == imported


def test_a_file_with_too_many_cards_is_refused_naming_the_limit(
    tmp_path: Path, imported: list[tuple]
) -> None:
    cards = "".join(f"Question {i}?::Answer {i}\n" for i in range(MAX_CARDS + 1))
    path = write_notes(tmp_path, "cards.md", f"# Cards\n\n## All\n\n{cards}")

    with pytest.raises(CommandError) as error:
        call_command("import_notes", str(path), stdout=StringIO())

    assert str(error.value) == (
        f"{path}:{5 + MAX_CARDS}: more than 20,000 cards in one file (the limit); split the "
        "notes into several files; nothing was imported"
    )
    assert content_snapshot() == imported


def test_a_huge_file_is_refused_by_its_size_without_being_read(
    tmp_path: Path, imported: list[tuple]
) -> None:
    huge = tmp_path / "huge.md"
    with huge.open("wb") as handle:  # 100 MB, sparse: cheap to make, dear to read
        handle.truncate(100 * 1024 * 1024)

    tracemalloc.start()
    try:
        report = import_notes(paths=[huge])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert report.errors[0]["message"] == (
        "file is 104,857,600 bytes, over the 5,242,880-byte limit (5 MiB)"
    )
    assert peak < 10 * 1024 * 1024
    assert content_snapshot() == imported


# --- messages ------------------------------------------------------------------------------------


def test_a_new_deck_without_cards_is_reported_and_warned_not_nothing_changed(
    tmp_path: Path, media_root: Path
) -> None:
    path = write_notes(tmp_path, "prose.md", "# Prose\n\n## One\n\nJust text.\n\n## Two\n\nMore.\n")

    out = StringIO()
    call_command("import_notes", str(path), stdout=out)

    text = out.getvalue()
    assert f"warning {path}: no cards: nothing in this file reads as a card" in text
    assert "1 deck(s) (1 new), 3 topic(s) (3 new, 0 updated, 0 retired)" in text
    assert "Nothing changed." not in text
    assert Topic.objects.filter(deck__title="Prose").count() == 3

    out = StringIO()
    call_command("import_notes", str(path), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["decks_created"] == 0 and data["topic_changes"]["created"] == 0

    write_notes(
        tmp_path, "prose.md", "# Prose\n\n## One\n\nJust text, edited.\n\n## Two\n\nMore.\n"
    )
    out = StringIO()
    call_command("import_notes", str(path), stdout=out)
    assert "(0 new, 1 updated, 0 retired)" in out.getvalue()
    assert "Nothing changed." not in out.getvalue()


def test_an_unchanged_reimport_still_says_nothing_changed(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "prose.md", "# Prose\n\n## One\n\nQ?::A\n")
    call_command("import_notes", str(path), stdout=StringIO())
    out = StringIO()
    call_command("import_notes", str(path), stdout=out)
    assert out.getvalue().rstrip().endswith("Nothing changed.")


# --- progress ------------------------------------------------------------------------------------


class Terminal(StringIO):
    """Standard error as a terminal (the bar is drawn only there)."""

    def isatty(self) -> bool:
        return True


def notes_folder(tmp_path: Path, files: int) -> Path:
    for n in range(files):
        write_notes(tmp_path / "notes", f"n{n:02d}.md", f"# Deck {n}\n\n## T\n\nQ{n}?::A{n}\n")
    return tmp_path / "notes"


def test_a_terminal_gets_a_progress_bar_on_stderr(tmp_path: Path, media_root: Path) -> None:
    folder = notes_folder(tmp_path, 3)
    err, out = Terminal(), StringIO()

    call_command("import_notes", str(folder), stdout=out, stderr=err)

    frames = [f for f in err.getvalue().split("\r\033[K") if f]
    assert frames[0].startswith("[" + "." * 24 + "] 0/3 files parsed · 0 cards · estimating")
    assert frames[-1].startswith("[" + "#" * 24 + "] 3/3 files parsed · 3 cards · about 0 s left")
    assert err.getvalue().endswith("\r\033[K")  # cleared, so the summary starts clean
    assert "\033" not in out.getvalue() and "Imported 3 file(s)" in out.getvalue()


@pytest.mark.parametrize("args", [("--json",), ()], ids=["json", "not-a-terminal"])
def test_no_progress_bar_with_json_or_off_a_terminal(
    tmp_path: Path, media_root: Path, args: tuple[str, ...]
) -> None:
    folder = notes_folder(tmp_path, 2)
    err = Terminal() if args else StringIO()

    call_command("import_notes", str(folder), *args, stdout=StringIO(), stderr=err)

    assert err.getvalue() == ""
