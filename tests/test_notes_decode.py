from __future__ import annotations

import codecs

import pytest

from quiz.notes.decode import MAX_NOTES_BYTES, decode_notes
from quiz.notes.types import NotesError


def test_plain_utf8_is_decoded():
    assert decode_notes("# Über\n\n* naïve: yes\n".encode()) == "# Über\n\n* naïve: yes\n"


def test_utf8_bom_is_dropped():
    assert decode_notes(codecs.BOM_UTF8 + b"# Title\n") == "# Title\n"


def test_crlf_and_cr_become_lf():
    assert decode_notes(b"# A\r\n* b\r\n* c\rd") == "# A\n* b\n* c\nd"


def test_empty_file_is_an_error():
    with pytest.raises(NotesError, match="empty"):
        decode_notes(b"")


def test_bom_only_file_is_empty():
    with pytest.raises(NotesError, match="empty"):
        decode_notes(codecs.BOM_UTF8)


def test_whitespace_only_file_is_an_error():
    with pytest.raises(NotesError, match="only whitespace"):
        decode_notes(b" \n\t\r\n  \n")


def test_binary_file_names_the_nul_offset():
    data = b"# Notes\nsome text\x00\x01\x02"
    with pytest.raises(NotesError, match="binary") as exc:
        decode_notes(data)
    assert exc.value.offset == data.index(b"\x00") == 17
    assert exc.value.line == 2
    assert "byte offset 17" in exc.value.message


def test_png_bytes_are_binary():
    with pytest.raises(NotesError, match="binary"):
        decode_notes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_latin1_names_line_and_byte_offset():
    data = b"# Notes\n\n* caf" + b"\xe9 au lait\n"
    with pytest.raises(NotesError, match="not UTF-8") as exc:
        decode_notes(data)
    assert exc.value.line == 3
    assert exc.value.offset == data.index(b"\xe9")
    assert "0xe9" in exc.value.message
    assert "line 3" in exc.value.message


def test_bad_byte_offset_counts_the_bom():
    data = codecs.BOM_UTF8 + b"ok\n\xff"
    with pytest.raises(NotesError) as exc:
        decode_notes(data)
    assert exc.value.offset == data.index(b"\xff") == 6
    assert exc.value.line == 2


def test_truncated_multibyte_sequence_at_end_is_reported():
    data = "# Café".encode()[:-1]
    with pytest.raises(NotesError, match="not UTF-8") as exc:
        decode_notes(data)
    assert exc.value.offset == len(data) - 1


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_called_utf16(codec):
    text = "# Notes\n* a\n"
    data = text.encode(codec)
    if codec != "utf-16":
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    with pytest.raises(NotesError, match="UTF-16"):
        decode_notes(data)


def test_size_cap_is_five_mib():
    assert MAX_NOTES_BYTES == 5 * 1024 * 1024


def test_over_the_size_cap_is_an_error():
    with pytest.raises(NotesError, match="limit"):
        decode_notes(b"a" * 101, max_bytes=100)


def test_exactly_the_size_cap_is_fine():
    assert decode_notes(b"a" * 100, max_bytes=100) == "a" * 100


def test_errors_are_value_errors_with_a_message():
    with pytest.raises(ValueError) as exc:
        decode_notes(b"")
    assert str(exc.value) == exc.value.message
