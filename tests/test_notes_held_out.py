"""Note styles the parser was not first written for: lettered practice questions, Anki and
RemNote card syntax, four-space outlines, TeX math, timelines and unclosed front matter.

Each style has the case that must read right and a near miss that must stay as it was.
"""

from __future__ import annotations

import random

from quiz.notes.inline import split_definition
from quiz.notes.parser import parse_notes
from quiz.notes.render import render_markdown
from quiz.questions import QuestionMaker, SourceCard, SourceTopic, own_choices


def pairs(text: str) -> list[tuple[str, str, str]]:
    return [(c.kind, c.prompt, c.answer) for c in parse_notes(text).cards]


def warnings(text: str) -> list[tuple[int, str]]:
    return [(w.line, w.message) for w in parse_notes(text).warnings]


# ---- multiple choice ---------------------------------------------------------------------

ORGANOPHOSPHATE = (
    "## Quiz\n\n"
    "Q: Which drug is given first in organophosphate poisoning?\n"
    "A. Propranolol\nB. Atropine\nC. Neostigmine\n\n"
    "Answer: B\n"
)


def test_option_a_after_a_question_is_an_option_not_the_answer():
    assert pairs(ORGANOPHOSPHATE) == [
        (
            "qa",
            "Which drug is given first in organophosphate poisoning?\n\n"
            "- **A.** Propranolol\n- **B.** Atropine\n- **C.** Neostigmine",
            "**B.** Atropine",
        )
    ]
    assert warnings(ORGANOPHOSPHATE) == []


def test_numbered_questions_with_indented_options_are_one_card_each_and_no_list():
    text = (
        "## Practice questions\n\n"
        "1. Which drug is first-line?\n"
        "   A. Propranolol\n   B. Atropine\n   C. Neostigmine\n   D. Pralidoxime\n"
        "   Answer: b\n"
        "2. Which receptor mediates bronchodilation?\n"
        "   a) alpha-1\n   b) beta-1\n   c) beta-2\n\n"
        "   **Answer:** C — because beta-2 relaxes bronchial smooth muscle\n"
    )
    found = parse_notes(text).cards
    assert [(c.kind, c.line, c.answer) for c in found] == [
        ("qa", 3, "**B.** Atropine"),
        ("qa", 9, "**C.** beta-2\n\nbecause beta-2 relaxes bronchial smooth muscle"),
    ]
    assert found[1].prompt.startswith(
        "Which receptor mediates bronchodilation?\n\n- **A.** alpha-1"
    )


def test_a_scenario_stem_with_options_on_one_line_and_a_bold_answer():
    text = (
        "A 55-year-old with asthma needs a beta-blocker for angina.\n"
        "Which is the safest choice?\n"
        "(A) Propranolol (B) Metoprolol (C) Timolol (D) Nadolol\n"
        "**Answer: B** – cardioselective at usual doses\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "A 55-year-old with asthma needs a beta-blocker for angina. Which is the safest "
            "choice?\n\n- **A.** Propranolol\n- **B.** Metoprolol\n- **C.** Timolol\n"
            "- **D.** Nadolol",
            "**B.** Metoprolol\n\ncardioselective at usual doses",
        )
    ]


def test_options_as_sub_bullets_and_an_answer_named_by_its_text():
    text = (
        "- Which drug reverses the block?\n  - A) Neostigmine\n  - B) Atropine\n\n"
        "  Answer: Neostigmine, a cholinesterase inhibitor\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "Which drug reverses the block?\n\n- **A.** Neostigmine\n- **B.** Atropine",
            "**A.** Neostigmine\n\na cholinesterase inhibitor",
        )
    ]


def test_true_or_false_statement_with_its_answer():
    text = (
        "## Practice\n\n5. True or false: neostigmine crosses the blood–brain barrier.\n"
        "   Answer: False — it is a quaternary amine.\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "True or false: neostigmine crosses the blood–brain barrier.",
            "False\n\nit is a quaternary amine.",
        )
    ]


def test_q_dot_a_dot_pair_without_options_stays_a_question_and_answer():
    text = "Q. What is the powerhouse of the cell?\nA. The mitochondrion.\n"
    assert pairs(text) == [("qa", "What is the powerhouse of the cell?", "The mitochondrion.")]


def test_a_lettered_outline_with_no_answer_line_is_not_taken_for_a_question():
    text = "## Essay\n\nParts of an essay:\nA. Introduction\nB. Body\nC. Conclusion\n"
    assert all("**A.**" not in prompt for _, prompt, _ in pairs(text))
    assert warnings(text) == []


def test_an_answer_letter_that_is_no_option_is_a_warning_with_its_line():
    text = "# Quiz\n\nQ: Which one?\nA. x\nB. y\nAnswer: E\n"
    assert pairs(text) == []
    assert warnings(text) == [
        (3, "multiple-choice answer names option E, but the options are A–B; skipped")
    ]


def test_a_labelled_question_with_options_and_no_answer_is_a_warning():
    text = "Q: Which one?\nA. x\nB. y\n"
    assert pairs(text) == []
    assert warnings(text) == [
        (1, "multiple-choice question has no answer line (such as `Answer: B`); skipped")
    ]


def test_exam_asks_a_notes_question_with_its_own_options():
    deck = parse_notes(
        ORGANOPHOSPHATE + "\nQ: What does pralidoxime do?\nA: Regenerates acetylcholinesterase\n"
    )
    cards = [
        SourceCard(n + 1, 1, c.kind, c.prompt, c.answer, tuple(c.items), c.term)
        for n, c in enumerate(deck.cards)
    ]
    maker = QuestionMaker(cards, [SourceTopic(1, None, "Quiz")])
    own = own_choices(cards[0])
    assert own is not None
    assert (own.stem, list(own.options), set(own.right)) == (
        "Which drug is given first in organophosphate poisoning?",
        [("A", "Propranolol"), ("B", "Atropine"), ("C", "Neostigmine")],
        {"B"},
    )
    question = maker.build(cards[0], "answer", random.Random(3))
    assert question is not None
    assert sorted(question.options) == ["Atropine", "Neostigmine", "Propranolol"]
    assert [question.options[i] for i in question.correct] == ["Atropine"]
    assert question.stem == "Which drug is given first in organophosphate poisoning?"
    # Its lettered answer is no distractor for another card's question.
    assert all("Atropine" not in c.text for c in maker.answers)


# ---- Anki and RemNote syntax -------------------------------------------------------------


def test_anki_cloze_is_a_cloze_card_per_number_with_same_numbers_hidden_together():
    text = (
        "## DNA\n\n"
        "Purines are {{c1::adenine}} and {{c1::guanine}}; uracil is in {{c2::RNA::molecule}}.\n"
    )
    assert pairs(text) == [
        (
            "cloze",
            "Purines are [...] and [...]; uracil is in RNA.",
            "Purines are ==adenine== and ==guanine==; uracil is in RNA.",
        ),
        (
            "cloze",
            "Purines are adenine and guanine; uracil is in [molecule].",
            "Purines are adenine and guanine; uracil is in ==RNA==.",
        ),
    ]


def test_an_unclosed_anki_cloze_is_a_warning_not_a_card_of_fragments():
    text = "{{c1::mitochondrion is the powerhouse of the cell.\n"
    assert pairs(text) == []
    assert warnings(text) == [(1, "Anki cloze `{{c1::...}}` is not closed")]


def test_remnote_forward_card_and_a_shift_operator_that_is_not_one():
    text = "- Where does the Calvin cycle happen? >> In the stroma\n- x >> 1 halves x\n"
    found = pairs(text)
    assert ("qa", "Where does the Calvin cycle happen?", "In the stroma") in found
    assert not any(prompt == "x" for _, prompt, _ in found)


def test_bullets_written_as_cards_are_not_also_a_list_card():
    text = (
        "## Replication\n\n- Which enzyme unwinds the helix? >> Helicase\n"
        "- Primase :: lays down a short RNA primer\n"
        "- Ligase :: seals the nicks between Okazaki fragments\n"
    )
    found = parse_notes(text).cards
    assert [c.kind for c in found] == ["qa", "qa", "qa"]


# ---- indentation, math, timelines, front matter ----------------------------------------------


def test_four_space_nesting_keeps_siblings_siblings():
    text = (
        "## Lac operon\n\n- Enzymes of the operon:\n    - beta-galactosidase splits lactose\n"
        "    - permease imports lactose\n    - transacetylase detoxifies\n"
    )
    assert pairs(text) == [
        (
            "list",
            "Name the 3 key points of **Enzymes of the operon** (Lac operon).",
            "- beta-galactosidase splits lactose\n- permease imports lactose\n"
            "- transacetylase detoxifies",
        )
    ]


def test_a_four_space_paragraph_under_a_bullet_continues_it_and_is_not_code():
    text = (
        "## TCP\n\n- Slow start: cwnd doubles every round trip until ssthresh.\n\n"
        "    After a timeout, cwnd restarts at 1 MSS.\n"
    )
    assert pairs(text) == [
        (
            "definition",
            "What is **Slow start** (TCP)?",
            "cwnd doubles every round trip until ssthresh.\n\n"
            "After a timeout, cwnd restarts at 1 MSS.",
        )
    ]


def test_tex_math_is_never_split_at_its_equals_or_colon():
    assert split_definition("Total energy $E = \\tfrac{1}{2}kA^2$ stays constant") is None
    assert split_definition("A function $f: A \\to B$ is injective") is None
    assert pairs("## SHM\n\n- Rest energy: $E = mc^2$ for a body at rest\n") == [
        ("definition", "What is **Rest energy** (SHM)?", "$E = mc^2$ for a body at rest")
    ]
    # A price is not math: "$5 and $10" still splits at its colon.
    assert pairs("- Tickets: $5 and $10 at the door\n") == [
        ("definition", "What are **Tickets**?", "$5 and $10 at the door")
    ]


def test_timeline_entries_ask_for_the_date_and_make_no_list_card():
    text = (
        "## Timeline\n\n- 1051 – Edward promises the throne to William\n"
        "- 14 Oct 1066 – Battle of Hastings\n- 1069–70 – Harrying of the North\n"
    )
    assert pairs(text) == [
        ("definition", "When: **Edward promises the throne to William** (Timeline)?", "1051"),
        ("definition", "When: **Battle of Hastings** (Timeline)?", "14 Oct 1066"),
        ("definition", "When: **Harrying of the North** (Timeline)?", "1069–70"),
    ]
    # A status code is no year.
    assert pairs("## HTTP\n\n- 404: Not Found\n")[0][1] == "What is **404** (HTTP)?"


def test_unclosed_front_matter_is_page_data_and_a_warning():
    text = "---\ntitle: Cell biology\ntags: [bio, cells\n\n# Cells\n\n- Ribosome: makes proteins\n"
    deck = parse_notes(text)
    assert deck.title == "Cell biology"
    assert deck.tags == ["bio", "cells"]
    assert [(c.prompt, c.answer) for c in deck.cards] == [
        ("What is **Ribosome** (Cells)?", "makes proteins")
    ]
    assert [(w.line, w.message) for w in deck.warnings] == [
        (1, "front matter is never closed (no second `---`); read to a blank line")
    ]


def test_anki_cloze_on_the_notes_page_shows_its_text_marked():
    html = render_markdown("Made in the {{c1::Calvin cycle}} from {{c2::CO2::gas}}; `{{c3::x}}`")
    assert html == (
        "<p>Made in the <mark>Calvin cycle</mark> from <mark>CO2</mark>; <code>{{c3::x}}</code></p>"
    )


def test_an_inferred_cloze_never_hides_a_subject_run_into_its_verb():
    for sentence in (
        "The Normans used feigned retreats to draw the English line down the slope.",
        "Adrenaline at low doses acts mainly on beta receptors.",
    ):
        hidden = [c.answer for c in parse_notes(f"## S\n\n{sentence}\n").cards]
        assert not any("used feigned" in a or "at low==" in a for a in hidden), hidden
    # A name with a preposition in it is still a subject.
    assert pairs("## MSK\n\nManaged Streaming for Kafka runs Apache Kafka clusters for you.\n") == [
        (
            "cloze",
            "[...] runs Apache Kafka clusters for you.",
            "==Managed Streaming for Kafka== runs Apache Kafka clusters for you.",
        )
    ]


def test_a_vocabulary_table_asks_for_the_meaning_and_shows_the_example():
    text = (
        "## Rooms\n\n| Word | Meaning | Example |\n| --- | --- | --- |\n"
        "| la cocina | kitchen | *Mi madre cocina en la cocina.* |\n"
    )
    assert pairs(text) == [
        (
            "definition",
            "**la cocina** (Rooms): what is its Meaning?",
            "kitchen\n\n*Example:* *Mi madre cocina en la cocina.*",
        )
    ]


def test_ragged_table_rows_are_warnings_with_their_lines():
    text = (
        "## Capitals\n\n| Country | Capital | Continent |\n| --- | --- | --- |\n"
        "| France | Paris | Europe |\n| Japan | Tokyo |\n| Kenya | Nairobi | Africa | East |\n"
        "| `a|b` | pipe | code |\n"
    )
    assert warnings(text) == [
        (6, "table row has 2 cell(s), its header 3"),
        (7, "table row has 4 cell(s), its header 3; the extra cells were dropped"),
    ]
    assert ("definition", "**Japan** (Capitals): what is its Capital?", "- **Capital:** Tokyo") in (
        pairs(text)
    )


def test_headings_with_no_text_are_warned_at_their_own_lines():
    text = "# Economics\n\n## Demand\n\nPrice up, demand down.\n\n##\n\n#### \n\n## Summary\n"
    assert warnings(text) == [(7, "heading has no text"), (9, "heading has no text")]


def test_options_after_a_blank_line_and_an_explanation_over_two_lines():
    text = (
        "Which service fits a work queue?\n\n- A. Kinesis Data Streams\n- B. Amazon SQS\n\n"
        "Answer: B. A queue hands each message to one consumer\nand deletes it once processed.\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "Which service fits a work queue?\n\n- **A.** Kinesis Data Streams\n"
            "- **B.** Amazon SQS",
            "**B.** Amazon SQS\n\nA queue hands each message to one consumer and deletes it once "
            "processed.",
        )
    ]
    # "Answer: A queue ..." is a sentence, not option A.
    text = "Q: Which one?\nA. SQS\nB. Kinesis\nAnswer: A queue, so SQS\n"
    assert pairs(text) == []
    assert warnings(text) == [
        (1, "multiple-choice answer 'A queue, so SQS' names no option letter; skipped")
    ]


def test_a_term_with_its_own_emphasis_keeps_it_balanced():
    found = pairs("## Expressions\n\n- *Tener ganas de* + infinitive — to feel like doing it\n")
    assert found == [
        (
            "definition",
            "What is ***Tener ganas de* + infinitive** (Expressions)?",
            "to feel like doing it",
        )
    ]


def test_a_display_equation_asks_for_its_right_side_after_its_lead_in():
    text = (
        "## The simple pendulum\n\nFor small angles we use $\\sin\\theta \\approx \\theta$, "
        "which gives\n\n$$T = 2\\pi\\sqrt{\\frac{L}{g}}$$\n\n## Motion\n\n"
        "$$x(t) = A\\cos(\\omega t)$$\n"
    )
    assert pairs(text) == [
        (
            "definition",
            "For small angles we use $\\sin\\theta \\approx \\theta$, which gives $$T = \\;?$$",
            "$$T = 2\\pi\\sqrt{\\frac{L}{g}}$$",
        ),
        ("definition", "**Motion**: $$x(t) = \\;?$$", "$$x(t) = A\\cos(\\omega t)$$"),
    ]


def test_a_named_quantity_and_its_formula_asks_for_the_formula():
    text = (
        "## SHM\n\n- Maximum speed $v_{max} = A\\omega$, reached at $x = 0$\n"
        "- Therefore $T = 2\\pi\\sqrt{m/k}$ and more\n"
    )
    definitions = [(p, a) for kind, p, a in pairs(text) if kind == "definition"]
    assert definitions == [
        ("**Maximum speed** = ? (SHM)", "$v_{max} = A\\omega$, reached at $x = 0$")
    ]


def test_a_bare_noun_defined_by_its_relative_clause_is_a_definition():
    text = "## SHM\n\nSimple harmonic motion (SHM) is motion in which the force is proportional.\n"
    assert pairs(text) == [
        (
            "definition",
            "What is **Simple harmonic motion (SHM)** (SHM)?",
            "Motion in which the force is proportional.",
        )
    ]


def test_exam_asks_a_true_or_false_card_as_true_or_false_and_explains_from_the_notes():
    deck = parse_notes(
        "True or false: a Kinesis consumer removes a record when it reads it.\n"
        "Answer: False. Records stay until the retention period ends.\n"
    )
    card = SourceCard(1, 1, "qa", deck.cards[0].prompt, deck.cards[0].answer)
    question = QuestionMaker([card], [SourceTopic(1, None, "T")]).build(
        card, "answer", random.Random(1)
    )
    assert question is not None
    assert sorted(question.options) == ["False", "True"]
    assert [question.options[i] for i in question.correct] == ["False"]
    wrong = question.option_explanations[question.options.index("True")]
    assert wrong.text == (
        "Your notes answer “False”: Records stay until the retention period ends."
    )


def test_sentences_about_the_notes_themselves_make_no_card():
    text = (
        "# Physics\n\nWeek 9 notes. Source: lectures 17–18 and chapter 15.\n\n"
        "- These are my RemNote exports, cleaned up a little.\n\n"
        "## TCP\n\nSlow start doubles cwnd every round-trip time.\n"
    )
    assert [p for _, p, _ in pairs(text)] == ["[...] doubles cwnd every round-trip time."]


def test_a_second_remark_on_one_subject_does_not_repeat_the_first_question():
    text = (
        "## Ser vs estar\n\nCaveat: location of an event uses ser, even though it is a place.\n\n"
        "Caveat: estar is used with the gerund for actions in progress.\n"
    )
    assert [p for _, p, _ in pairs(text)] == [
        "What should you keep in mind about **Ser vs estar**?",
        "What should you keep in mind about **Ser vs estar** (“estar is …”)?",
    ]


# ---- a second held-out audit: Roam, pasted cards, long left sides -------------------------


def test_roam_todo_and_done_are_tasks_never_facts():
    text = (
        "# Antibodies\n\n{{[[TODO]]}} check whether IgA is a dimer in serum too\n\n"
        "- IgA - in secretions, usually a dimer\n- {{[[DONE]]}} make cards for innate immunity\n"
    )
    assert pairs(text) == [
        ("definition", "What is **IgA** (Antibodies)?", "in secretions, usually a dimer")
    ]


def test_a_line_with_a_long_left_side_is_never_glued_to_the_card_above():
    text = (
        "## Plate tectonics\n\nHotspot: a plume of hot mantle under a plate.\n"
        "Boundary where plates slide past each other: transform.\n"
        "Subduction zone: where one plate sinks beneath another.\n"
    )
    assert sorted(pairs(text)) == [
        (
            "definition",
            "What is **Hotspot** (Plate tectonics)?",
            "a plume of hot mantle under a plate.",
        ),
        (
            "definition",
            "What is **Subduction zone** (Plate tectonics)?",
            "where one plate sinks beneath another.",
        ),
        ("qa", "Boundary where plates slide past each other?", "transform"),
    ]


def test_cards_pasted_from_other_apps_are_one_card_a_line():
    assert pairs("# Capitals\n\nFrance | Paris\nCapital of Myanmar since 2005 | Naypyidaw\n") == [
        ("qa", "France", "Paris"),
        ("qa", "Capital of Myanmar since 2005", "Naypyidaw"),
    ]
    assert pairs(
        "# Rivers\n\nLongest river in Africa ; Nile\nLongest river in Europe ; Volga\n"
    ) == [
        ("qa", "Longest river in Africa", "Nile"),
        ("qa", "Longest river in Europe", "Volga"),
    ]
    anki = "#separator:tab\n#html:true\nSmallest country\tVatican City\nLargest lake\tCaspian Sea\n"
    deck = parse_notes(anki)
    assert [(c.prompt, c.answer, c.tags) for c in deck.cards] == [
        ("Smallest country", "Vatican City", []),
        ("Largest lake", "Caspian Sea", []),
    ]
    assert pairs("# Caps\n\nOttawa <-> capital of Canada\n") == [
        ("qa", "Ottawa", "capital of Canada"),
        ("qa", "capital of Canada", "Ottawa"),
    ]


def test_a_name_with_of_is_asked_by_its_head_noun():
    assert pairs("## Rome\n\n- Tribune of the plebs - an officer who could veto\n") == [
        ("definition", "What is **Tribune of the plebs** (Rome)?", "an officer who could veto")
    ]


def test_labelled_fields_are_asked_of_their_subject_with_the_whole_field():
    text = (
        "## *Donoghue v Stevenson*\n\n**Facts:** A friend bought Mrs D a ginger beer. A snail "
        "fell out of the opaque bottle.\n\nIssue: Does a manufacturer owe the consumer a duty?\n"
        "Holding: Yes. A manufacturer owes a duty of reasonable care.\n\n"
        "## Organophosphate poisoning\n\n- Mechanism: irreversible inhibition of AChE\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "Facts of ***Donoghue v Stevenson***?",
            "A friend bought Mrs D a ginger beer. A snail fell out of the opaque bottle.",
        ),
        (
            "qa",
            "Issue of ***Donoghue v Stevenson***?",
            "Does a manufacturer owe the consumer a duty?",
        ),
        (
            "qa",
            "Holding of ***Donoghue v Stevenson***?",
            "Yes. A manufacturer owes a duty of reasonable care.",
        ),
        ("qa", "Mechanism of **Organophosphate poisoning**?", "irreversible inhibition of AChE"),
    ]


def test_numbered_textbook_blocks_ask_their_name_not_their_number():
    text = (
        "## Estimators\n\n**Definition 3.2 (Bias).** The bias of an estimator is its expected "
        "value minus the true parameter.\n\n## CLT\n\n**Theorem 3.7 (CLT).** The standardised "
        "sample mean converges in distribution to N(0,1).\n"
    )
    assert pairs(text) == [
        (
            "definition",
            "What is **Bias** (Estimators)?",
            "The bias of an estimator is its expected value minus the true parameter.",
        ),
        (
            "qa",
            "State **CLT**.",
            "The standardised sample mean converges in distribution to N(0,1).",
        ),
    ]


def test_pitfall_and_exam_tip_lines_are_remarks():
    text = "## Sorting\n\nPitfall: quicksort hits n squared on sorted input with a naive pivot.\n"
    assert pairs(text) == [
        (
            "qa",
            "What should you keep in mind about **Sorting**?",
            "quicksort hits n squared on sorted input with a naive pivot.",
        )
    ]


def test_a_two_column_table_asks_by_its_second_header():
    text = (
        "## Capitals\n\n| Country | Capital |\n| --- | --- |\n| France | Paris |\n\n"
        "## Git\n\n| Command | Shows |\n| --- | --- |\n| git reflog | Where HEAD has been |\n\n"
        "## Terms\n\n| Term | Definition |\n| --- | --- |\n| Shard | A unit of capacity |\n"
    )
    assert pairs(text) == [
        ("definition", "**France** (Capitals): what is its Capital?", "Paris"),
        ("definition", "What does **git reflog** (Git) show?", "Where HEAD has been"),
        ("definition", "What is **Shard** (Terms)?", "A unit of capacity"),
    ]


def test_roam_references_widgets_highlights_and_tags_read_as_roam_means_them():
    text = (
        "## Complement #[[high yield]]\n\n- {{[[embed]]: ((Xp93-aQ1r))}}\n"
        "- The membrane attack complex is formed by ^^C5b-C9^^ and lyses cells.\n"
        "- B cells → antibodies (humoral immunity) ((b7Xk2_Lq9))\n"
        "- Q:: Why no live vaccine on high-dose steroids?\n"
        "    - the organism could cause disease\n"
        "- Source:: Janeway ch. 1\n"
    )
    deck = parse_notes(text)
    assert [(c.kind, c.prompt, c.answer, c.tags) for c in deck.cards] == [
        (
            "cloze",
            "The membrane attack complex is formed by [...] and lyses cells.",
            "The membrane attack complex is formed by ==C5b-C9== and lyses cells.",
            ["high-yield"],
        ),
        (
            "definition",
            "**B cells** → ? (Complement)",
            "antibodies (humoral immunity)",
            ["high-yield"],
        ),
        (
            "qa",
            "Why no live vaccine on high-dose steroids?",
            "- the organism could cause disease",
            ["high-yield"],
        ),
    ]


def test_a_heading_written_as_a_block_is_a_section():
    text = (
        "- # Hypersensitivity reactions\n    - Type I — immediate, IgE-mediated\n"
        "    - Type IV — delayed, T-cell mediated\n- # Diabetes\n"
        "    - Type I — autoimmune destruction of beta cells\n"
    )
    deck = parse_notes(text)
    assert [t.title for t in deck.topics] == ["Hypersensitivity reactions", "Diabetes"]
    definitions = [(c.prompt, c.line) for c in deck.cards if c.kind == "definition"]
    assert definitions == [
        ("What is **Type I** (Hypersensitivity reactions)?", 2),
        ("What is **Type IV** (Hypersensitivity reactions)?", 3),
        ("What is **Type I** (Diabetes)?", 5),
    ]
    html = render_markdown(text)
    assert "<h1>Diabetes</h1>" in html and "<li>Type I — autoimmune" in html


def test_statute_provisions_formulas_and_bold_italic_clozes_keep_their_spans():
    assert pairs(
        "## Statutes\n\nCRA 2015 s. 10: goods must be fit for a made-known purpose.\n"
    ) == [
        (
            "definition",
            "What does **CRA 2015 s. 10** provide?",
            "goods must be fit for a made-known purpose.",
        )
    ]
    assert pairs(
        "## Redox\n\nIn basic solution, balance in acid, then add OH⁻ to both sides.\n"
    ) == [
        (
            "cloze",
            "In basic solution, balance in acid, then add [...] to both sides.",
            "In basic solution, balance in acid, then add ==OH⁻== to both sides.",
        )
    ]
    assert pairs("## Estimators\n\nAn estimator is ***unbiased*** if its bias is zero.\n") == [
        (
            "cloze",
            "An estimator is [...] if its bias is zero.",
            "An estimator is ==unbiased== if its bias is zero.",
        )
    ]
    found = pairs("## Ions\n\nA monatomic ion's oxidation state equals its charge (Fe³⁺ → +3).\n")
    assert found and all(a.endswith("==+3==).") for _, _, a in found), found


def test_html_subscripts_read_as_one_formula():
    text = (
        "# Ox states\n\n- S in H<sub>2</sub>SO<sub>4</sub>: +6\n"
        "- N in NH<sub>4</sub><sup>+</sup>: −3\n"
    )
    definitions = [(p, a) for kind, p, a in pairs(text) if kind == "definition"]
    assert definitions == [
        ("What is **S in H₂SO₄** (Ox states)?", "+6"),
        ("What is **N in NH₄⁺** (Ox states)?", "−3"),
    ]


def test_a_wrapped_line_with_a_dash_continues_its_remark_and_a_tip_under_definitions_is_one():
    text = (
        "## Confidence intervals\n\n"
        "Common misreading: it is not a 95% probability that mu lies in\n"
        'this "particular interval" — once computed, it holds mu or not.\n\n'
        "## Config\n\nMerge markers: ours, separator, theirs.\n"
        "Tip: rerere remembers how you resolved a conflict.\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "What should you keep in mind about **Confidence intervals**?",
            'it is not a 95% probability that mu lies in this "particular interval" — once '
            "computed, it holds mu or not.",
        ),
        ("definition", "What are **Merge markers** (Config)?", "ours, separator, theirs."),
        (
            "qa",
            "What should you keep in mind about **Config**?",
            "rerere remembers how you resolved a conflict.",
        ),
    ]


def test_an_unnamed_result_that_is_a_formula_asks_for_its_right_side():
    text = "## Estimators\n\n**Proposition 3.4.** $MSE = Var + Bias^2$.\n"
    assert pairs(text) == [("definition", "**Estimators**: $MSE = \\;?$", "$MSE = Var + Bias^2$.")]


def test_a_short_label_line_over_definition_lines_labels_them():
    text = (
        "# Redox\n\n2.1 Definitions\nOxidising agent: the species reduced.\n"
        "Reducing agent: the species oxidised.\n"
    )
    assert pairs(text) == [
        ("definition", "What is **Oxidising agent** (Definitions)?", "the species reduced."),
        ("definition", "What is **Reducing agent** (Definitions)?", "the species oxidised."),
    ]


# ---- near misses a review of the new rules found --------------------------------------------


def test_new_rules_leave_ordinary_notes_alone():
    # A glossary entry named like a field is a definition.
    assert pairs("# Glossary\n\nDiagnosis: naming a disease\nPrognosis: its likely course\n") == [
        ("definition", "What is **Diagnosis** (Glossary)?", "naming a disease"),
        ("definition", "What is **Prognosis** (Glossary)?", "its likely course"),
    ]
    # A shell pipeline, a table without its separator row, a bit shift: no pasted cards.
    assert pairs("# Shell\n\nUse grep | sort to find duplicates\nUse ps aux | grep python\n") == []
    assert all(kind != "qa" for kind, _, _ in pairs("# T\n\n| Name | Age |\n| Alice | 30 |\n"))
    assert not any(
        p == "Shift left by one: x"
        for _, p, _ in pairs("# C\n\nShift left by one: x >> 1 halves it\n")
    )
    # Sentences that only start like meta lines keep their card.
    assert pairs("# C\n\nSource code is compiled into bytecode before it runs.\n")
    # Counts are not years outside a timeline; a reference in a sentence is no statute.
    found = pairs("# Stats\n\n- 1500: number of participants\n- 2000: number of samples\n")
    assert not any(p.startswith("When:") for _, p, _ in found), found
    found = pairs("# Proofs\n\nSee para. 4 for the counterexample: the proof fails for n = 2.\n")
    assert not any("provide?" in p for _, p, _ in found), found
    # Handlebars, a word in double brackets, Knuth's arrows stay text.
    text = (
        "# T\n\nThe template prints {{name}} and ((powerhouse)); 2^^3 = 16 in Knuth's notation.\n"
    )
    assert all("{{name}}" in a and "((powerhouse))" in a for _, _, a in pairs(text)), pairs(text)
    # Lettered steps and a result are not a multiple-choice question.
    text = (
        "# Algebra\n\nTo solve it:\na) factor the polynomial\nb) set each factor to zero\n\n"
        "Answer: x = 2 or x = 3.\n"
    )
    assert parse_notes(text).warnings == []
    # In a two-space list, four spaces after a blank line are code.
    text = "# Py\n\n- Lists are mutable\n- Tuples are immutable\n\n    x = (1, 2)\n    x[0] = 3\n"
    assert not any(p.startswith("**x**") for _, p, _ in pairs(text)), pairs(text)


def test_a_pasted_side_that_opens_with_a_digit_must_still_be_short():
    long = "2 " + " ".join(["words"] * 12)
    found = pairs(f"# T\n\nFrance | {long}\nSpain | {long}\n")
    assert all(kind != "qa" for kind, _, _ in found), found
    assert pairs("# T\n\nPlanets | 8\nMoons of Mars | 2\n") == [
        ("qa", "Planets", "8"),
        ("qa", "Moons of Mars", "2"),
    ]


# ---- a third held-out audit: Obsidian, Logseq, Notion, Cornell, lecture and law notes -----


def test_a_list_right_under_a_label_keeps_its_nesting():
    text = (
        "# Physics\n\nCollisions:\n- elastic: momentum and KE conserved\n"
        "- perfectly inelastic: objects stick together\n"
        "  - $v_f = (m_1 v_1 + m_2 v_2)/(m_1 + m_2)$\n"
    )
    found = pairs(text)
    assert found[0] == (
        "list",
        "Name the 2 key points of **Collisions** (Physics).",
        "- elastic: momentum and KE conserved\n- perfectly inelastic: objects stick together\n"
        "  - $v_f = (m_1 v_1 + m_2 v_2)/(m_1 + m_2)$",
    )
    # The formula belongs to the type it is written under, not to the list of types.
    assert ("definition", "What is **perfectly inelastic** (Collisions)?") in [
        (k, p) for k, p, a in found if "v_f" in a
    ]


def test_a_question_standing_alone_is_answered_by_the_block_under_it():
    cornell = (
        "# OS\n\n**Q:** What are the process states?\n\n"
        "New, Ready, Running, Waiting, Terminated.\n\n"
        "Q: Which layers are below IP?\n\n- Link\n- Physical\n"
    )
    assert pairs(cornell) == [
        ("qa", "What are the process states?", "New, Ready, Running, Waiting, Terminated."),
        ("qa", "Which layers are below IP?", "- Link\n- Physical"),
    ]
    toggle = (
        "# Revolution\n\n<details>\n<summary>Why did Louis XVI call the Estates-General?</summary>"
        "\n\nBecause the monarchy was bankrupt.\n\n</details>\n"
    )
    assert pairs(toggle) == [
        ("qa", "Why did Louis XVI call the Estates-General?", "Because the monarchy was bankrupt.")
    ]
    # A question whose answer is labelled stays as it was; one with nothing under it is no card.
    assert pairs("# N\n\nQ: What is TCP?\n\nA: A reliable transport.\n") == [
        ("qa", "What is TCP?", "A reliable transport.")
    ]
    assert [k for k, _, _ in pairs("# N\n\n**Why?**\n\n## Next\n\nPlain text here.\n")] != ["qa"]


def test_logseq_card_tags_clozes_references_and_aliases():
    text = (
        "alias:: Supply and demand\n\n"
        "- What is the law of demand? #card\n\t- When price rises, quantity demanded falls.\n"
        "- Price floor #card\n\t- A legal minimum price\n"
        "- A change in price causes a {{cloze movement along}} the demand curve.\n"
        "- Demand slopes down, see ((65cd1a2e-77b1-4c1e-9f34-1a2b3c4d5e6f)) for why\n"
    )
    deck = parse_notes(text)
    assert deck.aliases == ["Supply and demand"]
    cards = [(c.kind, c.prompt, c.answer, c.tags) for c in deck.cards]
    assert cards[:3] == [
        (
            "qa",
            "What is the law of demand?",
            "- When price rises, quantity demanded falls.",
            ["card"],
        ),
        ("definition", "What is **Price floor**?", "- A legal minimum price", ["card"]),
        (
            "cloze",
            "A change in price causes a [...] the demand curve.",
            "A change in price causes a ==movement along== the demand curve.",
            [],
        ),
    ]
    assert not any("((" in c.answer or "#card" in c.prompt for c in deck.cards)


def test_obsidian_comments_block_ids_and_footnotes_are_not_facts():
    text = (
        "# Cells\n\nMitochondria: make ATP by oxidative respiration ^mito01\n\n"
        "%% TODO: add beta-oxidation next week %%\n\n%%\nsome longer\nprivate comment\n%%\n\n"
        "Ribosomes: translate mRNA into protein.[^1]\n\n"
        "[^1]: Prof. A. said this is on the exam.\n    (and the one after)\n"
    )
    assert pairs(text) == [
        ("definition", "What is **Mitochondria** (Cells)?", "make ATP by oxidative respiration"),
        ("definition", "What are **Ribosomes** (Cells)?", "translate mRNA into protein."),
    ]
    # Inline code keeps its "%%"; a "^" inside a formula is no block id.
    kept = pairs("# Py\n\nFormat: `'%%d' %% n` escapes a percent sign in old-style formatting\n")
    assert any("%%" in a for _, _, a in kept), kept
    assert any("x ^2" in a for _, _, a in pairs("# M\n\nSquare: written x ^2 in plain text\n"))


def test_a_list_numbered_with_parentheses_is_a_list():
    text = (
        "# States\n\nTransitions:\n1) New to Ready: admitted by the scheduler\n"
        "2) Running to Waiting: waits for I/O\n"
    )
    assert pairs(text)[0] == (
        "list",
        "Name the 2 key points of **Transitions** (States).",
        "1. New to Ready: admitted by the scheduler\n2. Running to Waiting: waits for I/O",
    )
    assert "<ol>" in render_markdown("1) one\n2) two\n")


def test_notion_property_block_is_page_data_and_its_tags_are_the_decks():
    text = (
        "# French Revolution\n\nCourse: HIST 210\nCreated: February 3, 2024 4:12 PM\n"
        "Tags: Exam 2, Revolutions\nStatus: In progress\n\n"
        "## Causes\n\nDebt: the monarchy was bankrupt after the American war.\n"
    )
    deck = parse_notes(text)
    assert deck.tags == ["Exam-2", "Revolutions"]
    assert [(c.prompt, c.answer) for c in deck.cards] == [
        ("What is **Debt** (Causes)?", "the monarchy was bankrupt after the American war.")
    ]
    # Term lines under a title that are not Notion's own keys stay cards.
    assert len(pairs("# Glossary\n\nOffer: a promise.\nAcceptance: assent to an offer.\n")) == 2


def test_notion_aside_keeps_its_text_and_a_tip_reads_past_its_emoji():
    text = (
        "# Rev\n\n<aside>\n💡 **Tip:** the Estates-General met in **1789** for the first time "
        "since 1614.\n\n</aside>\n"
    )
    assert pairs(text) == [
        (
            "cloze",
            "the Estates-General met in [...] for the first time since 1614.",
            "the Estates-General met in ==1789== for the first time since 1614.",
        )
    ]


def test_bold_labels_are_set_in_bold_once_and_a_bold_terms_other_name_is_its_own():
    text = (
        "# Rev\n\n## Phases\n1. **Liberal phase**\n    - National Assembly\n    - Constitution\n"
        "2. **Radical phase**\n    - Republic declared\n    - Reign of Terror\n\n"
        "## Stages\n- **Krebs cycle** (citric acid cycle) — matrix, 2 ATP per glucose\n"
    )
    prompts = [p for _, p, _ in pairs(text)]
    assert "Name the 2 key points of **Liberal phase** (Phases)." in prompts
    assert not any("****" in p for p in prompts)
    krebs = ("What is **Krebs cycle (citric acid cycle)** (Stages)?", "matrix, 2 ATP per glucose")
    assert krebs in [(p, a) for _, p, a in pairs(text)]


def test_a_shell_redirect_in_prose_is_no_card():
    found = pairs('# Shell\n\nTo keep a log, append with echo "run done" >> log.txt\n')
    assert not any(kind == "qa" for kind, _, _ in found), found
    assert pairs("# R\n\nCapital of Peru >> Lima\n") == [("qa", "Capital of Peru", "Lima")]


def test_a_tip_of_one_sentence_is_asked_as_its_fact_and_a_pitfall_as_a_question():
    assert pairs("## CLT\n\nTip: n ≥ 30 is large enough unless the data are very skewed.\n") == [
        (
            "cloze",
            "n ≥ [...] is large enough unless the data are very skewed.",
            "n ≥ ==30== is large enough unless the data are very skewed.",
        )
    ]
    assert pairs("## CI\n\nPitfall: it is not a 95% chance that mu is in this interval.\n") == [
        (
            "qa",
            "What should you keep in mind about **CI**?",
            "it is not a 95% chance that mu is in this interval.",
        )
    ]


def test_code_over_bullets_is_no_label_and_a_flag_is_asked_what_it_does():
    text = (
        "# Build\n\n```bash\n$ gcc -Wall -o sim sim.c\n```\n"
        "* `-Wall` turns on most warnings\n* `-o sim` names the output file\n"
    )
    assert pairs(text) == [
        ("qa", "What does `-Wall` do?", "turns on most warnings"),
        ("qa", "What does `-o sim` do?", "names the output file"),
    ]


def test_an_answers_verdict_is_no_term_and_fields_are_asked_by_name():
    text = (
        "# Econ\n\n- Is a tax on buyers the same as a tax on sellers?\n"
        "  - Yes — the burden is shared the same way whoever pays.\n"
    )
    assert [k for k, _, _ in pairs(text)] == ["qa"]
    drug = (
        "# Drugs\n\n* Thiazides\n    * MOA: inhibit NaCl reabsorption in the DCT\n"
        "    * SE: hypokalemia, hyperglycemia\n    * CI: sulfa allergy\n"
    )
    assert pairs(drug)[0][1] == "Name the MOA, SE and CI of **Thiazides** (Drugs)."
    # Members of a set are not fields: naming them would give the answer away.
    orders = "# Rome\n\n- Social orders\n  - Patricians: old families\n  - Plebeians: the rest\n"
    assert pairs(orders)[0][1] == "Name the 2 key points of **Social orders** (Rome)."


def test_a_theorem_is_stated_and_its_proof_proves_it():
    text = (
        "# Momentum\n\nTheorem: If the net external force is zero, total momentum is conserved.\n"
        "Proof: the sum of forces is dP/dt, which is zero, so P is constant.\n\n"
        "# Alone\n\nProof: by induction on n.\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "State the theorem (Momentum).",
            "If the net external force is zero, total momentum is conserved.",
        ),
        (
            "qa",
            "Prove: If the net external force is zero, total momentum is conserved.",
            "the sum of forces is dP/dt, which is zero, so P is constant.",
        ),
    ]


def test_a_sentence_opening_with_it_is_asked_of_what_it_names():
    text = (
        "# Glycolysis\n\nPhosphofructokinase is the main control point of glycolysis. "
        "It is inhibited by high ATP and citrate.\n\n"
        "# Loose\n\nThey were later shown to be wrong by three separate experiments.\n"
    )
    found = pairs(text)
    assert (
        "cloze",
        "Phosphofructokinase is inhibited by high [...] and citrate.",
        "Phosphofructokinase is inhibited by high ==ATP== and citrate.",
    ) in found
    assert not any(p.startswith("They") for _, p, _ in found), found


def test_course_admin_lines_are_no_cards():
    text = (
        "# Cardio\n\nBlock 3 - wk 2. Dr. Okafor lectures + FA pg 312-330\n\n"
        "HW3 due Friday - implement MLFQ in the simulator.\n\nDate: Feb 12\n"
    )
    assert pairs(text) == []


# ---- a fourth held-out audit: AI summaries, Zettelkasten, slides, a Rust cheat sheet --------


def test_definition_sentences_with_a_gerund_a_possessive_or_a_quoted_alias():
    text = (
        "# Psych\n\nSelf-justification is explaining away our own bad choices so that we look "
        "good.\n\nThe fundamental attribution error is our tendency to explain behaviour by "
        'character.\n\nHedonic adaptation (the "hedonic treadmill") is the tendency to return '
        "to a baseline of happiness.\n\nThe server is running late today because of the storm.\n"
    )
    found = [(k, p) for k, p, _ in pairs(text)]
    assert ("definition", "What is **Self-justification** (Psych)?") in found
    assert ("definition", "What is **fundamental attribution error** (Psych)?") in found
    assert ("definition", "What is **Hedonic adaptation** (Psych)?") in found
    assert not any("server" in p.lower() and k == "definition" for k, p in found)


def test_code_terms_and_comparisons():
    text = (
        "## Collections\n\n`Vec<T>` — growable array stored on the heap.\n"
        "`String` vs `&str` — `String` is owned, `&str` is a borrowed slice.\n"
        "- `HashMap<K, V>`: key/value map.\n"
    )
    assert pairs(text) == [
        ("definition", "What is `Vec<T>` (Collections)?", "growable array stored on the heap."),
        (
            "definition",
            "How do `String` and `&str` differ (Collections)?",
            "`String` is owned, `&str` is a borrowed slice.",
        ),
        ("definition", "What is `HashMap<K, V>` (Collections)?", "key/value map."),
    ]


def test_lecture_slides_read_without_their_slide_numbers_and_asides():
    text = (
        "MKT 201 – Lecture 4: Segmentation, Targeting & Positioning\nProf. Alvarez, Oct 12\n\n"
        "Slide 2: What is STP?\n- STP = Segmentation → Targeting → Positioning\n\n"
        "Slide 6: Targeting strategies\n- Undifferentiated mktg: one offer for the whole market\n"
        "- Micromarketing: local and individual marketing\n"
        '- (he skipped micromktg, "not on exam")\n'
    )
    found = pairs(text)
    assert found[0] == ("qa", "What is STP?", "- STP = Segmentation → Targeting → Positioning")
    assert ("list", "Name the 2 **Targeting strategies**.") in [(k, p) for k, p, _ in found]
    assert not any("MKT 201" in p or "Slide" in p or "skipped" in a for _, p, a in found), found


def test_generic_section_headings_take_the_subject_above_them():
    text = (
        "## 1. Membranes\n### Key takeaways\n- The membrane is selectively permeable.\n"
        "- Small nonpolar molecules cross easily.\n## 2. Respiration\n### Key takeaways\n"
        "- Without O2, cells ferment.\n- Yeast does alcoholic fermentation.\n"
    )
    prompts = [p for k, p, _ in pairs(text) if k == "list"]
    assert prompts == [
        "Name the 2 key points of **Key takeaways** (Membranes).",
        "Name the 2 key points of **Key takeaways** (Respiration).",
    ]


def test_a_list_that_opens_with_a_question_is_answered_by_the_rest():
    text = (
        "# QuickSight\n\n- The team deleted a dataset that analyses use. What happens next?\n"
        "- You receive a warning first\n- The analyses are not deleted\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "The team deleted a dataset that analyses use. What happens next?",
            "- You receive a warning first\n- The analyses are not deleted",
        )
    ]


def test_bullets_under_a_term_line_are_about_that_term_and_the_next_line_stands_alone():
    text = (
        "# Lipid lowering\n\nStatins: inhibit HMG-CoA reductase\n  - SE: myopathy, raised LFTs\n"
        "Ezetimibe: blocks cholesterol absorption\n"
    )
    assert pairs(text) == [
        ("definition", "What are **Statins** (Lipid lowering)?", "inhibit HMG-CoA reductase"),
        ("definition", "What is **SE** (Statins)?", "myopathy, raised LFTs"),
        ("definition", "What is **Ezetimibe** (Lipid lowering)?", "blocks cholesterol absorption"),
    ]


def test_fragments_before_a_colon_are_no_terms():
    text = (
        "## Targeting\n- Niche marketing: a large share of one small segment\n"
        "  - ex: Tesla early on\n- segments must be: measurable, accessible, substantial\n"
        "- F major has 1 flat (Bb) — just memorise it\n"
    )
    prompts = [p for _, p, _ in pairs(text)]
    assert not any(x in p for p in prompts for x in ("**ex**", "must be", "F major")), prompts


def test_a_mnemonic_is_asked_for_the_fact_above_it_and_a_question_header_keeps_one_mark():
    text = (
        "## Circle of fifths\n\nOrder of sharps: F C G D A E B\n"
        "Mnemonic: Father Charles Goes Down And Ends Battle\n\n"
        "## Resp\n\n| Process | Energy needed? | Site |\n| --- | --- | --- |\n"
        "| Glycolysis | No | Cytoplasm |\n"
    )
    found = pairs(text)
    assert ("qa", "What is the mnemonic for **Order of sharps**?") in [(k, p) for k, p, _ in found]
    assert "**Glycolysis** (Resp): what are its Energy needed, Site?" in [p for _, p, _ in found]


# ---- what a regression review of the rules above found on ordinary notes --------------------


def test_names_that_end_like_half_sentences_are_still_terms():
    text = (
        "## Terms\n- Vitamin A: needed for vision\n- Free will: the capacity to choose\n"
        "- Run out of: use up all of something\n- IT governance: how IT decisions are made\n"
        "- His bundle: carries the impulse from the AV node\n- God is dead: a claim\n"
    )
    terms = [p.split("**")[1] for k, p, _ in pairs(text) if k == "definition"]
    assert terms == [
        "Vitamin A", "Free will", "Run out of", "IT governance", "His bundle", "God is dead"
    ]  # fmt: skip


def test_narration_page_references_and_dated_fields_stay_facts():
    # An agent doing something is narration, not a definition.
    found = pairs("## Policy\n\nThe central bank is raising interest rates to fight inflation.\n")
    assert [k for k, _, _ in found] == ["cloze"]
    # A page reference is no reason to drop the fact it cites.
    found = pairs("## Transport\n- Osmosis: diffusion of water across a membrane (p. 45-47)\n")
    assert [p for _, p, _ in found] == ["What is **Osmosis** (Transport)?"]
    # A date with a year is a fact; a lecture's date without one is admin.
    found = pairs("## Battle of Hastings\nDate: 14 October 1066\nLocation: Senlac Hill\n")
    assert ("What is **Date** (Battle of Hastings)?", "14 October 1066") in [
        (p, a) for _, p, a in found
    ]
    # A decimal is a number, not an outline's numbering.
    found = pairs("## Physics\n- 9.81 m/s^2 is the acceleration due to gravity\n")
    assert "What is **9.81 m/s^2** (Physics)?" in [p for _, p, _ in found]


def test_study_questions_are_not_each_others_answers_and_it_is_named_only_right_after():
    text = (
        "## Review\n- What is the function of the ribosome?\n- Explain how enzymes work.\n"
        "- Describe the structure of the membrane.\n"
    )
    assert not any(k == "qa" for k, _, _ in pairs(text))
    text = (
        "## Versailles\n\nThe Treaty of Versailles was the peace settlement that ended the war. "
        "Germany had to accept full blame. It also lost about 13% of its European territory.\n"
    )
    assert not any(p.startswith("The Treaty of Versailles also") for _, p, _ in pairs(text))


def test_a_hex_colour_and_a_directive_are_no_tags():
    deck = parse_notes("## Colours\n\nThe hex code for pure red is #FF0000\n")
    assert all(c.tags == [] for c in deck.cards) and deck.cards
    deck = parse_notes("## C\n- Preprocessor: handles lines starting with #include\n")
    assert all("include" not in c.tags for c in deck.cards)


# ---- a fifth held-out audit: case vignettes, revision sheets, OneNote pastes ----------------


def test_a_question_answered_on_the_next_line_or_the_same_line():
    text = (
        "## Cardiology\n\nCase 1: 58M, crushing chest pain, ST elevation in II, III, aVF.\n"
        "Most likely diagnosis?\nInferior STEMI\n\n## WACC\n\n"
        "Why multiply Rd by (1 - Tc)? Because interest is tax deductible.\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "Case 1: 58M, crushing chest pain, ST elevation in II, III, aVF. "
            "Most likely diagnosis?",
            "Inferior STEMI",
        ),
        ("qa", "Why multiply Rd by (1 - Tc)?", "Because interest is tax deductible"),
    ]
    # Obsidian's "front" / "?" / "back" card is still that card.
    assert pairs("## H\n\nHot, warm, cold\n?\nThree tiers of data\n")[0][1] == "Hot, warm, cold"


def test_numbered_answers_glyph_bullets_entities_and_blanks():
    assert pairs(
        "## Cells\n\nQ1: What is the powerhouse of the cell?\nA1: The mitochondrion.\n"
    ) == [("qa", "What is the powerhouse of the cell?", "The mitochondrion.")]
    glyphs = "## Acids\n• Lewis definition\n\t◦ acid = electron pair acceptor\n\t◦ base = donor\n"
    assert ("definition", "**acid** = ? (Lewis definition)") in [
        (k, p) for k, p, _ in pairs(glyphs)
    ]
    found = pairs("## Acids\nAmphoteric&nbsp;– can act as an acid or a base\n")
    assert found == [
        ("definition", "What is **Amphoteric** (Acids)?", "can act as an acid or a base")
    ]
    assert pairs("## Genetics\n\nThe basic unit of heredity is the ____. (gene)\n") == [
        (
            "cloze",
            "The basic unit of heredity is the [...].",
            "The basic unit of heredity is the ==gene==.",
        )
    ]


def test_inline_true_or_false_rules_and_a_definition_under_its_heading():
    deck = parse_notes(
        "## Genes\n\nTrue or false: Mutations are always harmful. (False — most are neutral)\n"
    )
    assert [(c.prompt, c.answer) for c in deck.cards][0][0].startswith("True or false: Mutations")
    assert "False" in deck.cards[0].answer
    rules = pairs(
        "## Word order\n\nRule: In main clauses the verb comes second.\n"
        "Rule: In subordinate clauses the verb goes to the end.\n"
    )
    assert len({p for _, p, _ in rules}) == 2 and all("Rule" not in p for _, p, _ in rules)
    assert pairs("## Buffers\n\nDefinition: a solution that resists changes in pH\n") == [
        ("definition", "What are **Buffers**?", "a solution that resists changes in pH")
    ]


def test_a_numbered_question_with_its_answer_indented_under_it():
    text = (
        "## Explain\n\n1. Why is DNA replication described as semi-conservative?\n"
        "   Because each new helix keeps one parent strand.\n"
        "2. Describe the role of the sodium-potassium pump.\n"
        "   Moves 3 Na+ out and 2 K+ in using 1 ATP.\n"
    )
    assert pairs(text) == [
        (
            "qa",
            "Why is DNA replication described as semi-conservative?",
            "Because each new helix keeps one parent strand.",
        ),
        (
            "qa",
            "Describe the role of the sodium-potassium pump.",
            "Moves 3 Na+ out and 2 K+ in using 1 ATP.",
        ),
    ]
    # Code marks around part of a table's name stay balanced.
    table = "## Opt\n\n| Method | Does |\n| --- | --- |\n| `?` operator | early-returns |\n"
    assert pairs(table)[0][1].startswith("What does **`?` operator** (Opt)")


def test_what_the_second_regression_review_found():
    # Consecutive true-or-false lines, one with an arrow verdict: both cards, no crash.
    text = (
        "## Genetics quiz\nTrue or false: All mutations are harmful. (False — most are neutral)\n"
        "True or false: DNA is double-stranded. → True\n"
    )
    assert [(p, a) for _, p, a in pairs(text)] == [
        ("True or false: All mutations are harmful.", "False\n\nmost are neutral"),
        ("True or false: DNA is double-stranded.", "True"),
    ]
    # A question mark inside prose, a poem or a quoted title is no question card.
    for prose in (
        "## Bias\n\nWe look for evidence we agree with. Sound familiar? It should.\n",
        "## Kant\n\nKant asked three questions: What can I know?\nWhat ought I to do?\n",
        "## SQL\n\nAlways use parameterised queries such as WHERE id = ?\n"
        "so the driver escapes input.\n",
        "## Blake\n\nWhat immortal hand or eye\nCould frame thy fearful symmetry?\n"
        "The poem is from 1794.\n",
        "## Essays\n\nNicholas Carr's essay Is Google Making Us Stupid?\n"
        "Argued that the web erodes focus.\n",
    ):
        assert not any(k == "qa" for k, _, _ in pairs(prose)), prose
    # A definition under a question stays a definition.
    found = pairs(
        "## Choice\n\nWhat do you give up?\n"
        "Opportunity cost is the value of the next best option.\n"
    )
    assert ("definition", "What is **Opportunity cost** (Choice)?") in [(k, p) for k, p, _ in found]
    # Variables named Q and A, hints and marks after blanks, a week heading, decimals.
    found = pairs(
        "## Capacitors\n\nC = εA/d\nQ: charge stored on each plate\nA: area of each plate\n"
    )
    assert not any(k == "qa" for k, _, _ in found)
    assert pairs("## Cells\n\nThe site of aerobic respiration is the ____. (2 marks)\n") == []
    found = pairs("## Week 4\n\nDefinition: a market failure.\n")
    assert not any(p.startswith("What is **Week 4**") for _, p, _ in found), found
    found = pairs(
        "## Evolution\n- 2.5 Mya: first stone tools\n- 1.8 Mya: Homo erectus leaves Africa\n"
    )
    assert [p for k, p, _ in found if k == "definition"] == [
        "What is **2.5 Mya** (Evolution)?",
        "What is **1.8 Mya** (Evolution)?",
    ]
    # A mnemonic after several terms is for the section; one that spells a term's letters is its.
    found = pairs("## Cranial nerves\nCN I: olfactory\nCN II: optic\nMnemonic: Oh Oh Oh To Touch\n")
    assert "What is the mnemonic for **Cranial nerves**?" in [p for _, p, _ in found]


def test_a_counted_heading_that_miscounts_and_a_qualifier_asked_of_its_parent():
    text = (
        "## Two kinds of batching\n\n* KPL batching types:\n  * Aggregation\n  * Collection\n\n"
        "* Aggregation: packing user records into one record\n"
        "* Collection: sending several records in one call\n\n"
        "## Limits\n\n* Write limits:\n  * per shard: 1 MB/s\n  * PutRecords: 500 records\n"
    )
    prompts = [p for _, p, _ in pairs(text)]
    assert "Name the 3 **Two kinds of batching**." not in prompts
    assert "Name the 2 **KPL batching types** (Two kinds of batching)." in prompts
    assert "**Write limits**, per shard?" in prompts


# ---- a sixth held-out audit: outlines, essays, chemistry, ML, Quizlet, quick notes -----------


def test_labels_that_say_what_a_remark_is_ask_for_it():
    text = (
        "# Trees\n\nIntuition: a tree asks yes/no questions about one feature at a time.\n\n"
        "# The July Crisis\n\nSignificance: the crisis took only five weeks.\n"
    )
    assert [p for _, p, _ in pairs(text)] == [
        "What is the intuition behind **Trees**?",
        "What is the significance of **The July Crisis**?",
    ]


def test_shouted_words_are_never_hidden_and_worded_equations_define():
    found = pairs("## HBr\n\nThe radical mechanism ONLY works with HBr and peroxides present.\n")
    assert not any("==ONLY==" in a for _, _, a in found), found
    found = pairs("## Operant\n- positive reinforcement = ADD something good -> behaviour up\n")
    assert found[0][1] == "**positive reinforcement** = ? (Operant)"


def test_a_label_line_over_arrow_lines_and_a_csv_block():
    text = "## Memory\n\nTypes of LTM:\n explicit -> episodic + semantic\n implicit -> procedural\n"
    assert [p for _, p, _ in pairs(text)] == [
        "**explicit** -> ? (Types of LTM)",
        "**implicit** -> ? (Types of LTM)",
    ]
    csv_text = (
        "## Composers\n\ncomposer,born,died,period\nMonteverdi,1567,1643,Baroque\n"
        'Beethoven,1770,1827,"Classical, Romantic"\n'
    )
    assert pairs(csv_text)[1] == (
        "definition",
        "**Beethoven** (Composers): what are its born, died, period?",
        "- **born:** 1770\n- **died:** 1827\n- **period:** Classical, Romantic",
    )


def test_an_outline_typed_with_roman_numerals_and_letters_nests_as_written():
    text = (
        "NCLEX Review\n============\n\nI. Electrolytes\n   A. Sodium\n"
        "      1. Normal range: 135-145 mEq/L\n      2. Hyponatremia\n"
        "         a. Causes: SIADH, diuretics\n   B. Potassium\n"
        "      1. Normal range: 3.5-5.0 mEq/L\nII. Pharmacology\n\n"
        "Q: Which drug is given first in organophosphate poisoning?\nA. Propranolol\n"
        "B. Atropine\n\nAnswer: B\n"
    )
    found = [(k, p, a) for k, p, a in pairs(text)]
    prompts = [p for _, p, _ in found]
    assert "What is **Normal range** (Sodium)?" in prompts
    assert "What is **Normal range** (Potassium)?" in prompts
    assert "Causes of **Hyponatremia**?" in prompts
    # Lettered options at the left are still a multiple-choice question's.
    assert any(p.startswith("Which drug is given first") for p in prompts), prompts
    assert "<li>" in render_markdown(text)


def test_a_reason_given_with_because_is_the_hidden_fact():
    assert pairs(
        "## DNS\n\nDNS uses UDP because one request and one reply need no handshake.\n"
    ) == [
        (
            "cloze",
            "DNS uses UDP because [...].",
            "DNS uses UDP because ==one request and one reply need no handshake==.",
        )
    ]
    # "because of" names a cause, not a reason clause: the usual fact is hidden.
    found = pairs("## Rome\n\nRome fell in 476 AD because of invasions and decline.\n")
    assert found and "because [...]" not in found[0][1]
