"""QR codes drawn in text, for a phone's camera to read straight off the terminal."""

from __future__ import annotations

import segno

# The quiet zone the QR standard asks for around the code, in modules.
QUIET_ZONE = 4
# Each character draws two rows of modules: (top dark, bottom dark) -> character. Light
# modules are drawn in the text colour, so on the usual dark terminal the code reads
# dark-on-light as printed ones do; on a light terminal it comes out inverted, with a
# matching quiet zone, which phone cameras read too.
_BLOCKS = {
    (False, False): "\u2588",  # full block
    (True, False): "\u2584",  # lower half block
    (False, True): "\u2580",  # upper half block
    (True, True): " ",
}


def terminal_qr(text: str) -> str:
    """`text` as a QR code in half-block characters, one line for every two rows of modules."""
    qr = segno.make_qr(text, error="m")
    size = len(qr.matrix)
    width = size + 2 * QUIET_ZONE
    light = [False] * width
    rows = [light] * QUIET_ZONE
    rows += [
        [False] * QUIET_ZONE + [bool(m) for m in row] + [False] * QUIET_ZONE for row in qr.matrix
    ]
    rows += [light] * QUIET_ZONE
    if len(rows) % 2:
        rows.append([True] * width)  # below the code is the terminal itself: nothing drawn
    lines = [
        "".join(_BLOCKS[pair] for pair in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    ]
    return "\n".join(lines) + "\n"
