"""Checks over the whole project rather than one feature."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_no_missing_migrations() -> None:
    call_command("makemigrations", "quiz", "--check", "--dry-run", verbosity=0)
