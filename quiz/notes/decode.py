"""Bytes of a notes file to text, or a `NotesError` that says exactly what is wrong."""

from __future__ import annotations

import codecs

from quiz.notes.types import NotesError

# 5 MiB: ten times the longest real notes file we know of, small enough that one upload
# cannot tie up an import. The benchmark corpus is split into files below this size.
MAX_NOTES_BYTES = 5 * 1024 * 1024


def decode_notes(data: bytes, *, max_bytes: int = MAX_NOTES_BYTES) -> str:
    """Decode a notes file as UTF-8 (a UTF-8 BOM is dropped) with `\\n` line endings.

    Raises NotesError for a file that is empty or only whitespace, larger than `max_bytes`,
    binary (it holds a NUL byte), UTF-16 (it starts with a UTF-16 BOM) or otherwise not
    valid UTF-8; the message names the line and byte offset where that applies.
    """
    if len(data) > max_bytes:
        raise NotesError(
            f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit "
            f"({max_bytes / 1024 / 1024:g} MiB)"
        )
    # Checked before the NUL test: UTF-16 text is full of NUL bytes but is not binary.
    for bom, name in ((codecs.BOM_UTF16_LE, "UTF-16 LE"), (codecs.BOM_UTF16_BE, "UTF-16 BE")):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF32_LE):
            raise NotesError(
                f"file is {name} (it starts with a UTF-16 byte-order mark); save it as UTF-8",
                offset=0,
            )
    nul = data.find(b"\x00")
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
