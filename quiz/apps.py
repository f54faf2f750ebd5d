from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _repair_search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # Imported here: app modules may not load models before the registry is ready.
    from quiz import search_index

    search_index.ensure(connections[using])


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = "Notebank"

    def ready(self) -> None:
        post_migrate.connect(_repair_search_index, sender=self)
