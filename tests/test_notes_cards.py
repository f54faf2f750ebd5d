"""The idioms of real notes, the Obsidian Spaced Repetition fixes and the quality gate.

Each idiom has a case that must become a card and a near miss that must not.
"""

from __future__ import annotations

import pytest

from quiz.notes.coverage import measure
from quiz.notes.gate import problem
from quiz.notes.inline import balanced, extract_tags, split_definition, wiki_to_text
from quiz.notes.parser import parse_notes
from quiz.notes.types import ParsedCard


def cards(text: str) -> list[ParsedCard]:
    return parse_notes(text).cards


def pairs(text: str) -> list[tuple[str, str]]:
    return [(c.prompt, c.answer) for c in cards(text)]


def warnings(text: str) -> list[tuple[int, str]]:
    return [(w.line, w.message) for w in parse_notes(text).warnings]


# ---- lists without a colon ------------------------------------------------------------


def test_heading_over_a_short_list_is_a_list_card_that_says_what_to_recall():
    found = cards("## What about SQS\n\n* No client ordering\n* No parallel consuming\n")
    assert [(c.kind, c.prompt, c.items) for c in found] == [
        (
            "list",
            "Name the 2 key points of **SQS**.",
            ["No client ordering", "No parallel consuming"],
        )
    ]


def test_heading_over_long_paragraph_bullets_is_not_one_list_card():
    text = "## Streaming\n\n" + "".join(
        f"* Metric {n} is collected and pushed to the monitoring service every minute by "
        f"the agent running on each host of the fleet\n"
        for n in range(3)
    )
    assert [c for c in cards(text) if c.kind == "list"] == []


def test_nested_categories_give_one_card_per_category_and_one_for_the_categories():
    text = (
        "## Predictive Analytics\n\n"
        "* API Driven Services\n  * Lex - speech\n  * Polly - text to speech\n"
        "* Managed ML Platforms\n  * Amazon ML\n  * Spark ML on EMR\n"
    )
    lists = [(c.prompt, c.items) for c in cards(text) if c.kind == "list"]
    assert lists == [
        (
            "Name the 2 categories of **Predictive Analytics**.",
            ["API Driven Services", "Managed ML Platforms"],
        ),
        (
            "Name the 2 **API Driven Services** (Predictive Analytics).",
            ["Lex - speech", "Polly - text to speech"],
        ),
        (
            "Name the 2 key points of **Managed ML Platforms** (Predictive Analytics).",
            ["Amazon ML", "Spark ML on EMR"],
        ),
    ]


def test_paragraph_ending_in_colon_labels_the_list_under_it():
    found = cards("# OS\n\nMetrics we use:\n\n1. Turnaround\n2. Response time\n3. Fairness\n")
    assert found[0].kind == "list"
    assert found[0].prompt == "Name the 3 **Metrics we use** (OS)."
    assert found[0].items == ["Turnaround", "Response time", "Fairness"]


def test_a_few_numbered_rules_also_give_a_card_per_rule():
    text = "# MLFQ\n\nRules of the MLFQ:\n\n1. Higher priority runs\n2. Equal ones share\n"
    found = cards(text)
    assert [c.kind for c in found] == ["list", "qa", "qa"]
    assert (found[2].prompt, found[2].answer) == (
        "Rules of the MLFQ: what is number 2?",
        "Equal ones share",
    )


def test_a_long_numbered_list_gets_no_card_per_item():
    items = "".join(f"{n}. Step number {n}\n" for n in range(1, 10))
    found = cards(f"# Steps\n\nHow to build it:\n\n{items}")
    assert [c.kind for c in found] == ["list"]


def test_label_with_bullets_and_no_blank_line_is_still_a_list():
    found = cards("# Heart\n\nHeart sounds\n- S1: mitral and tricuspid close\n- S2: aortic close\n")
    assert found[0].kind == "list" and found[0].items == [
        "S1: mitral and tricuspid close",
        "S2: aortic close",
    ]
    assert ("What is **S1** (Heart sounds)?", "mitral and tricuspid close") in pairs(
        "# Heart\n\nHeart sounds\n- S1: mitral and tricuspid close\n- S2: aortic close\n"
    )


def test_one_item_is_never_a_list_card():
    found = cards("# AWS\n\n* Amazon ES\n  * Managed Elasticsearch\n")
    assert [(c.kind, c.prompt, c.answer) for c in found] == [
        ("definition", "What is **Amazon ES** (AWS)?", "Managed Elasticsearch")
    ]


# ---- dash, arrow and equals definitions ---------------------------------------------------


@pytest.mark.parametrize("sep", [" - ", " — ", " – "])
def test_dash_definitions(sep: str):
    assert pairs(f"# OS\n\n* Thread{sep}a unit of execution inside a process\n") == [
        ("What is **Thread** (OS)?", "a unit of execution inside a process")
    ]


@pytest.mark.parametrize("sep", ["=", "->", "=>", "→"])
def test_arrow_and_equals_definitions_ask_for_the_other_side(sep: str):
    assert pairs(f"# Windows\n\n* Stagger {sep} Staffel\n") == [
        (f"**Stagger** {sep} ? (Windows)", "Staffel")
    ]


def test_a_chain_of_arrows_is_a_flow_not_a_definition():
    found = cards("# Flow\n\n* Data -> Store -> Process -> Answers\n")
    assert [c for c in found if c.kind == "definition"] == []


def test_a_hyphenated_word_is_not_a_dash_definition():
    assert [c for c in cards("# X\n\n* Schema-free documents\n") if c.kind == "definition"] == []


def test_definition_lines_in_a_paragraph_each_make_a_card():
    text = "# OS\n\nProcess - a program in execution\nThread - shares the address space\n"
    assert pairs(text) == [
        ("What is **Process** (OS)?", "a program in execution"),
        ("What is **Thread** (OS)?", "shares the address space"),
    ]


def test_a_category_mapped_to_members_asks_which_members_fit():
    text = "## Which data store should I use?\n\n* Data structure\n  * Fixed schema: SQL, NoSQL\n"
    assert ("Which data stores fit **Fixed schema** (Data structure)?", "SQL, NoSQL") in pairs(text)


# ---- definition sentences ---------------------------------------------------------------


def test_definition_sentences():
    found = pairs(
        "# ML\n\n* Cross-validation is a technique for evaluating models on held-out subsets\n"
    )
    assert found == [
        (
            "What is **Cross-validation** (ML)?",
            "A technique for evaluating models on held-out subsets",
        )
    ]
    assert pairs("# N\n\nA socket refers to the door between a process and the network.") == [
        ("What is **socket** (N)?", "It refers to the door between a process and the network.")
    ]


def test_a_bold_term_opening_a_sentence_is_defined_by_it():
    assert pairs("# OS\n\nA **context switch** saves the registers of one process.") == [
        (
            "What is **context switch** (OS)?",
            "A **context switch** saves the registers of one process.",
        )
    ]


def test_sentences_about_pronouns_or_without_an_article_are_not_definitions():
    assert [
        c
        for c in cards("# X\n\nIt is a good idea to sleep well before exams.")
        if c.kind == "definition"
    ] == []
    assert [
        c for c in cards("# X\n\nMetrics are archived by the service.") if c.kind == "definition"
    ] == []


# ---- definition lists, tables ------------------------------------------------------------


def test_markdown_definition_lists():
    text = "# Membranes\n\nCholesterol\n: buffers membrane fluidity\n\nGlycocalyx\n: a sugar coat\n"
    assert pairs(text) == [
        ("What is **Cholesterol** (Membranes)?", "buffers membrane fluidity"),
        ("What is **Glycocalyx** (Membranes)?", "a sugar coat"),
    ]


def test_a_colon_line_is_not_a_definition_list():
    assert [c.kind for c in cards("# X\n\nNot a term\n\n:( a sad face\n")] == []


def test_table_rows_become_cards_with_the_header_as_labels():
    text = (
        "# Scheduling\n\n| Policy | Preemptive | Weakness |\n|---|---|---|\n"
        "| FIFO | No | Convoy effect |\n| STCF | Yes | Starves long jobs |\n"
    )
    found = cards(text)
    assert [(c.prompt, c.answer, c.line) for c in found] == [
        (
            "**FIFO** (Scheduling): what are its Preemptive, Weakness?",
            "- **Preemptive:** No\n- **Weakness:** Convoy effect",
            5,
        ),
        (
            "**STCF** (Scheduling): what are its Preemptive, Weakness?",
            "- **Preemptive:** Yes\n- **Weakness:** Starves long jobs",
            6,
        ),
    ]


def test_a_two_column_table_gives_definitions_and_a_code_cell_keeps_its_pipes_apart():
    text = "# Git\n\n| Command | What it does |\n|---|---|\n| `git init` | Creates a repo |\n"
    assert pairs(text) == [("What is **git init** (Git)?", "Creates a repo")]


# ---- Q:/A:, remarks ------------------------------------------------------------------------


def test_q_and_a_lines():
    assert pairs("# Drill\n\nQ: Which nerve is in the carpal tunnel?\nA: The median nerve\n") == [
        ("Which nerve is in the carpal tunnel?", "The median nerve")
    ]
    assert pairs("# Drill\n\nQ: First?\n\nA: Answer in the next paragraph\n") == [
        ("First?", "Answer in the next paragraph")
    ]


def test_a_question_label_inside_text_is_not_a_pair():
    assert [c.kind for c in cards("# X\n\nQuality: the degree to which it meets needs\n")] == [
        "definition"
    ]


def test_important_lines_give_a_question_or_a_cloze_on_the_key_phrase():
    assert pairs("## Kinesis\n\n* Important: records can arrive twice, so dedupe them\n") == [
        (
            "What should you keep in mind about **Kinesis**?",
            "records can arrive twice, so dedupe them",
        )
    ]
    found = cards("## S3\n\nNote: the bucket name is **globally unique** across all accounts.")
    assert [(c.kind, c.prompt) for c in found] == [
        ("cloze", "the bucket name is [...] across all accounts.")
    ]


# ---- Obsidian and Logseq -----------------------------------------------------------------


def test_callout_is_a_section_titled_by_it_and_its_marker_never_shows():
    text = "# Cells\n\n> [!tip] Organelles\n> - Nucleus\n> - Ribosome\n"
    found = cards(text)
    assert [(c.kind, c.prompt) for c in found] == [
        ("list", "Name the 2 key points of **Organelles** (Cells).")
    ]
    assert not any("[!" in c.prompt + c.answer for c in found)


def test_wiki_links_read_as_their_text():
    assert wiki_to_text("see [[Page]] and [[Page#Part|the part]]") == "see Page and the part"
    assert pairs("# X\n\n* [[Mitochondria]]: the site of respiration\n") == [
        ("What is **Mitochondria** (X)?", "the site of respiration")
    ]


def test_wiki_links_inside_code_are_code():
    assert wiki_to_text("`[[x]]` and [[y]]") == "`[[x]]` and y"


def test_tags_become_card_tags_and_leave_the_text():
    found = cards("## Cells #biology\n\n* Nucleus: holds the genome #exam/core\n")
    assert [(c.prompt, c.answer, c.tags) for c in found] == [
        ("What is **Nucleus** (Cells)?", "holds the genome", ["biology", "exam/core"])
    ]


def test_a_tag_only_line_tags_the_cards_after_it_and_code_is_not_a_tag():
    found = cards("# C\n\n#flashcards\n\nWhat does it print?\n?\n```c\n#include <stdio.h>\n```\n")
    assert [(c.answer, c.tags) for c in found] == [
        ("```c\n#include <stdio.h>\n```", ["flashcards"])
    ]


def test_issue_numbers_and_headings_are_not_tags():
    assert extract_tags("fixed in #12 and C# works") == ("fixed in #12 and C# works", [])


def test_tab_indented_outlines_nest():
    found = cards("- GDP\n\t- C :: consumption\n\t- Types\n\t\t- real\n\t\t- nominal\n")
    assert ("C", "consumption") in [(c.prompt, c.answer) for c in found]
    listed = next(c for c in found if c.kind == "list")
    assert listed.items == ["C :: consumption", "Types\n- real\n- nominal"]


def test_logseq_properties_are_not_cards_but_explicit_cards_are():
    found = cards("- Block\n  id:: 65a1f0c2\n  collapsed:: true\n- Question::Answer\n")
    assert [(c.prompt, c.answer) for c in found] == [("Question", "Answer")]


@pytest.mark.parametrize(
    "line",
    [
        "- [ ] Ratio: a task to do",
        "- [x] Ratio: done already",
        "TODO Ratio: read it",
        "- LATER x: y",
    ],
)
def test_tasks_and_todos_are_never_cards(line: str):
    assert cards(f"# T\n\n{line}\n") == []


def test_front_matter_tags_and_aliases_are_deck_metadata():
    deck = parse_notes("---\ntags: [bio, cells]\naliases:\n  - Cell bio\n---\n# Cells\n\nA::B\n")
    assert (deck.tags, deck.aliases, deck.title) == (["bio", "cells"], ["Cell bio"], "Cells")
    assert deck.cards[0].tags == ["bio", "cells"]


def test_logseq_page_properties_are_deck_metadata():
    deck = parse_notes("title:: Macro\ntags:: economics, exam\n\n- GDP: output\n")
    assert (deck.title, deck.tags) == ("Macro", ["economics", "exam"])
    assert [c.prompt for c in deck.cards] == ["What is **GDP**?"]


def test_notion_toggles_are_read_as_labelled_text():
    text = (
        "# Wars\n\n<details>\n<summary>First War</summary>\n\n"
        "Fought over Sicily in 264 BC.\n</details>\n"
    )
    found = cards(text)
    assert found and all("details" not in c.prompt + c.answer for c in found)
    assert any("Sicily" in c.answer for c in found)


# ---- headings ------------------------------------------------------------------------------


def test_setext_and_numbered_headings_are_topics():
    deck = parse_notes(
        "Lecture\n=======\n\n1. Policies\n-----------\n\n* FIFO: first in first out\n"
    )
    assert [t.path for t in deck.topics] == [("Lecture",), ("Lecture", "1. Policies")]
    assert deck.cards[0].prompt == "What is **FIFO** (Policies)?"


@pytest.mark.parametrize("heading", ["Some other notes", "Misc", "Notes:"])
def test_catch_all_headings_give_no_context(heading: str):
    assert cards(f"# Kinesis\n\n## {heading}\n\n* Shard: a unit of capacity\n")[0].prompt == (
        "What is **Shard**?"
    )


# ---- markup-aware splitting -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "`a: b` is code",
        "**Bold: still bold** stays whole",
        "[a link: here](https://x.example) stays whole",
        "see https://x.example/a::b for more",
        "the host fe80::1 answers",
        "we meet at 10:30 on Monday",
    ],
)
def test_no_split_inside_code_bold_links_urls_ipv6_or_times(text: str):
    assert split_definition(text) is None
    found = cards(f"# X\n\n* {text}\n")
    assert all(balanced(c.prompt) and c.kind != "qa" for c in found)
    assert not any(c.term and c.term in text.split(":")[0] and c.term != text for c in found)


def test_split_after_markup_at_the_first_real_separator():
    assert split_definition("`HEAD` is a ref: a pointer") == ("`HEAD` is a ref", ":", "a pointer")
    assert split_definition("**Term**: definition") == ("**Term**", ":", "definition")


def test_prompts_never_carry_unbalanced_markup():
    text = (
        "# Git\n\n* **HEAD` is a *symbolic ref**: it names the branch\n* `ROWS 3: covers 4 rows\n"
    )
    assert all(balanced(c.prompt) for c in cards(text))
    assert balanced("**a** `b`") and not balanced("**a") and not balanced("`a")


# ---- the quality gate ----------------------------------------------------------------------


def card(kind: str, prompt: str, answer: str, items: list[str] | None = None) -> ParsedCard:
    return ParsedCard(kind, ("T",), prompt, answer, 1, items=items or [])


def test_gate_drops_image_only_answers_bare_labels_lists_of_one_and_telling_clozes():
    assert problem(card("qa", "Which chart?", "![map](./img/map.png)")) == (
        "its answer is only images"
    )
    assert problem(card("qa", "AWS ML", "- a\n- b")) == "its question is a bare label ('AWS ML')"
    assert problem(card("list", "Name the 1 thing", "- a", ["a"])) == "it is a list of one item"
    assert "still shows" in problem(
        card("cloze", "The [...] (translation lookaside buffer) caches", "The ==TLB== (...)")
    )
    assert "still shows" in problem(
        card("cloze", "The [...] (TLB) caches", "The ==translation lookaside buffer== (TLB)")
    )
    assert "still shows" in problem(
        card("cloze", "[...] again: DynamoDB", "==DynamoDB== again: DynamoDB")
    )


def test_gate_keeps_good_cards():
    assert problem(card("qa", "Which chart shows parts of a whole?", "A pie chart")) is None
    assert (
        problem(card("cloze", "The [...] caches translations", "The ==TLB== caches translations"))
        is None
    )
    assert problem(card("list", "Name the 2", "- a\n- b", ["a", "b"])) is None


def test_gate_drops_a_repeated_card_and_warns_with_its_line():
    text = "# T\n\nA::B\n\nA::B\n"
    assert pairs(text) == [("A", "B")]
    assert warnings(text) == [(5, "card dropped: it repeats another card's question and answer")]


def test_dropped_image_card_is_reported_with_its_line():
    assert warnings("# T\n\n## Which map?\n\n![map](./img/map.png)\n") == [
        (3, "card dropped: its answer is only images")
    ]


# ---- Obsidian Spaced Repetition ----------------------------------------------------------


def test_sr_fenced_code_answer_is_restored():
    found = cards("What prints hi?\n?\n```python\nprint('hi')\n```\n")
    assert [(c.prompt, c.answer) for c in found] == [
        ("What prints hi?", "```python\nprint('hi')\n```")
    ]


def test_sr_scheduling_comments_are_stripped_and_do_not_change_identity():
    plain = cards("Capital of France::Paris\n\nThe ==Seine== flows through Paris")
    commented = cards(
        "Capital of France::Paris <!--SR:!2024-01-02,3,250-->\n\n"
        "The ==Seine== flows through Paris\n<!--SR:!2024-01-05,4,270-->"
    )
    assert [(c.prompt, c.answer) for c in commented] == [(c.prompt, c.answer) for c in plain]


def test_sr_leading_tag_goes_to_the_card_tags():
    found = cards("#flashcards/science What is H2O::Water")
    assert [(c.prompt, c.answer, c.tags) for c in found] == [
        ("What is H2O", "Water", ["flashcards/science"])
    ]


def test_sr_html_comments_are_never_cards():
    found = cards("<!--question::answer-->\n\n<!--\nmulti::line\n-->\n\nreal::card")
    assert [(c.prompt, c.answer, c.line) for c in found] == [("real", "card", 7)]


def test_sr_highlighted_inline_code_is_a_cloze():
    found = cards("Print with ==`print()`== in Python")
    assert [(c.kind, c.prompt, c.answer) for c in found] == [
        ("cloze", "Print with [...] in Python", "Print with ==`print()`== in Python")
    ]


def test_sr_one_cloze_card_per_deletion_with_stable_distinct_prompts():
    text = "==Paris== is the capital of ==France==, on the ==Seine==."
    found = cards(text)
    assert [c.prompt for c in found] == [
        "[...] is the capital of France, on the Seine.",
        "Paris is the capital of [...], on the Seine.",
        "Paris is the capital of France, on the [...].",
    ]
    assert [c.answer.count("==") for c in found] == [2, 2, 2]
    assert [c.prompt for c in cards(text)] == [c.prompt for c in found]


# ---- coverage --------------------------------------------------------------------------------


def test_coverage_counts_content_lines_and_lists_the_uncovered():
    text = (
        "# Title\n\n* Shard: a unit of capacity\n\n```\ncode is not content\n```\n\n"
        "![pic](x.png)\n\nso it goes\n"
    )
    result = measure(text, parse_notes(text))
    assert (result.content_lines, result.covered_lines) == (2, 1)
    assert result.uncovered == [(11, "so it goes")]
    assert result.share == 0.5


def test_coverage_of_a_file_without_content_is_full():
    text = "# Only a heading\n"
    assert measure(text, parse_notes(text)).share == 1.0


def test_sr_an_authors_deletion_stays_even_when_the_word_shows_elsewhere():
    found = cards("many text\nsuch surprise ==wow== more ==text==\nsome text after")
    assert [c.prompt for c in found] == [
        "many text such surprise [...] more text some text after",
        "many text such surprise wow more [...] some text after",
    ]


def test_sr_default_syntax_cases():
    cases = {
        "Some text before\nQuestion ::Answer": [("Question", "Answer")],
        "Question\n? \nAnswer": [("Question", "Answer")],
        "#Title\n\nLine0\nQ1\n?\nA1\nAnswerExtra\n\nQ2\n?\nA2": [
            ("Line0\nQ1", "A1\nAnswerExtra"),
            ("Q2", "A2"),
        ],
        "srdf ==": [],
        "lorem ipsum ==dolor won=": [],
    }
    for text, expected in cases.items():
        assert pairs(text) == expected, text


def test_a_chain_of_single_bullets_is_a_flow_not_definitions():
    text = "# Evolution\n\n* Batch\n  * Streaming\n    * Serverless\n"
    assert [c for c in cards(text) if c.kind == "definition"] == []


def test_a_picture_is_never_a_list_label():
    text = "# Charts\n\n* ![combo](x.png)\n  * bars per child\n  * one bar per parent\n"
    assert not any("![" in c.prompt for c in cards(text))


def test_remark_labels_in_bold_and_bold_after_the_label_keep_balanced_markup():
    assert pairs("# S\n\n**Important:** records can arrive twice, so dedupe them") == [
        ("What should you keep in mind about **S**?", "records can arrive twice, so dedupe them")
    ]
    found = cards("# S\n\nRule of thumb: **read the data as you store it**. Then pick a store.")
    assert all(balanced(c.prompt) and balanced(c.answer) for c in found)


def test_a_fact_cloze_hides_a_whole_subject():
    found = cards("# Q\n\nStreams and queues both sit between producers and consumers today.")
    assert not any(c.answer.startswith("==Streams and==") for c in found)
    found = cards("# TCP\n\nSlow start doubles the window every round-trip time.")
    assert [c.prompt for c in found] == ["[...] doubles the window every round-trip time."]


def test_abbreviations_do_not_end_a_sentence():
    found = cards("# K\n\n* VPC flow logs have a capture window of approx. 10 minutes, up to 15.")
    assert all("approx. 10 minutes" in c.answer for c in found) and found
