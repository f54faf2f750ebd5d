"""Plain data passed from the notes parser to the importer.

Nothing here imports Django: the parser returns these values and `quiz.importing` stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CardKind:
    """One kind of card: its stored value, its label, and whether the notes parser makes it
    (the others are made by other code, such as simulation exercises)."""

    value: str
    label: str
    from_notes: bool


# The one definition of card kinds: `Card.Kind` is built from it.
CARD_KIND_DEFINITIONS = (
    CardKind("qa", "Question / answer", from_notes=True),
    CardKind("definition", "Definition", from_notes=True),
    CardKind("list", "List recall", from_notes=True),
    CardKind("cloze", "Cloze", from_notes=True),
    CardKind("exercise", "Simulation exercise", from_notes=False),
)
# The kinds that notes produce (what an import creates, counts and retires).
CARD_KINDS = tuple(k.value for k in CARD_KIND_DEFINITIONS if k.from_notes)


class NotesError(ValueError):
    """A notes file that cannot be imported at all (bad encoding, binary, empty, too large).

    `line` is 1-based when the problem has a line; `offset` is a byte offset otherwise.
    """

    def __init__(self, message: str, *, line: int | None = None, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.offset = offset


@dataclass(frozen=True)
class NoteWarning:
    line: int
    message: str


@dataclass(frozen=True)
class ImageRef:
    """An image the notes point at, exactly as written (`./img/x.png` or an https URL)."""

    src: str
    line: int


@dataclass
class ParsedTopic:
    """One heading. `path` is the titles from the top heading down to this one."""

    path: tuple[str, ...]
    title: str
    level: int
    order: int
    line: int
    body: str  # Markdown source of the section, up to the next heading of any level


@dataclass
class ParsedSim:
    """A ```sim fenced block: raw `key: value` pairs, validated by `quiz.sims` at import."""

    topic_path: tuple[str, ...]
    line: int
    params: dict[str, str]


@dataclass
class ParsedCard:
    kind: str  # one of CARD_KINDS
    topic_path: tuple[str, ...]
    prompt: str  # Markdown
    answer: str  # Markdown
    line: int
    # list cards: the items to recall, as Markdown, in order (exam questions draw on them)
    items: list[str] = field(default_factory=list)
    # definition cards: the term alone (the prompt reads "Tumbling (in Windows)...")
    term: str = ""
    # `#tags` of the card's text, its heading and the notes' front matter, in order
    tags: list[str] = field(default_factory=list)
    # written as a card by the author (`::`, `?`, `==cloze==`, `Q:`/`A:`), not inferred
    explicit: bool = False


@dataclass
class ParsedDeck:
    title: str
    topics: list[ParsedTopic]
    cards: list[ParsedCard]
    images: list[ImageRef]
    sims: list[ParsedSim]
    warnings: list[NoteWarning]
    # From front matter (`tags:`, `aliases:`) or a Logseq page's first `key:: value` lines.
    tags: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
