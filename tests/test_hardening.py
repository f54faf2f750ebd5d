"""Hardening: every URL keeps one learner's data from another, every POST needs its CSRF token,
bad import inputs change nothing, and hostile notes render with nothing executable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from quiz import exams, study
from quiz.importing import import_notes
from quiz.models import (
    Card,
    CardState,
    Deck,
    ExamAttempt,
    ExamQuestion,
    OptimizerRun,
    Review,
    StudyProfile,
    Topic,
)
from quiz.notes.decode import MAX_NOTES_BYTES
from quiz.scheduling import AGAIN, GOOD
from tests.factory import PASSWORD, import_text, make_exam_bank, make_user, write_notes

pytestmark = pytest.mark.django_db

HOSTILE_DIR = Path(__file__).resolve().parent / "hostile"


# --- the URL list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str  # the full pattern, e.g. "exams/<int:attempt_id>/q/<int:position>/"
    params: frozenset[str]


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            params = frozenset(getattr(entry.pattern, "converters", {}))
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name, route=route, params=params)


def app_routes() -> list[Route]:
    """Every route but the admin (staff only, Django's own checks), static files and media."""
    return [
        r
        for r in walk(get_resolver().url_patterns)
        if not r.route.startswith(("admin/", "static/", "media/"))
    ]


@dataclass
class World:
    """Learner A's rich data, and B who tries to reach it."""

    a: AbstractBaseUser
    b: AbstractBaseUser
    deck: Deck
    topic: Topic
    card: Card  # A has studied it
    suspended: Card  # A suspended it (leeches page, unsuspend)
    review: Review
    attempt: ExamAttempt
    question: ExamQuestion
    run: OptimizerRun  # A's "Optimize my parameters" request


@pytest.fixture
def world(tmp_path: Path, media_root: Path) -> World:
    a, b = make_user("alice"), make_user("bob")
    bank = make_exam_bank()
    now = timezone.now() - timedelta(hours=1)
    card, suspended = bank.cards[0], bank.cards[1]
    # Simulations on a card and a topic, so the labs' embed URLs have something to show.
    import_text(tmp_path, "# Sims\n\n## Sim lab\n\n```sim\ntype: tumbling\nsize: 60s\n```\n")
    sim = Topic.objects.get(title="Sim lab").sims[0]  # as the importer stores it
    Card.objects.filter(pk=card.pk).update(sim=sim)
    Topic.objects.filter(pk=bank.storage.pk).update(sims=[sim])
    card.refresh_from_db()
    study.answer_card(user=a, card=card, rating=GOOD, version=0, now=now)
    study.answer_card(user=a, card=card, rating=AGAIN, version=1, now=now)
    # A's latest answer, so undo would take it back (if it were B's to undo).
    result = study.answer_card(user=a, card=suspended, rating=GOOD, version=0, now=now)
    state = CardState.objects.get(user=a, card=suspended)
    assert study.suspend_card(user=a, card=suspended, version=state.version, now=now)
    profile = study.profile_for(a)
    profile.new_per_day = 7
    profile.save()
    attempt = exams.start_attempt(
        user=a, deck=bank.deck, now=now, mode=ExamAttempt.Mode.PRACTICE, count=3, seed=1
    )
    question = attempt.questions.get(position=1)
    exams.answer_question(question=question, chosen=[0], now=now)
    return World(
        a=a,
        b=b,
        deck=bank.deck,
        topic=bank.storage,
        card=card,
        suspended=suspended,
        review=result.review,
        attempt=attempt,
        question=question,
        run=OptimizerRun.objects.create(user=a, created_at=now),
    )


# How each route is filled and whose data it shows:
#   "owned"  the ids in the URL are A's own rows: B must get 404;
#   "shared" the ids are shared content (decks, topics, cards are everyone's by design), so B may
#            see it, but it must never change A's data;
#   "self"   no id: the page shows whoever asks their own data.
# A route missing here fails test_every_route_is_known: add it, so the walk covers it.
ROUTES: dict[str, tuple[str, Callable[[World], dict[str, Any]]]] = {
    "dashboard": ("self", lambda w: {}),
    "deck_detail": ("shared", lambda w: {"slug": w.deck.slug}),
    "topic_detail": ("shared", lambda w: {"topic_id": w.topic.pk}),
    "exam_home": ("self", lambda w: {}),
    "exam_start": ("self", lambda w: {}),
    "exam_attempt": ("owned", lambda w: {"attempt_id": w.attempt.pk}),
    "exam_question": ("owned", lambda w: {"attempt_id": w.attempt.pk, "position": 1}),
    "exam_answer": ("owned", lambda w: {"attempt_id": w.attempt.pk, "position": 2}),
    "exam_review": ("owned", lambda w: {"attempt_id": w.attempt.pk}),
    "exam_submit": ("owned", lambda w: {"attempt_id": w.attempt.pk}),
    "exam_results": ("owned", lambda w: {"attempt_id": w.attempt.pk}),
    "study": ("self", lambda w: {}),
    "study_deck": ("shared", lambda w: {"slug": w.deck.slug}),
    "study_topic": ("shared", lambda w: {"topic_id": w.topic.pk}),
    "study_answer": ("self", lambda w: {}),
    "study_undo": ("self", lambda w: {}),  # the review id in the body: see POST_BODY_OWNED
    "study_suspend": ("self", lambda w: {}),
    "study_bury": ("self", lambda w: {}),
    "study_settings": ("self", lambda w: {}),
    "leeches": ("self", lambda w: {}),
    "study_source": ("shared", lambda w: {"card_id": w.card.pk}),
    "favicon": ("self", lambda w: {}),
    # The card is shared, but the state it unsuspends is A's: B has none, so 404.
    "leech_unsuspend": ("owned", lambda w: {"card_id": w.suspended.pk}),
    "deck_export": ("shared", lambda w: {"slug": w.deck.slug, "fmt": "csv"}),
    "topic_export": ("shared", lambda w: {"topic_id": w.topic.pk, "fmt": "csv"}),
    "my_review_log": ("self", lambda w: {}),
    "signup": ("self", lambda w: {}),
    "login": ("self", lambda w: {}),
    "logout": ("self", lambda w: {}),
    "healthz": ("self", lambda w: {}),
    "labs_index": ("self", lambda w: {}),
    "lab_detail": ("shared", lambda w: {"kind": "tumbling"}),
    "lab_run": ("shared", lambda w: {"kind": "tumbling"}),  # runs a simulation, stores nothing
    "card_sim": ("shared", lambda w: {"card_id": w.card.pk}),
    "topic_sim": ("shared", lambda w: {"topic_id": w.topic.pk, "index": 0}),
    "stats": ("self", lambda w: {}),
    "card_list": ("self", lambda w: {}),
    "card_detail": ("shared", lambda w: {"card_id": w.card.pk}),
    # Card ids in the body are shared content; the states an action changes are B's own.
    "card_action": ("self", lambda w: {}),
    "study_ahead": ("self", lambda w: {}),
    "study_chosen": ("self", lambda w: {}),
    "study_tag": ("self", lambda w: {"tag": "exam"}),
    "cram": ("self", lambda w: {}),
    "again_today": ("self", lambda w: {}),
    "exam_retake": ("owned", lambda w: {"attempt_id": w.attempt.pk}),
    "optimize_start": ("self", lambda w: {}),  # B's own log: too few reviews, nothing queued
    "optimize_status": ("owned", lambda w: {"run_id": w.run.pk}),
    "optimize_reset": ("self", lambda w: {}),
    "fsrs_workload": ("self", lambda w: {}),
}

# Views that take one of A's ids in the POST body rather than the URL.
POST_BODY_OWNED = {"study_undo"}


def post_data(w: World) -> dict[str, Any]:
    """Every field any view reads, pointing at A's things wherever a field holds an id."""
    state = CardState.objects.get(user=w.a, card=w.card)
    return {
        "card": w.card.pk,
        "version": state.version,
        "rating": GOOD,
        "review": w.review.pk,
        "scope": f"deck:{w.deck.pk}",
        "choice": ["1"],
        "flag": "on",
        "go": "next",
        "deck": w.deck.slug,
        "mode": "practice",
        "count": 1,
        "pass_mark": 72,
    }


def a_snapshot(w: World) -> dict[str, list[dict[str, Any]]]:
    """Everything of A's, and the shared content a learner must not be able to change."""
    User = get_user_model()
    mine: dict[str, models.QuerySet] = {
        "user": User.objects.filter(pk=w.a.pk),
        "states": CardState.objects.filter(user=w.a),
        "reviews": Review.objects.filter(user=w.a),
        "profile": StudyProfile.objects.filter(user=w.a),
        "attempts": ExamAttempt.objects.filter(user=w.a),
        "questions": ExamQuestion.objects.filter(attempt__user=w.a),
        "optimizer_runs": OptimizerRun.objects.filter(user=w.a),
        "decks": Deck.objects.all(),
        "topics": Topic.objects.all(),
        "cards": Card.objects.all(),
    }
    snapshot = {}
    for name, rows in mine.items():
        # What a page may work out from the content and keep (which cards an exam can ask) is
        # not content: any learner's visit may refresh it.
        fields = [f.attname for f in rows.model._meta.concrete_fields if f.name not in DERIVED]
        snapshot[name] = list(rows.order_by("pk").values(*fields))
    return snapshot


DERIVED = {"exam_eligible", "exam_bank_at"}


def test_every_route_is_known() -> None:
    """A new URL must be added to ROUTES (with how to fill it) so the walk covers it."""
    for route in app_routes():
        assert route.name in ROUTES, (
            f"{route.route!r} (name {route.name!r}) is not in tests/test_hardening.py ROUTES: "
            "say how to fill its ids and whether they are the learner's own or shared content"
        )


def test_ids_of_another_learners_things_give_404_and_nothing_of_theirs_changes(
    world: World,
) -> None:
    before = a_snapshot(world)
    data = post_data(world)
    bob = Client()
    seen: dict[str, tuple[int, int]] = {}
    for route in app_routes():
        access, fill = ROUTES[route.name]
        kwargs = fill(world)
        assert set(kwargs) == route.params, f"{route.name}: the URL's parameters changed"
        url = reverse(route.name, kwargs=kwargs)
        statuses = []
        for method in ("get", "post"):
            bob.force_login(world.b)  # logout (or a failed exam POST) must not end the walk
            response = getattr(bob, method)(url, data if method == "post" else None)
            statuses.append(response.status_code)
            assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
            assert a_snapshot(world) == before, f"{method.upper()} {url} by B changed A's data"
        seen[route.name] = (statuses[0], statuses[1])
        if access == "shared":  # shared content is there for B too (the fill is right)
            assert 200 in statuses, f"{url}: {statuses} for B"
        if access == "owned" or route.name in POST_BODY_OWNED:
            allowed = {404, 405}
            assert set(statuses) <= allowed and 404 in statuses, f"{url}: {statuses} for B"
    # The walk is not vacuous: A reaches each of her own pages with the same ids.
    alice = Client()
    alice.force_login(world.a)
    for name, (access, fill) in ROUTES.items():
        if access != "owned":
            continue
        url = reverse(name, kwargs=fill(world))
        method = "get" if seen[name][0] != 405 else "post"
        response = getattr(alice, method)(url, data if method == "post" else None)
        assert response.status_code != 404, f"A got 404 for her own {url}: the walk is wrong"
    undo = alice.post(reverse("study_undo"), {"review": world.review.pk, "scope": "all"})
    assert undo.status_code == 302 and Review.objects.get(pk=world.review.pk).undone


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world: World) -> None:
    """Logged in as staff (so the admin's pages count too), every URL in the resolver."""
    staff = make_user("editor", is_staff=True, is_superuser=True)
    before = a_snapshot(world)
    failures_before = AccessAttempt.objects.count()
    ids = {
        "card": world.card.pk,
        "deck": world.deck.pk,
        "topic": world.topic.pk,
        "examattempt": world.attempt.pk,
        "user": world.a.pk,
    }
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    checked = 0
    for route in walk(get_resolver().url_patterns):
        if route.route.startswith(("static/", "media/")):
            continue
        if route.name in ROUTES:
            url = reverse(route.name, kwargs=ROUTES[route.name][1](world))
        else:
            url = "/" + fill_admin_route(route, ids)
        response = strict.post(url, post_data(world))
        assert response.status_code == 403, f"POST {url} without a token: {response.status_code}"
        checked += 1
    assert checked > 40  # the app's views and the admin's
    assert a_snapshot(world) == before
    assert AccessAttempt.objects.count() == failures_before


def fill_admin_route(route: Route, ids: dict[str, int]) -> str:
    """An admin route with a real object id where one is asked for (or 1 where none fits)."""
    path = route.route.replace("^", "").replace("$", "").replace("\\Z", "")
    model = next((m for m in ids if f"/{m}/" in f"/{path}"), None)
    for param in route.params:
        value = str(ids[model]) if model else "1"
        if param in {"app_label"}:
            value = "quiz"
        path = path.replace(f"<path:{param}>", value).replace(f"<int:{param}>", value)
        path = path.replace(f"<str:{param}>", value).replace(f"<{param}>", value)
    # Regex routes of the admin (app_list, view_on_site): any matching text will do.
    return path.replace("(?P<app_label>auth|quiz)", "quiz")


# --- bad import inputs --------------------------------------------------------------------------


def content_snapshot() -> list[tuple]:
    return (
        sorted(Deck.objects.values_list("slug", "title", "content_hash", "imported_at"))
        + sorted(Topic.objects.values_list("deck__slug", "path", "is_active", "body_md"))
        + sorted(Card.objects.values_list("key", "kind", "prompt_md", "answer_md", "status"))
    )


GOOD_NOTES = "# Streaming\n\n## Kinesis\n\nWhat is a shard?::A unit of capacity\n"


def bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    """Each bad input (beyond test_import's single files) and the words its error must say."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, message: str) -> None:
        path = folder / name
        path.write_bytes(data)
        cases[name] = (path, message)

    put("png.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary")
    put("latin1-late.md", b"# Ok\n\nQ?::A\n" * 50 + "Caf\u00e9\n".encode("latin-1"), "UTF-8")
    put("utf16le.md", "# Title\n\nQ?::A\n".encode("utf-16-le"), "UTF-16 LE without a byte-order")
    put("utf16be.md", "\ufeff# T\n".encode("utf-16-be"), "UTF-16")
    put("bom-only.md", b"\xef\xbb\xbf", "empty")
    put("oversized.md", b"# Big\n\n" + b"Q?::" + b"a" * MAX_NOTES_BYTES, "MiB")
    selfloop = folder / "selfloop.md"
    selfloop.symlink_to(selfloop)
    cases["selfloop.md"] = (selfloop, "selfloop.md")
    return cases


@pytest.mark.parametrize(
    "case", ["png.md", "latin1-late.md", "utf16le.md", "utf16be.md", "bom-only.md", "oversized.md"]
)
def test_bad_input_beside_a_good_edit_is_refused_and_changes_nothing(
    tmp_path: Path, media_root: Path, case: str
) -> None:
    good = write_notes(tmp_path, "good.md", GOOD_NOTES)
    import_notes(paths=[good])
    before = content_snapshot()
    path, message = bad_inputs(tmp_path / "bad")[case]
    write_notes(tmp_path, "good.md", GOOD_NOTES.replace("capacity", "throughput"))

    with pytest.raises(CommandError) as error:
        call_command("import_notes", str(good), str(path), stdout=StringIO())

    assert case in str(error.value) and message in str(error.value)
    assert "nothing was imported" in str(error.value)
    assert content_snapshot() == before


def test_a_folder_with_a_symlink_loop_and_a_self_link_imports_its_real_files_or_says_why(
    tmp_path: Path, media_root: Path
) -> None:
    notes = tmp_path / "notes"
    write_notes(notes, "a.md", GOOD_NOTES)
    (notes / "sub").mkdir()
    (notes / "sub" / "up").symlink_to(notes, target_is_directory=True)
    (notes / "self.md").symlink_to(notes / "self.md")
    before = content_snapshot()

    report = import_notes(paths=[notes])

    assert not report.ok
    assert [e["message"] for e in report.errors if e["file"].endswith("self.md")] == [
        "a broken or looping symlink, not a file"
    ], report.errors
    assert content_snapshot() == before


@pytest.mark.parametrize(
    "deep",
    ["* " * 10_000 + "x\n", "> " * 10_000 + "x\n", "1. " * 10_000 + "x\n", ">" * 10_000 + " x\n"],
    ids=["bullets", "quotes", "numbered", "compact-quotes"],
)
def test_ten_thousand_levels_of_nesting_are_refused_naming_the_limit_and_line(
    tmp_path: Path, media_root: Path, deep: str
) -> None:
    import_notes(paths=[write_notes(tmp_path, "good.md", GOOD_NOTES)])
    before = content_snapshot()
    notes = f"# Deep\n\n## Nest\n\nWhat is deep?::Very\n\n{deep}"
    path = write_notes(tmp_path, "deep.md", notes)

    report = import_notes(paths=[path])

    assert report.errors == [
        {
            "file": str(path),
            "line": 7,
            "message": "nested 10,000 levels deep; at most 100 levels of lists and quotes per file",
        }
    ]
    assert content_snapshot() == before


@pytest.mark.parametrize(
    "deep",
    ["* " * 60 + "x\n", "> " * 60 + "x\n", "1. " * 60 + "x\n"],
    ids=["bullets", "quotes", "numbered"],
)
def test_nesting_under_the_limit_imports_with_a_warning(
    tmp_path: Path, media_root: Path, deep: str
) -> None:
    notes = f"# Deep\n\n## Nest\n\nWhat is deep?::Very\n\n{deep}"
    path = write_notes(tmp_path, "deep.md", notes)

    report = import_notes(paths=[path])

    assert report.ok, report.errors
    assert any("nest" in w["message"] for w in report.warnings), report.warnings
    assert Card.objects.filter(prompt_md="What is deep?").exists()
    client = Client()
    client.force_login(make_user())
    topic = Topic.objects.get(title="Nest")
    assert client.get(reverse("topic_detail", args=[topic.pk])).status_code == 200


def test_ten_thousand_levels_of_indented_bullets_are_refused_as_oversized(
    tmp_path: Path, media_root: Path
) -> None:
    """Indenting 10,000 levels takes 100 MB of spaces: the size cap answers before the parser."""
    import_notes(paths=[write_notes(tmp_path, "good.md", GOOD_NOTES)])
    before = content_snapshot()
    path = tmp_path / "indented.md"
    with path.open("w") as handle:
        handle.write("# Deep\n\n")
        for i in range(10_000):
            handle.write("  " * i + f"* level {i}\n")

    report = import_notes(paths=[path])

    assert not report.ok and "over the" in report.errors[0]["message"]
    assert content_snapshot() == before


def test_bad_inputs_uploaded_in_the_admin_are_refused_and_change_nothing(
    tmp_path: Path, media_root: Path, settings
) -> None:
    settings.NOTES_UPLOAD_DIR = tmp_path / "uploads"
    import_notes(paths=[write_notes(tmp_path, "good.md", GOOD_NOTES)])
    before = content_snapshot()
    editor = make_user("editor", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(editor)
    url = reverse("admin:quiz_deck_upload")
    for name, (path, _message) in bad_inputs(tmp_path / "bad").items():
        if name == "selfloop.md":
            continue  # a browser uploads bytes, never a link
        with path.open("rb") as handle:
            response = client.post(url, {"files": [handle]})
        assert response.status_code == 400, name
        assert name in response.content.decode()
        assert content_snapshot() == before
    assert not list((tmp_path / "uploads").glob("*.md"))


# --- hostile notes ------------------------------------------------------------------------------

PAYLOAD = "<script>window.__pwned = 1; alert('long line')</script>"


def import_hostile(folder: Path) -> None:
    """The corpus in tests/hostile/, plus a 1 MB line (generated here, not kept in git)."""
    for source in sorted(HOSTILE_DIR.glob("*.md")):
        (folder / source.name).write_bytes(source.read_bytes())
    long_line = "A" * 1_000_000 + f" {PAYLOAD} <img src=x onerror=alert(1)>"
    (folder / "long-line.md").write_text(
        f"# Hostile long line\n\n{long_line}\n\n## Cards\n\n"
        f"Is a long line fine?::Yes {PAYLOAD}\nIs it really?::It is {PAYLOAD}\n",
        encoding="utf-8",
    )
    report = import_notes(paths=[folder])
    assert report.ok, report.errors
    assert report.decks == 4 and Card.objects.count() >= 25


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}
FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "base"}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc"}:
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value:
                scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.\-]*):", value)
                if scheme and scheme[1].lower() not in {"http", "https", "mailto"}:
                    self.problems.append(f"<{tag} {name}={value[:40]!r}>")


def html_problems(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems


def test_hostile_notes_import_with_nothing_executable_stored(
    tmp_path: Path, media_root: Path
) -> None:
    import_hostile(tmp_path)
    stored = [
        *Card.objects.values_list("prompt_html", "answer_html"),
        *((body, "") for body in Topic.objects.values_list("body_html", flat=True)),
    ]
    for prompt, answer in stored:
        assert html_problems(prompt) == [] and html_problems(answer) == []
    # The payloads were there to be removed, and text around them survived.
    assert Card.objects.filter(prompt_md__contains="<script>").exists()
    assert Card.objects.filter(answer_html__contains="It runs code").exists()


# In the page: anything executable that came from the notes. The app's own scripts are files
# under /static/ (and the admin's /admin/jsi18n/); it has no inline handlers, frames or
# embedded objects of its own.
DOM_CHECK = """() => {
  const problems = [];
  for (const s of document.querySelectorAll('script')) {
    const src = s.getAttribute('src') || '';
    const ours = src.startsWith('/static/') || src === '/admin/jsi18n/';
    if (!ours) problems.push('script: ' + (src || s.textContent.slice(0, 60)));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (name.startsWith('on')) problems.push(el.tagName + ' ' + name);
      if (/^(javascript|data|vbscript):/.test(value) && name !== 'hx-headers')
        problems.push(el.tagName + ' ' + name + '=' + value.slice(0, 40));
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, frame, base'))
    problems.push(el.tagName);
  const content = '.prose style, .prose svg, .prompt style, .answer style';
  for (const el of document.querySelectorAll(content))
    problems.push('content ' + el.tagName);
  if (typeof window.__pwned !== 'undefined') problems.push('window.__pwned is set');
  return problems;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_notes_run_nothing_in_chromium_on_every_page_that_shows_notes(
    live_server, page, tmp_path: Path, media_root: Path
) -> None:
    import_hostile(tmp_path)
    learner = make_user("mallory-victim", is_staff=True, is_superuser=True)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    base = live_server.url
    visited: list[str] = []

    def check(where: str) -> None:
        page.wait_for_load_state("load")
        page.wait_for_timeout(20)  # let any onload/onerror that slipped through fire
        problems = page.evaluate(DOM_CHECK)
        assert problems == [], f"{where}: {problems}"
        assert dialogs == [], f"{where}: dialogs {dialogs}"
        visited.append(where)

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", learner.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    check("dashboard")

    # Topic pages: every topic's notes, cards and answers.
    for topic in Topic.objects.filter(level__lte=2):
        page.goto(f"{base}/topics/{topic.pk}/")
        check(f"topic {topic.path[:30]}")
        if topic.title == "Hostile scripts":  # the text around the payloads is still there
            assert "hover me" in page.inner_text("main")

    # The study page: reveal through the real control (htmx swap) once, then every card's answer.
    scripts = Deck.objects.get(title="Hostile scripts")
    page.goto(f"{base}/study/deck/{scripts.slug}/")
    page.get_by_role("link", name="Show answer").click()
    page.locator(".answer").wait_for()
    check("study reveal")
    for card in Card.objects.all():
        page.goto(f"{base}/study/?card={card.pk}&show=answer")
        check(f"study card {card.pk}")

    # A practice exam from each deck: answer each question, then look at the feedback.
    for deck in Deck.objects.all():
        available = exams.available_questions(deck=deck, topic_ids=[])
        if available < 1:
            continue
        attempt = exams.start_attempt(
            user=learner,
            deck=deck,
            now=timezone.now(),
            mode=ExamAttempt.Mode.PRACTICE,
            count=min(available, 5),
            seed=7,
        )
        for position in range(1, attempt.count + 1):
            page.goto(f"{base}/exams/{attempt.pk}/q/{position}/")
            check(f"exam {deck.title} q{position}")
            page.locator(".option").first.click()
            page.locator("button.next").click()
            page.wait_for_load_state("load")
            page.goto(f"{base}/exams/{attempt.pk}/q/{position}/")
            check(f"exam {deck.title} q{position} feedback")
        page.goto(f"{base}/exams/{attempt.pk}/review/")
        page.locator("form[action$='/submit/'] button").click()
        page.wait_for_url(re.compile(r"/results/$"))
        check(f"exam {deck.title} results")
    assert ExamQuestion.objects.filter(answered_at__isnull=False).count() > 5

    # Simulations: each topic's and card's embedded widget, and a card's under its answer.
    sim_pages = [
        f"/labs/topic/{topic.pk}/{index}/"
        for topic in Topic.objects.exclude(sims=[])
        for index in range(len(topic.sims))
    ]
    sim_cards = list(Card.objects.exclude(sim=None))
    sim_pages += [f"/labs/card/{card.pk}/" for card in sim_cards]
    assert sim_pages and sim_cards, "the corpus has simulations (a sim block, auto-linked cards)"
    for url in sim_pages:
        page.goto(f"{base}{url}")
        check(f"simulation {url}")
    for card in sim_cards[:2]:
        page.goto(f"{base}/study/?card={card.pk}&show=answer")
        page.locator(".card-sim").scroll_into_view_if_needed()
        page.locator(".card-sim svg").first.wait_for(timeout=5000)
        check(f"study card {card.pk} with its simulation")

    # The admin's card editor and its live preview, typed into like an author would.
    for card in Card.objects.filter(deck=scripts)[:4]:
        page.goto(f"{base}{reverse('admin:quiz_card_change', args=[card.pk])}")
        check(f"admin card {card.pk}")
        page.locator("#id_answer_md").press_sequentially(
            " <img src=x onerror=alert(9)><script>window.__pwned=1</script>"
        )
        page.wait_for_timeout(400)  # the preview waits 250 ms after typing
        page.locator("#preview-answer_md").wait_for()
        check(f"admin preview {card.pk}")

    assert len(visited) > 40
