"""The admin: content editing with a live preview, history, release, and notes upload.

Thin on purpose: changes go through `quiz.editing`, uploads through `quiz.uploading`, and the
extra pages are function views in `quiz.views.authoring`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from quiz.editing import render_card_markdown, save_card_edit, set_cards_status
from quiz.models import Card, CardRevision, Deck, ExamAttempt, ExamQuestion, Topic
from quiz.views import authoring


class MarkdownPreviewWidget(forms.Textarea):
    """A textarea with its rendered preview beside it, refreshed by htmx as the author types."""

    def __init__(self, *, preview_url: str, card: Card | None) -> None:
        super().__init__(attrs={"rows": 8, "class": "md-source"})
        self.preview_url = preview_url
        self.card = card

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = {
            **(attrs or {}),
            "hx-post": self.preview_url,
            "hx-trigger": "input changed delay:250ms",
            "hx-target": f"#preview-{name}",
            "hx-sync": "this:replace",
        }
        textarea = super().render(name, value, attrs, renderer)
        html = render_card_markdown(card=self.card, source=value or "", dry_run=True)
        return format_html(
            '<div class="md-editor">{}<div class="md-preview prose" id="preview-{}" '
            'aria-live="polite" aria-label="Preview">{}</div></div>',
            textarea,
            name,
            SafeString(html),  # render_markdown's output is sanitized by nh3
        )


class EditedHereFilter(admin.SimpleListFilter):
    title = "edited here"
    parameter_name = "edited"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Edited here (protected)"), ("no", "As in the notes")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Card]) -> QuerySet[Card]:
        if self.value() in ("yes", "no"):
            return queryset.filter(edited_in_admin=self.value() == "yes")
        return queryset


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "source_path", "imported_at"]
    search_fields = ["title", "source_path"]
    readonly_fields = ["content_hash", "created_at", "imported_at"]

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("upload/", view(authoring.notes_upload), name="quiz_deck_upload"),
            path(
                "upload/confirm/",
                view(authoring.notes_upload_confirm),
                name="quiz_deck_upload_confirm",
            ),
            path(
                "upload/job/<uuid:job_id>/",
                view(authoring.notes_upload_job),
                name="quiz_deck_upload_job",
            ),
            *super().get_urls(),
        ]


class CardInline(admin.TabularInline):
    model = Card
    fields = ["prompt_md", "kind", "status", "edited_in_admin", "change_link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["order"]

    @admin.display(description="Edit")
    def change_link(self, card: Card) -> str:
        url = reverse("admin:quiz_card_change", args=[card.pk])
        return format_html('<a href="{}">edit</a>', url)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["path", "deck", "level", "order", "is_active"]
    list_filter = ["deck", "is_active"]
    search_fields = ["title", "path"]
    raw_id_fields = ["parent"]
    inlines = [CardInline]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["prompt_md", "kind", "deck", "topic", "status", "edited_in_admin", "updated_at"]
    list_filter = ["deck", "topic", "kind", "status", EditedHereFilter]
    list_select_related = ["deck", "topic"]
    search_fields = ["prompt_md", "answer_md"]
    actions = ["retire_cards", "restore_cards"]
    # Only the text is edited here; everything else comes from the notes.
    fields = [
        "prompt_md",
        "answer_md",
        "deck",
        "topic",
        "kind",
        "status",
        "edited_in_admin",
        "notes_prompt_md",
        "notes_answer_md",
        "key",
        "source_line",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields[2:]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # cards come from notes

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cards are retired, never deleted: reviews and history hang off them

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is not None:
            url = reverse("admin:quiz_card_preview", args=[obj.pk])
            widget = MarkdownPreviewWidget(preview_url=url, card=obj)
            kwargs["widgets"] = {"prompt_md": widget, "answer_md": widget}
        kwargs["labels"] = {
            "prompt_md": "Prompt (Markdown)",
            "answer_md": "Answer (Markdown)",
        }
        return super().get_form(request, obj, change, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:card_id>/preview/", view(authoring.card_preview), name="quiz_card_preview"),
            path(
                "<int:card_id>/revisions/",
                view(authoring.card_revisions),
                name="quiz_card_revisions",
            ),
            path(
                "<int:card_id>/revisions/<int:revision_id>/restore/",
                view(authoring.card_restore),
                name="quiz_card_restore",
            ),
            path("<int:card_id>/release/", view(authoring.card_release), name="quiz_card_release"),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Card, form: Any, change: bool) -> None:
        # Through quiz.editing: keeps a revision, re-renders the HTML, protects the edit.
        save_card_edit(
            card=obj,
            user=request.user,
            prompt_md=form.cleaned_data["prompt_md"],
            answer_md=form.cleaned_data["answer_md"],
        )

    @admin.action(description="Retire selected cards", permissions=["change"])
    def retire_cards(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        n = set_cards_status(cards=queryset, status=Card.Status.RETIRED)
        messages.success(request, f"Retired {n} card(s).")

    @admin.action(description="Restore selected cards", permissions=["change"])
    def restore_cards(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        n = set_cards_status(cards=queryset, status=Card.Status.ACTIVE)
        messages.success(request, f"Restored {n} card(s).")


@admin.register(CardRevision)
class CardRevisionAdmin(admin.ModelAdmin):
    list_display = ["card", "source", "user", "created_at"]
    list_filter = ["source"]
    raw_id_fields = ["card", "user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
