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
        ("What is a **socket** (N)?", "It refers to the door between a process and the network.")
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


# ---- held-out fixes: page properties, tasks, navigation, inline questions ----------------


def test_dataview_properties_heading_a_page_are_metadata_not_cards():
    text = (
        "---\ntags: [bio]\n---\n# Heart\n\nRelated: [[Valves]], [[Vessels]]\n#cardio\n\n"
        "Source:: Marieb ch. 18\nStatus:: in progress\n\n## Cycle\n\n"
        "Systole:: contraction phase\n"
    )
    assert [p for p, _ in pairs(text) if "::" in p or p in ("Source", "Status")] == []
    assert ("Systole", "contraction phase") in pairs(text)
    # Under the H1 alone (no front matter) the run is still the page's properties.
    assert pairs("# Heart\n\nSource:: Marieb\nExam:: week 8\n\nSystole:: contraction\n") == [
        ("Systole", "contraction")
    ]


def test_key_value_cards_opening_a_page_without_a_heading_stay_cards():
    assert pairs("Systole:: contraction\nDiastole:: relaxation\n") == [
        ("Systole", "contraction"),
        ("Diastole", "relaxation"),
    ]
    # Content first: the `::` lines below it are cards, not properties.
    text = "# Heart\n\nThe heart has four chambers.\n\nSystole:: contraction\n"
    assert ("Systole", "contraction") in pairs(text)


def test_task_items_are_dropped_before_a_list_card_is_built():
    text = "## To do\n\n- [ ] draw the diagram\n- [ ] make cards\n- [x] read 18.5\n"
    assert cards(text) == []
    # One real item left among the tasks: no list card of one.
    text = "## Valves\n\n- [ ] learn these\n- Mitral: two cusps\n"
    assert [c.kind for c in cards(text)] == ["definition"]
    found = cards("Valves of the heart:\n\n- TODO check\n- mitral\n- tricuspid\n- aortic\n")
    assert [c.items for c in found if c.kind == "list"] == [["mitral", "tricuspid", "aortic"]]


def test_a_list_without_tasks_keeps_every_item():
    found = cards("## Valves\n\n- mitral\n- tricuspid\n- aortic [x] marks\n")
    assert found[0].items == ["mitral", "tricuspid", "aortic [x] marks"]


def test_a_label_over_links_alone_is_navigation_not_a_card():
    text = (
        "# Heart\n\nRelated: [[Valves]], [[Blood vessels]]\n#cardio\n\n"
        "- See also: [docs](https://x.example/a) and [[ECG]]\n- Systole: contraction phase\n"
    )
    found = cards(text)
    assert [(c.prompt, c.answer) for c in found] == [
        ("What is **Systole** (Heart)?", "contraction phase")
    ]
    assert found[0].tags == ["cardio"]  # the tag line under the links still tags the cards


def test_a_label_whose_value_has_words_beside_a_link_is_still_a_card():
    found = pairs("- Valves: four, see [[Valve anatomy]]\n- Source: Marieb, ch. 18\n")
    assert ("What are **Valves**?", "four, see Valve anatomy") in found


def test_a_question_and_its_answer_on_one_line_are_a_pair():
    text = (
        "## Elasticity\n\nQ: why is insulin demand inelastic? -> no substitutes + necessity\n\n"
        "- Q (inline): can PES be negative? => normally no, supply slopes up\n"
        "- does tax fall on buyers? → mostly, when demand is inelastic\n"
    )
    assert pairs(text) == [
        ("Why is insulin demand inelastic?", "no substitutes + necessity"),
        ("Can PES be negative?", "normally no, supply slopes up"),
        ("Does tax fall on buyers?", "mostly, when demand is inelastic"),
    ]
    # A question label with words in brackets is still a question label.
    assert pairs("Q (lecture 3): What is GDP?\nA: total output\n") == [
        ("What is GDP?", "total output")
    ]


def test_self_notes_are_skipped_with_a_warning_and_arrows_without_a_question_are_not_pairs():
    text = "## Misc\n\n??? ask TA — is the midpoint formula on the exam\n\n- ask the TA: which\n"
    assert cards(text) == []
    assert warnings(text) == [(3, "note to self; skipped"), (5, "note to self; skipped")]
    # No question mark before the arrow: a definition, not a question.
    assert [c.kind for c in cards("- Inelastic demand -> tax falls on buyers\n")] == ["definition"]
    # A question in a URL is not a question.
    assert all(c.kind != "qa" for c in cards("- see https://x.example/?q=1 -> docs page here\n"))


def test_definition_sentences_with_something_an_aside_or_an_abbreviation():
    assert pairs("Consideration is something of value given by each party in return.") == [
        ("What is **Consideration**?", "Something of value given by each party in return.")
    ]
    assert pairs("Contracts are, in general, a kind of promise that the law enforces.") == [
        ("What are **Contracts**?", "A kind of promise that the law enforces.")
    ]
    assert pairs("End-diastolic volume (EDV) is the blood in a ventricle after filling.") == [
        ("What is **End-diastolic volume (EDV)**?", "The blood in a ventricle after filling.")
    ]
    assert pairs("An offer is a definite promise to be bound on terms.")[0][0] == (
        "What is an **offer**?"
    )


def test_sentences_that_only_look_like_definitions_stay_clozes_or_nothing():
    # "something" after a verb other than "is" defines nothing.
    assert all(c.kind != "definition" for c in cards("The court held something odd in 1893."))
    # An aside that is not between commas is kept, and a clause is not a term.
    assert all(c.kind != "definition" for c in cards("It is, however, a rule of thumb only."))
    # A bracket that is not an abbreviation does not join the term.
    assert all(
        c.term != "Stroke volume (see the table below)"
        for c in cards("Stroke volume (see the table below) is the blood one beat ejects.")
    )


def _hidden(text: str) -> list[str]:
    import re

    return [re.search(r"==(.+?)==", c.answer).group(1) for c in cards(text) if c.kind == "cloze"]


def test_cloze_targets_are_whole_facts_not_citation_years_or_half_ranges():
    assert _hidden("Silence cannot amount to acceptance (*Felthouse v Bindley*, 1862).") == [
        "Felthouse v Bindley"
    ]
    assert _hidden("Domestic deals are presumed not to be binding (Balfour v Balfour, 1919).") == []
    assert _hidden("- if the SA node fails, the AV node takes over at ~40–60 bpm") == ["40–60"]
    # The result side of an arrow is hidden; a condition line is a card of its own (below).
    assert _hidden("- low ratio on every quarter of the year → a downturn") == ["a downturn"]
    # An anaphoric subject is never hidden: the case name is.
    assert _hidden("The same reasoning applies to goods in a shop window (*Fisher v Bell*).") == [
        "Fisher v Bell"
    ]
    # Initials in bold are not a key phrase: the mnemonic's meaning after the arrow is.
    assert _hidden('- "**S**ome **A**nts **A**te" → SA node, AV node, bundle') == [
        "SA node, AV node, bundle"
    ]


def test_years_outside_citations_and_single_numbers_are_still_facts():
    assert _hidden("In our notes the treaty was signed in 1648 by all parties.") == ["1648"]
    assert _hidden("Most healthy adults have about 75 beats per minute at rest.") == ["75"]
    # A long result after an arrow is a statement, not a term to recall.
    long = "the slower pacemaker is suppressed by the faster one"
    assert _hidden(f"- overlap of rates -> {long}") != [long]


def test_a_condition_and_its_result_ask_for_the_result():
    text = "## PED categories\n\n- |PED| = 1 => unit elastic\n- YED < 0 -> inferior good\n"
    assert [p for p in pairs(text) if p[0].startswith("**")] == [
        ("**|PED| = 1** => ? (PED categories)", "unit elastic"),
        ("**YED < 0** -> ? (PED categories)", "inferior good"),
    ]
    # A comparison is not a term; a generic head or a descriptive clause is not either.
    assert [c.term for c in cards("- Veblen good ≠ Giffen: bought because it is dear\n")] == [
        "Veblen good"
    ]
    assert _hidden("The main exception to this is the postal rule.") == []
    assert cards("Goods displayed on a shop shelf are an invitation to treat.") == []
    assert all(c.kind != "definition" for c in cards("**NB** elasticity changes along a curve!"))


def test_plain_equations_chains_and_bare_generic_nouns_keep_their_cards():
    assert pairs("- Stagger = Staffel\n") == [("**Stagger** = ?", "Staffel")]
    # A chain is a flow, not a condition.
    assert all(c.kind != "definition" for c in cards("- x = 1 -> y = 2 -> z\n"))
    assert pairs("An exception is an event that disrupts the flow of a program.") == [
        ("What is an **exception**?", "An event that disrupts the flow of a program.")
    ]


def test_a_definitions_answer_is_its_first_sentence_and_later_sentences_are_cards():
    text = (
        "# Law\n\nA contract is a legally binding agreement between parties. A contract "
        "exists only when four elements are present: an offer, an acceptance, consideration, "
        "and an intention to create legal relations. The Statute of Frauds requires writing "
        "for the sale of land."
    )
    found = cards(text)
    assert (found[0].prompt, found[0].answer) == (
        "What is a **contract** (Law)?",
        "A legally binding agreement between parties.",
    )
    assert [(c.kind, c.prompt) for c in found[1:]] == [
        ("list", "A contract exists only when four elements are present: name the 4."),
        ("cloze", "The [...] requires writing for the sale of land."),
    ]
    assert found[1].items == [
        "an offer", "an acceptance", "consideration", "an intention to create legal relations"
    ]  # fmt: skip
    # Sub-items that define something are cards of their own, not part of the answer.
    text = "- **YED** = %ΔQ / %ΔIncome\n  - YED > 0 -> normal good\n  - rises with income\n"
    assert pairs(text)[:2] == [
        ("**YED** = ?", "%ΔQ / %ΔIncome\n\n- rises with income"),
        ("**YED > 0** -> ? (YED)", "normal good"),
    ]


def test_a_short_follow_up_with_no_card_of_its_own_stays_in_the_answer():
    text = "A socket is an endpoint of a connection. It has an address."
    assert pairs(text) == [
        ("What is a **socket**?", "An endpoint of a connection. It has an address.")
    ]
    # A sentence that names a count but lists another number of things is no list card.
    assert all(c.kind != "list" for c in cards("There are three parts here: one and two."))


def test_grab_bag_headings_give_no_list_card_and_an_order_asks_for_the_order():
    found = cards(
        "## Clinical bits\n\n- Fibrillation = rapid irregular beats\n- Heart block = AV damage\n"
    )
    assert [c.kind for c in found] == ["definition", "definition"]
    found = cards("## Mitosis\n\nOrder of the phases:\n\n1. prophase\n2. metaphase\n3. anaphase\n")
    assert found[0].prompt == "In what order do the 3 steps of **the phases** come?"
    assert found[0].answer == "1. prophase\n2. metaphase\n3. anaphase"


def test_a_grab_bag_of_plain_facts_and_an_unordered_list_keep_their_list_cards():
    # Items that are not definitions have no card of their own: the list card stays.
    found = cards("## Quick recap\n\n- supply slopes up\n- demand slopes down\n")
    assert [c.kind for c in found] == ["list"]
    # A bulleted "Order of" list is not a sequence.
    found = cards("## Mitosis\n\nOrder of the phases:\n\n- prophase\n- metaphase\n")
    assert found[0].prompt != "In what order do the 2 steps of **the phases** come?"
    assert found[0].kind == "list"


def test_cards_from_a_numbered_list_under_a_label_report_their_own_lines():
    text = (
        "## Heart\n\nOrder of the impulse:\n1. SA node – right atrium\n2. AV node – septum\n\nEnd."
    )
    found = cards(text)
    assert [(c.kind, c.line) for c in found] == [("list", 3), ("definition", 4), ("definition", 5)]


def test_items_of_a_list_after_a_blank_line_keep_their_lines_too():
    text = "## Heart\n\nOrder of the impulse:\n\n1. SA node – right atrium\n2. AV node – septum\n"
    assert [c.line for c in cards(text) if c.kind == "definition"] == [5, 6]


def test_a_bold_summary_label_is_a_remark_not_a_term():
    text = "## Bonds\n\n**Summary:** bond type follows from the electronegativity difference.\n"
    assert pairs(text) == [
        ("Sum up **Bonds**.", "bond type follows from the electronegativity difference.")
    ]
    # "Summary" as a term of its own ("Summary statistics: ...") is still a definition.
    assert pairs("- Summary statistics: mean, median and spread\n")[0][0].startswith("What")


def test_x_is_called_y_defines_the_name():
    assert pairs("The person making the offer is called the offeror.") == [
        ("What is **offeror**?", "The person making the offer")
    ]
    # "called" inside a longer predicate is not a naming sentence.
    assert all(c.term != "offeror" for c in cards("The offer is called off when it lapses fully."))


def test_a_dash_definition_holding_a_condition_still_defines_its_term():
    found = pairs("- **Ejection** – ventricular pressure > aortic pressure → valves open\n")
    assert found == [
        ("What is **Ejection**?", "ventricular pressure > aortic pressure → valves open")
    ]
