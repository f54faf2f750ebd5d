"""Small helpers that build test data through the real code paths (no JSON fixtures)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from quiz.importing import ImportReport, import_notes

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str = "learner", **extra: object) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def write_notes(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def import_text(folder: Path, text: str, name: str = "notes.md", **options: bool) -> ImportReport:
    """Write notes to a file and import it; raises if the import reported errors."""
    path = write_notes(folder, name, text)
    report = import_notes(paths=[path], **options)
    assert report.ok, report.errors
    return report
