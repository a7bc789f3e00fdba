"""The terminal QR code: read back module by module, it is segno's code for the text."""

from __future__ import annotations

import segno

from hipcoach.cli.qr import QUIET_ZONE, terminal_qr

LINK = "http://192.168.1.20:8000/pair?code=ABCDEFGHJK"
# (top dark, bottom dark) for each character; light modules are the drawn ones.
CELLS = {
    "\u2588": (False, False),
    "\u2584": (True, False),
    "\u2580": (False, True),
    " ": (True, True),
}


def _read_back(drawn: str) -> list[list[bool]]:
    """The module rows (True for dark) that `drawn` shows, two per line."""
    rows: list[list[bool]] = []
    for line in drawn.splitlines():
        pairs = [CELLS[c] for c in line]
        rows.append([top for top, _ in pairs])
        rows.append([bottom for _, bottom in pairs])
    return rows


def test_the_drawing_is_segnos_matrix_inside_a_quiet_zone() -> None:
    matrix = [[bool(m) for m in row] for row in segno.make_qr(LINK, error="m").matrix]
    size = len(matrix)
    drawn = terminal_qr(LINK)
    rows = _read_back(drawn)
    width = size + 2 * QUIET_ZONE
    assert all(len(row) == width for row in rows)
    light = [False] * width
    assert rows[:QUIET_ZONE] == [light] * QUIET_ZONE
    assert rows[QUIET_ZONE + size : QUIET_ZONE + size + QUIET_ZONE] == [light] * QUIET_ZONE
    inner = [row[QUIET_ZONE : QUIET_ZONE + size] for row in rows[QUIET_ZONE : QUIET_ZONE + size]]
    assert inner == matrix
    assert all(not any(row[:QUIET_ZONE] + row[-QUIET_ZONE:]) for row in rows[:width])
    # Two rows a line: as tall on screen as it is wide, since a character is twice as tall.
    assert len(drawn.splitlines()) == (width + 1) // 2


def test_the_drawing_is_square_and_changes_with_the_text() -> None:
    drawn = terminal_qr(LINK)
    lines = drawn.splitlines()
    assert lines
    assert {len(line) for line in lines} == {len(lines[0])}
    assert set(drawn) <= set(CELLS) | {"\n"}
    assert terminal_qr(LINK.replace("ABCDE", "BCDEF")) != drawn
    # A longer link needs a larger code, still square.
    longer = terminal_qr(LINK + "&from=" + "x" * 100).splitlines()
    assert len(longer[0]) > len(lines[0])
    assert len(longer) == (len(longer[0]) + 1) // 2
