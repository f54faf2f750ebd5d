from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from quiz.models import Card, Deck, ExamAttempt, ExamQuestion, Topic


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


class ExamQuestionInline(admin.TabularInline):
    model = ExamQuestion
    extra = 0
    can_delete = False
    fields = ["position", "kind", "stem", "chosen", "correct", "is_correct", "flagged"]
    readonly_fields = fields


@admin.register(ExamAttempt)
class ExamAttemptAdmin(admin.ModelAdmin):
    """Read-only: attempts are a learner's record, changed only by taking the exam."""

    list_display = ["pk", "user", "mode", "deck", "count", "score", "started_at", "submitted_at"]
    list_filter = ["mode", "deck"]
    search_fields = ["user__username"]
    inlines = [ExamQuestionInline]
    readonly_fields = [f.name for f in ExamAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
