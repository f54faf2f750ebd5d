"""Browsing the shared content: decks, their topic trees, and a topic's notes."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from quiz import browser, source, study
from quiz.models import Card, Deck, StudyProfile, Topic
from quiz.templatetags.counts import due_counts
from quiz.templatetags.labs import is_sim_spec
from quiz.views.links import url_for


def _topic_tree(topics: list[Topic], counts: dict[int, study.DueCounts]) -> None:
    """Give each topic (in notes order) `counts` that include all its subtopics, and its links."""
    stack: list[Topic] = []
    notes_url, study_url = url_for("topic_detail", "909"), url_for("study_topic", "909")
    for topic in topics:
        topic.url, topic.study_url = notes_url(topic.pk), study_url(topic.pk)
        own = counts.get(topic.pk, study.DueCounts())
        topic.counts = study.DueCounts(new=own.new, learning=own.learning, due=own.due)
        while stack and stack[-1].level >= topic.level:
            stack.pop()
        for ancestor in stack:
            ancestor.counts.add(own)
        stack.append(topic)


# Up to this many decks, the dashboard shows every deck's topic tree; with more, each tree is
# folded and fetched when opened, so the page stays small and quick however big the bank grows.
INLINE_TREES = 3


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that link no icon (the admin's)."""
    return redirect(static("quiz/favicon.svg"), permanent=True)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every deck with the learner's new / learning / due counts, and each deck's topic tree.

    A visitor who is not signed in sees what Notebank does and how to start instead."""
    if not request.user.is_authenticated:
        return render(request, "quiz/landing.html")
    now = timezone.now()
    profile = study.profile_for(request.user)
    # Only what the page shows of a deck: its JSON fields, decoded for nothing, cost a fifth of
    # the view.
    decks = list(Deck.objects.only("title", "slug"))
    inline = len(decks) <= INLINE_TREES
    stored = study.stored_counts(
        user=request.user,
        now=now,
        profile=profile,
        deck_ids=[deck.pk for deck in decks],
        topics=inline,
    )
    topics: list[Topic] = []
    if inline:
        by_topic: dict[int, study.DueCounts] = {}
        for tally in stored.values():
            by_topic.update(tally.topics)
        topics = list(Topic.objects.filter(is_active=True).order_by("deck", "order"))
        _topic_tree(topics, by_topic)
    # As in Anki, the counts say what today's session will offer: what exists, cut to the
    # room left under today's limits. The totals are given once, in the legend.
    room = _room_today(request, profile)
    existing = study.DueCounts()
    deck_url, study_url = url_for("deck_detail"), url_for("study_deck")
    for deck in decks:
        deck.url, deck.study_url = deck_url(deck.slug), study_url(deck.slug)
        deck.counts = stored[deck.pk].counts
        if inline:
            deck.topic_list = [t for t in topics if t.deck_id == deck.pk]
        existing.add(deck.counts)
    for item in [*decks, *topics]:
        item.counts = room.cut(item.counts)
    context = {
        "decks": decks,
        "deck_rows": None if inline else _folded_deck_rows(decks),
        "total": room.cut(existing),
        "existing": existing,
        "today": room.today,
        "profile": profile,
        "inline_trees": inline,
    }
    return render(request, "quiz/dashboard.html", context)


def _folded_deck_rows(decks: list[Deck]) -> SafeString:
    """The dashboard's deck boxes when their topic trees are folded (fetched when opened), built
    here rather than by a template loop of a dozen nodes a deck, which cost as much as the rest
    of the page with fifty decks. Every value from the database is escaped."""
    boxes = []
    for deck in decks:
        url, title = escape(deck.url), escape(deck.title)
        boxes.append(
            f'\n<article class="card-box deck">\n  <div class="row spread">\n'
            f'    <h2><a href="{url}">{title}</a></h2>\n'
            f'    <span class="counts">{due_counts(deck.counts)}</span>\n'
            f'    <a class="button primary" href="{escape(deck.study_url)}">Study this deck</a>\n'
            f'  </div>\n  \n  <details hx-get="{url}" hx-trigger="toggle once"'
            f' hx-target="find .tree-slot">\n    <summary>Topics</summary>\n'
            f'    <div class="tree-slot"><a href="{url}">Open the topics of {title}</a></div>\n'
            f"  </details>\n  \n</article>\n"
        )
    return mark_safe("".join(boxes))  # noqa: S308 - escaped above


def _room_today(request: HttpRequest, profile: StudyProfile) -> _Room:
    start, _end = study.day_bounds(now=timezone.now(), timezone=profile.timezone)
    today = study.today_counts(user=request.user, start=start)
    return _Room(
        new=max(0, profile.new_per_day - today.new),
        due=max(0, profile.max_reviews_per_day - today.reviews),
        today=today,
    )


def _deck_topics(request: HttpRequest, deck: Deck) -> list[Topic]:
    """The deck's active topics in notes order, each with the learner's counts (subtopics in),
    cut to what today's limits still allow as on the dashboard, and its active cards with its
    subtopics' (`card_count`)."""
    profile = study.profile_for(request.user)
    tally = study.stored_counts(
        user=request.user, now=timezone.now(), profile=profile, deck_ids=[deck.pk], topics=True
    )[deck.pk]
    topics = list(deck.topics.filter(is_active=True).order_by("order"))
    _topic_tree(topics, tally.topics)
    room = _room_today(request, profile)
    # Cards counted as the due counts are: each topic with its subtopics'.
    stack: list[Topic] = []
    for topic in topics:
        topic.counts = room.cut(topic.counts)
        own = tally.topic_cards.get(topic.pk, 0)
        topic.card_count = own
        while stack and stack[-1].level >= topic.level:
            stack.pop()
        for ancestor in stack:
            ancestor.card_count += own
        stack.append(topic)
    return topics


@dataclass(frozen=True)
class _Room:
    """New cards and reviews today's limits still allow."""

    new: int
    due: int
    today: study.TodayCounts

    def cut(self, counts: study.DueCounts) -> study.DueCounts:
        return study.DueCounts(
            new=min(counts.new, self.new), learning=counts.learning, due=min(counts.due, self.due)
        )


@require_GET
@login_required
def deck_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A deck's topic tree with the learner's counts; the dashboard folds it in as `#tree`."""
    deck = get_object_or_404(Deck, slug=slug)
    topics = _deck_topics(request, deck)
    if request.htmx:
        return render(request, "quiz/deck_detail.html#tree", {"deck": deck, "topics": topics})
    tags = browser.tag_counts(deck_id=deck.pk)
    context = {"deck": deck, "topics": topics, "show_cards": True, "tags": tags}
    return render(request, "quiz/deck_detail.html", context)


def _card_blocks(topic: Topic) -> SafeString:
    """The topic's active cards, each a folded prompt over its answer, built here from plain
    rows: a template loop over a hundred cards (with an instance each) cost more than the rest
    of the page. The prompt and answer are the card's stored HTML, sanitized when it was
    imported, shown as they are (the template marked them safe too); a card with a simulation of
    its own (not one the topic shows already) gets the simulation's block under its answer."""
    rows = (
        topic.cards.filter(status=Card.Status.ACTIVE)
        .order_by("order")
        .values_list("pk", "prompt_html", "answer_html", "sim")
    )
    sim_block = get_template("quiz/_card_sim.html")
    blocks = []
    for pk, prompt, answer, sim in rows:
        own = ""
        if is_sim_spec(sim) and sim not in topic.sims:
            own = sim_block.render({"card": {"pk": pk, "sim": sim}})
        blocks.append(
            f'\n<details class="card-box">\n  <summary class="prose card-summary">{prompt}'
            f'</summary>\n  <div class="prose">{answer}</div>\n  {own}\n</details>\n'
        )
    return mark_safe("".join(blocks))  # noqa: S308 - sanitized on import, as the template had it


@require_GET
@login_required
def topic_detail(request: HttpRequest, topic_id: int) -> HttpResponse:
    """A topic's notes; the study page loads just the notes (`#source`) into its side panel."""
    topic = get_object_or_404(Topic.objects.select_related("deck"), pk=topic_id)
    # Card syntax (Q::A, a "?" line) reads as text on the page, never raw.
    body = source.readable_body(body_md=topic.body_md, body_html=topic.body_html)
    if request.htmx:
        return render(request, "quiz/topic_detail.html#source", {"topic": topic, "body": body})
    cards = _card_blocks(topic)
    # The heading path above this topic, each linked; a top heading that repeats the deck's
    # title (the usual first heading) is the deck's link itself.
    ancestors: list[Topic] = []
    parent = topic.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    if ancestors and ancestors[0].title == topic.deck.title:
        ancestors = ancestors[1:]
    # Its subtopics, linked: their notes and cards are part of this topic's study and counts.
    subtopics = list(topic.children.filter(is_active=True).order_by("order").only("pk", "title"))
    return render(
        request,
        "quiz/topic_detail.html",
        {
            "topic": topic,
            "cards": cards,
            "body": body,
            "ancestors": ancestors,
            "subtopics": subtopics,
        },
    )
