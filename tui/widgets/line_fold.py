"""Line breaks for the samples pane: a line may break at a space or beside a wide (CJK)
character, as browsers break Chinese text. Rich breaks at spaces only, so a sample of lyrics (one
long "word" of Chinese characters) went whole to the next row and left the label alone on its
own: three rows where two hold it, and the pane shows two at 80x24.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text


@dataclass(frozen=True)
class Folded:
    """`text` with fold()'s line breaks for the width it is rendered at (a RichLog renders
    a line once its width is known, which a write before the first layout does not know)."""

    text: Text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield fold(self.text, options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)


def fold(text: Text, width: int) -> Text:
    """`text` with a line break wherever the next word or wide character would pass `width`
    cells (a word longer than a line is left for the renderer to cut); `width` < 1: unchanged."""
    if width < 1:
        return text
    plain = text.plain
    breaks: list[int] = []
    used = 0  # cells on the line so far
    for start, end in _tokens(plain):
        token = plain[start:end]
        if token == "\n":
            used = 0
            continue
        cells = cell_len(token.rstrip())
        if used and used + cells > width:
            breaks.append(start)
            used = 0
        used += cell_len(token)
        if cells > width:  # cut by the renderer: what is left of it is on the last row
            used = cell_len(token) % width
    if not breaks:
        return text
    return Text("\n").join(text.divide(breaks))


def _tokens(plain: str) -> list[tuple[int, int]]:
    """(start, end) of each breakable piece: a wide character or a run of narrow non-space
    characters, with the spaces after it; a line break on its own."""
    pieces: list[tuple[int, int]] = []
    i, n = 0, len(plain)
    while i < n:
        if plain[i] == "\n":
            pieces.append((i, i + 1))
            i += 1
            continue
        j = i + 1
        if cell_len(plain[i]) < 2 and not plain[i].isspace():
            while j < n and cell_len(plain[j]) < 2 and not plain[j].isspace():
                j += 1
        while j < n and plain[j].isspace() and plain[j] != "\n":
            j += 1
        pieces.append((i, j))
        i = j
    return pieces
