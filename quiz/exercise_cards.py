"""Exercise cards: fresh practice questions computed by the simulation engines, stored as
``Card`` rows of kind ``exercise`` under the topics that carry a simulation.

They are not in the notes, so the importer never matches or retires them (it only touches the
note kinds, ``CARD_KINDS``). Each card's key comes from (topic, exercise kind, seed): running
again with the same seeds changes nothing; new seeds add new questions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from quiz.models import Card, Topic
from quiz.notes.identity import normalise_prompt
from quiz.notes.render import render_markdown
from quiz.sims.exercises import GENERATORS, exercise_fields, make_exercise
from quiz.sims.kinds import get_kind

# Exercise cards sort after the topic's note cards.
ORDER_OFFSET = 1_000_000


@dataclass
class ExerciseReport:
    created: list[str] = field(default_factory=list)  # card keys
    existing: int = 0
    topics: int = 0


def exercise_key(topic: Topic, kind: str, seed: int) -> str:
    raw = f"exercise\x1f{topic.deck.slug}\x1f{topic.path}\x1f{kind}\x1f{seed}"
    return "ex-" + hashlib.sha256(raw.encode()).hexdigest()[:29]


def make_exercise_cards(*, count: int = 3, seed: int = 1, dry_run: bool = False) -> ExerciseReport:
    """``count`` exercises (seeds ``seed`` .. ``seed + count - 1``) of each kind that fits, for
    every active topic with a simulation."""
    report = ExerciseReport()
    topics = Topic.objects.filter(is_active=True).exclude(sims=[]).select_related("deck")
    with transaction.atomic():
        for topic in topics:
            kinds = []
            for spec in topic.sims:
                sim = get_kind(spec.get("kind"))
                for kind in sim.exercises if sim is not None else ():
                    if kind in GENERATORS and kind not in kinds:
                        kinds.append(kind)
            if not kinds:
                continue
            report.topics += 1
            wanted = {
                exercise_key(topic, kind, s): (kind, s)
                for kind in kinds
                for s in range(seed, seed + count)
            }
            have = set(Card.objects.filter(key__in=wanted).values_list("key", flat=True))
            report.existing += len(have)
            top = topic.cards.aggregate(m=Max("order"))["m"] or 0
            order = max(top + 1, ORDER_OFFSET)
            new = []
            for key, (kind, s) in wanted.items():
                if key in have:
                    continue
                data = exercise_fields(make_exercise(kind, s))
                new.append(
                    Card(
                        deck=topic.deck,
                        topic=topic,
                        kind=Card.Kind.EXERCISE,
                        key=key,
                        match_text=normalise_prompt(str(data["prompt_md"])),
                        prompt_md=data["prompt_md"],
                        prompt_html=render_markdown(str(data["prompt_md"])),
                        answer_md=data["answer_md"],
                        answer_html=render_markdown(str(data["answer_md"])),
                        items=data["items"],
                        sim=data["sim"],
                        order=order,
                        updated_at=timezone.now(),
                    )
                )
                order += 1
                report.created.append(key)
            if not dry_run:
                Card.objects.bulk_create(new)
    return report
