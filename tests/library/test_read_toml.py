"""read_toml: every content file's bytes to a table, or a LibraryError that names the file."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from hipcoach.domain.errors import LibraryError
from hipcoach.library.loader import read_toml

SHOWN = "library/exercises/broken.toml"


def read(tmp_path: Path, raw: bytes) -> dict[str, object]:
    path = tmp_path / "broken.toml"
    path.write_bytes(raw)
    return read_toml(path, SHOWN)


def problem(tmp_path: Path, raw: bytes) -> str:
    with pytest.raises(LibraryError) as caught:
        read(tmp_path, raw)
    assert caught.value.file == SHOWN
    assert str(caught.value).startswith(f"{SHOWN}: ")
    return caught.value.problem


@pytest.mark.parametrize(
    "value",
    [
        "[" * 5000,
        "[" * 5000 + "]" * 5000,  # deep, and even closed: still no traceback
        "{ a = " * 5000,
    ],
)
def test_values_nested_too_deeply_are_reported_not_a_traceback(tmp_path: Path, value: str) -> None:
    said = problem(tmp_path, f"a = {value}\n".encode())
    assert said == "not valid TOML: lists or tables are nested too deeply to read"


def test_ordinary_nesting_still_reads(tmp_path: Path) -> None:
    assert read(tmp_path, b"a = " + b"[" * 50 + b"1" + b"]" * 50 + b"\n")["a"] is not None


def test_a_byte_order_mark_as_notepad_writes_is_accepted(tmp_path: Path) -> None:
    raw = codecs.BOM_UTF8 + 'id = "90-90-er-stretch"\nname = "Stretch é"\n'.encode()
    assert read(tmp_path, raw) == {"id": "90-90-er-stretch", "name": "Stretch é"}


def test_a_toml_mistake_after_a_byte_order_mark_is_placed_where_it_is(tmp_path: Path) -> None:
    said = problem(tmp_path, codecs.BOM_UTF8 + b'id = "x"\nname = \n')
    assert said.startswith("not valid TOML at line 2, column 8")


def test_the_column_of_a_bad_byte_counts_characters_not_bytes(tmp_path: Path) -> None:
    # "café" and "né" hold a two-byte letter each: 17 characters, 19 bytes, stand before it.
    raw = 'id = "x"\ntitle = "café né '.encode() + b'\xff"\n'
    said = problem(tmp_path, raw)
    assert said == (
        "is not UTF-8 text: line 2, column 18 holds the byte 0xff; save the file as UTF-8"
    )


def test_a_bad_byte_after_a_byte_order_mark_counts_from_the_text(tmp_path: Path) -> None:
    said = problem(tmp_path, codecs.BOM_UTF8 + b'a = "\xfe"\n')
    assert said == (
        "is not UTF-8 text: line 1, column 6 holds the byte 0xfe; save the file as UTF-8"
    )
