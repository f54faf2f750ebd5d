from __future__ import annotations

from django.contrib import admin

from quiz.models import Card, Deck, Topic


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "source_path", "imported_at"]
    search_fields = ["title", "source_path"]
    readonly_fields = ["content_hash", "created_at", "imported_at"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["path", "deck", "level", "order", "is_active"]
    list_filter = ["deck", "is_active"]
    search_fields = ["title", "path"]
    raw_id_fields = ["parent"]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["prompt_md", "kind", "deck", "topic", "status", "edited_in_admin", "updated_at"]
    list_filter = ["deck", "kind", "status", "edited_in_admin"]
    search_fields = ["prompt_md", "answer_md"]
    raw_id_fields = ["topic"]
    readonly_fields = [
        "key",
        "match_text",
        "prompt_html",
        "answer_html",
        "created_at",
        "updated_at",
    ]
