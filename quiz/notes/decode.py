"""Bytes of a notes file to text, or a `NotesError` that says exactly what is wrong."""

from __future__ import annotations

import codecs

from quiz.notes.types import NotesError

# 5 MiB: ten times the longest real notes file we know of, small enough that one upload
# cannot tie up an import. The benchmark corpus is split into files below this size.
MAX_NOTES_BYTES = 5 * 1024 * 1024


def too_large(size: int, max_bytes: int = MAX_NOTES_BYTES) -> NotesError:
    """The error for a file of `size` bytes over the limit (said before reading it, if possible)."""
    return NotesError(
        f"file is {size:,} bytes, over the {max_bytes:,}-byte limit "
        f"({max_bytes / 1024 / 1024:g} MiB)"
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """ "UTF-16 LE" or "UTF-16 BE" when the bytes read as UTF-16 text with no byte-order mark.

    Text in UTF-16 is mostly characters below U+0100, whose other byte is NUL: NULs on every
    odd byte (little-endian) or every even byte (big-endian), and almost never on the other."""
    sample = data[:4096]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 4:
        return None
    pairs = len(sample) // 2
    for name, ascii_half, other_half in (
        ("UTF-16 LE", sample[1::2], sample[0::2]),
        ("UTF-16 BE", sample[0::2], sample[1::2]),
    ):
        if ascii_half.count(0) >= pairs * 0.6 and other_half.count(0) <= pairs * 0.05:
            try:
                data[: len(data) // 2 * 2].decode(name.replace(" ", "-").lower())
            except UnicodeDecodeError:
                return None
            return name
    return None


def decode_notes(data: bytes, *, max_bytes: int = MAX_NOTES_BYTES) -> str:
    """Decode a notes file as UTF-8 (a UTF-8 BOM is dropped) with `\\n` line endings.

    Raises NotesError for a file that is empty or only whitespace, larger than `max_bytes`,
    binary (it holds a NUL byte), UTF-16 (with or without a byte-order mark) or otherwise not
    valid UTF-8; the message names the line and byte offset where that applies.
    """
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    # Checked before the NUL test: UTF-16 text is full of NUL bytes but is not binary.
    for bom, name in ((codecs.BOM_UTF16_LE, "UTF-16 LE"), (codecs.BOM_UTF16_BE, "UTF-16 BE")):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF32_LE):
            raise NotesError(
                f"file is {name} (it starts with a UTF-16 byte-order mark); save it as UTF-8",
                offset=0,
            )
    nul = data.find(b"\x00")
    if nul != -1 and (utf16 := _utf16_without_bom(data)):
        raise NotesError(
            f"file is {utf16} without a byte-order mark (a NUL byte beside every letter); "
            "save it as UTF-8"
        )
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        raise NotesError(
            f"binary file: NUL byte at byte offset {nul} (line {line})", line=line, offset=nul
        )
    skipped = 0
    if data.startswith(codecs.BOM_UTF8):
        skipped = len(codecs.BOM_UTF8)
        data = data[skipped:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start + skipped  # the offset in the file as it is on disk
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise NotesError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at line {line}, column {column} "
            f"(byte offset {bad}) cannot be decoded",
            line=line,
            offset=bad,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise NotesError("file is empty" if not text else "file holds only whitespace")
    return text
