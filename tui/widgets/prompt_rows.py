"""Which of the prompt's rows show when the pane has fewer rows than its text needs.

The row the user types in (the caret's) always shows. The marked runs' lines give way first,
from the last, down to the selected run's (the first: it holds the completion), and the last
line shown says how many are left off; then the prompt's own rows give way, those furthest from
the caret first, the rows after it (the text's end and, with no runs marked, the completion)
kept before those above it; a row above them says how many are left off above, a row under
them how many below. The selected run's line goes too only where the pane has one row.

The prompt's own line is cut into rows here too (`wrapped`): at a space or beside a wide (CJK)
character, as the samples pane breaks lines (tui/widgets/line_fold.py).

Plain Text work for PromptPane (tui/widgets/prompt.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text

from tui.widgets.line_fold import fold
from tui.widgets.prompt_line import CARET_META

# Characters of one cell or none (every wide one is U+1100 or above) and the signs the line adds
# ("› ", "↵" for a line break, "…"): a line of these alone breaks where Rich breaks it.
_NARROW = frozenset(map(chr, range(0x1100))) | frozenset("›↵…")


def wrapped(line: Text, console: Console, width: int) -> list[Text]:
    """The prompt's own `line` in rows of `width` cells. Rich breaks at spaces only: a pasted
    lyric (one long "word" of Chinese characters) went whole to the next row and left "› " alone
    on the first, the text cut off below it where the pane was short of rows."""
    if _NARROW.issuperset(line.plain):
        # fold() would break where Rich does; this test costs ~15 µs on 2,000 characters, where
        # cell_len took ~270 µs and fold() ~3 ms (the pane wraps the line a few times a key).
        return list(line.wrap(console, width))
    return list(fold(line, width).wrap(console, width))


def caret_row(rows: Sequence[Text]) -> int:
    """The index of the row holding the caret (prompt_line tags its cell); the last without
    one."""
    for index, row in enumerate(rows):
        if any(_is_caret(span.style) for span in row.spans):
            return index
    return len(rows) - 1


def _is_caret(style: str | Style) -> bool:
    return isinstance(style, Style) and CARET_META.meta.items() <= style.meta.items()


def fit_rows(own: Sequence[Text], marked: Sequence[Text], room: int, width: int) -> list[Text]:
    """At most `room` rows of the prompt's own wrapped rows `own` and the marked runs' `marked`
    (one each), the caret's row always among them."""
    if len(own) + len(marked) <= room or room < 1:
        return [*own, *marked]
    caret = caret_row(own)
    if marked and len(own) < room:  # only marked runs' lines give way
        shown = list(marked[: room - len(own)])
        return [*own, *_with_left_off(shown, len(marked) - len(shown), width)]
    # Own rows give way too: a row above them says how many are left off above, a row under
    # them how many below (and the runs' lines left off, when none shows), where the pane has
    # two rows or more for them; where only one such row fits, it says both. The selected run's
    # line (it holds the completion) stays while two rows are left: at 80x24 with a view open a
    # long prompt and its count of rows above took both, and no completion showed at all.
    kept_marked = 1 if marked and room >= 2 else 0
    runs_off = len(marked) - kept_marked
    avail = room - kept_marked
    start, window = _window(len(own), caret, avail, bool(runs_off and not kept_marked))
    above, below = start, len(own) - start - window
    rows = list(own[start : start + window])
    notes = [] if avail < 2 else _notes(above, below, 0 if kept_marked else runs_off)
    if len(notes) == 2 and window + 2 > avail:
        notes = [Text(f"… {', '.join(_parts(above, below, 0 if kept_marked else runs_off))}",
                      style="dim")]  # fmt: skip
        rows = [notes[0], *rows] if above else [*rows, notes[0]]
    elif len(notes) == 2:
        rows = [notes[0], *rows, notes[1]]
    elif notes:
        rows = [notes[0], *rows] if above else [*rows, notes[0]]
    if not kept_marked:
        return rows
    return [*rows, *_with_left_off(list(marked[:kept_marked]), runs_off, width)]


def _window(count: int, caret: int, avail: int, runs_note: bool) -> tuple[int, int]:
    """The first of the own rows shown and how many: as many as fit beside their notes, from
    the caret's row on (the rows after it kept before those above it)."""
    for window in range(min(count, avail), 1, -1):
        start = max(0, min(caret, count - window))
        notes = (start > 0) + (start + window < count or runs_note)
        if window + notes <= avail:
            # A note on the one row above would take that row's place: show the row.
            return (0, window + 1) if start == 1 else (start, window)
    return caret, 1


def _parts(above: int, below: int, runs: int) -> list[str]:
    parts = [f"{above} more line{'s' * (above != 1)} above"] if above else []
    parts += [f"{below} more line{'s' * (below != 1)} below"] if below else []
    return parts + ([_runs_off(runs)] if runs else [])


def _notes(above: int, below: int, runs: int) -> list[Text]:
    """The note above the own rows shown and the note under them, those that have news."""
    notes = [_parts(above, 0, 0), _parts(0, below, runs)]
    return [Text(f"… {', '.join(part)}", style="dim") for part in notes if part]


def _runs_off(count: int) -> str:
    return f"+{count} marked run{'s' * (count != 1)}"


def _with_left_off(rows: list[Text], left_off: int, width: int) -> list[Text]:
    """`rows` (one at least) with the count of runs' lines left off at the end of the last."""
    if not left_off:
        return rows
    note = f"  ({_runs_off(left_off)})"
    last = rows[-1].copy()
    last.truncate(max(1, width - cell_len(note)), overflow="ellipsis")
    last.append(note, style="dim")
    return [*rows[:-1], last]
