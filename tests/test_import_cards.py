"""Import of the cards branch's additions: tags, coverage, and identity through rewording."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from quiz.models import Card, Deck
from quiz.notes.identity import Existing, Incoming, match_cards
from tests.factory import import_text, write_notes

pytestmark = pytest.mark.django_db


def test_tags_and_front_matter_are_stored(tmp_path: Path, media_root: Path) -> None:
    import_text(
        tmp_path,
        """
        ---
        tags: [bio]
        aliases: [Cells]
        ---
        # Cell biology

        * Nucleus: holds the genome #exam
        """,
    )
    deck = Deck.objects.get()
    assert (deck.tags, deck.aliases) == (["bio"], ["Cells"])
    assert Card.objects.get().tags == ["bio", "exam"]


def test_coverage_flag_prints_each_file_and_its_uncovered_lines(
    tmp_path: Path, media_root: Path
) -> None:
    path = write_notes(tmp_path, "n.md", "# T\n\n* Shard: a unit\n\nso it goes\n")
    out = StringIO()
    call_command("import_notes", str(path), "--dry-run", "--coverage", stdout=out)
    text = out.getvalue()
    assert f"coverage {path}: 50% of 2 content line(s) are in a card; 1 are not" in text
    assert f"  {path}:5: so it goes" in text


def test_coverage_flag_with_json(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "n.md", "# T\n\n* Shard: a unit\n\nso it goes\n")
    out = StringIO()
    call_command("import_notes", str(path), "--coverage", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["coverage"] == {str(path): 0.5}
    assert data["uncovered"] == [{"file": str(path), "line": 5, "text": "so it goes"}]


def test_without_the_flag_there_is_no_coverage(tmp_path: Path, media_root: Path) -> None:
    path = write_notes(tmp_path, "n.md", "# T\n\n* Shard: a unit\n")
    out = StringIO()
    call_command("import_notes", str(path), "--json", stdout=out)
    assert "coverage" not in json.loads(out.getvalue())


def test_a_reworded_prompt_with_the_same_answer_keeps_its_card():
    existing = [Existing(1, "T", "recall: iot parts 2 items", "list", "- gateway - broker")]
    incoming = [Incoming("T", "name the 2 iot parts", "list", "- gateway - broker")]
    assert match_cards(existing, incoming) == [1]


def test_answer_matching_never_pairs_ambiguous_or_other_kinds():
    existing = [
        Existing(1, "T", "a", "qa", "same"),
        Existing(2, "T", "b", "qa", "same"),
        Existing(3, "T", "c", "list", "other"),
    ]
    incoming = [Incoming("T", "x", "qa", "same"), Incoming("T", "y", "definition", "other")]
    assert match_cards(existing, incoming) == [None, None]


def test_reimport_after_the_parser_rewords_a_list_prompt_keeps_the_card(
    tmp_path: Path, media_root: Path
) -> None:
    import_text(tmp_path, "# IoT\n\n* IoT parts:\n  * Device gateway\n  * Rules engine\n")
    card = Card.objects.get(kind="list")
    Card.objects.filter(pk=card.pk).update(
        prompt_md="Recall: IoT parts (2 items)", match_text="recall: iot parts 2 items"
    )
    Deck.objects.update(content_hash="")  # as if imported by the earlier parser
    report = import_text(tmp_path, "# IoT\n\n* IoT parts:\n  * Device gateway\n  * Rules engine\n")
    assert report.cards["created"] == 0 and report.cards["retired"] == 0
    card.refresh_from_db()
    assert card.prompt_md == "Name the 2 **IoT parts** (IoT)."
