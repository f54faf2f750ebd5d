"""`manage.py start`: a fresh database gets the shipped decks; a second run changes nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from quiz.models import Card, Deck

pytestmark = pytest.mark.django_db(transaction=True)


def test_start_imports_shipped_content_and_prints_url(media_root: Path) -> None:
    out = StringIO()
    call_command("start", "--no-serve", stdout=out)

    text = out.getvalue()
    assert "First run: importing" in text
    assert "open http://127.0.0.1:8000/" in text
    assert Deck.objects.count() == len(list(settings.CONTENT_DIR.glob("*.md")))
    assert Card.objects.count() > 100

    again = StringIO()
    call_command("start", "--no-serve", stdout=again)
    assert "Nothing changed." in again.getvalue()
