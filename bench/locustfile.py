"""Simulated learners for bench/load.py (locust, headless): log in, then study as the browser does.

Each learner logs in through the real form, opens the study page, reveals the answer (the htmx
GET the "Show answer" link makes), and posts the rating form it was given (card, version token,
shown token, scope) with the CSRF header htmx sends. About one answer in seven is a double
click: the same form posted twice at once. The server must acknowledge exactly one of the two.

What the server acknowledged is tallied here and written to $LOAD_RESULT when the run stops:
an answer counts as sent only when the response does not say it was already recorded.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re

import gevent
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
USERNAMES = os.environ.get("LOAD_USERNAMES", "").split(",")
DUPLICATE_SHARE = float(os.environ.get("LOAD_DUPLICATE_SHARE", "0.15"))
# What the answer's response says when it recorded nothing (a double click's second post, a
# stale form): words of quiz.views.study.STALE_NOTICE, which a test holds this to.
ALREADY = "so nothing was recorded"

_next_user = itertools.count()
tally = {
    "answers_posted": 0,  # answer POSTs, duplicates included
    "reviews_sent": 0,  # answers the server acknowledged as recorded
    "refused_as_stale": 0,  # answers the server said were already recorded
    "double_clicks": 0,  # pairs posted at once
    "double_click_both_recorded": 0,  # must stay 0
    # Answers whose connection was cut (a worker killed mid-request): the server may or may not
    # have recorded them, so they are neither sent nor lost.
    "answers_cut_off": 0,
    # Answers cut off, posted again, and found already recorded (the kill came after the commit).
    "cut_off_but_recorded": 0,
    "sessions_finished": 0,
}

_REVEAL = re.compile(r'hx-get="([^"]*show=answer[^"]*)"')
_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
_ANSWER_FORM = re.compile(r'<form method="post" action="/study/answer/".*?</form>', re.S)


def answer_fields(page: str) -> dict[str, str] | None:
    form = _ANSWER_FORM.search(page)
    if form is None:
        return None
    return {name: html.unescape(value) for name, value in _FIELD.findall(form[0])}


class Learner(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.username = USERNAMES[next(_next_user) % len(USERNAMES)]
        self.client.get("/accounts/login/", name="login page")
        response = self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="log in",
            allow_redirects=False,
        )
        if response.status_code != 302:
            response.failure(f"log-in refused: {response.status_code}")
        self.page = ""
        self.cut_off = False

    def htmx(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    @task
    def study_one_card(self) -> None:
        if not _REVEAL.search(self.page):
            self.page = self.client.get("/study/", name="study page").text
        link = _REVEAL.search(self.page)
        if link is None:
            tally["sessions_finished"] += 1
            return
        revealed = self.client.get(
            html.unescape(link[1]), headers=self.htmx(), name="reveal answer"
        ).text
        fields = answer_fields(revealed)
        if fields is None:
            self.page = ""
            return
        fields["rating"] = str(random.choices([1, 2, 3, 4], weights=[1, 1, 6, 2])[0])
        if random.random() < DUPLICATE_SHARE:
            tally["double_clicks"] += 1
            pair = [gevent.spawn(self.post_answer, fields, "answer (double click)") for _ in "ab"]
            gevent.joinall(pair)
            pages = [g.value for g in pair if g.value is not None]
            recorded = [p for p in pages if ALREADY not in p]
            if len(recorded) > 1:
                tally["double_click_both_recorded"] += 1
            self.page = recorded[0] if recorded else (pages[0] if pages else "")
        else:
            self.page = self.post_answer(fields, "answer") or ""
            if not self.page and self.cut_off:
                # The connection broke (a worker killed mid-request): post the same form again,
                # as a browser's retry would. If the first one was recorded before the kill, the
                # server says so, and that answer counts as acknowledged.
                gevent.sleep(0.5)
                self.page = self.post_answer(fields, "answer (retried)", retry=True) or ""

    def post_answer(self, fields: dict[str, str], name: str, retry: bool = False) -> str | None:
        self.cut_off = False
        tally["answers_posted"] += 1
        with self.client.post(
            "/study/answer/", fields, headers=self.htmx(), name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                if response.status_code == 0 and not retry:  # the connection broke
                    tally["answers_cut_off"] += 1
                    self.cut_off = True
                response.failure(f"status {response.status_code}")
                return None
            body = response.text
            if retry:
                tally["answers_cut_off"] -= 1  # its fate is known now
            if ALREADY in body and retry:
                tally["cut_off_but_recorded"] += 1
                tally["reviews_sent"] += 1
            elif ALREADY in body:
                tally["refused_as_stale"] += 1
            else:
                tally["reviews_sent"] += 1
            response.success()
            return body


@events.test_stop.add_listener
def write_tally(**_kwargs) -> None:
    path = os.environ.get("LOAD_RESULT")
    if path:
        with open(path, "w") as out:
            json.dump(tally, out)
