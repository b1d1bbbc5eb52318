"""Which of the prompt's rows show when the pane has fewer rows than its text needs.

The row the user types in (the caret's) always shows. The marked runs' lines give way first,
from the last, down to the selected run's (the first: it holds the completion), and the last
line shown says how many are left off; then the prompt's own rows give way, those furthest from
the caret first, the rows after it (the text's end and, with no runs marked, the completion)
kept before those above it, under a row that says how many are left off.

Plain Text work for PromptPane (tui/widgets/prompt.py), on rows already cut to the pane's width.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from tui.widgets.prompt_line import CARET_META


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
    # Own rows give way too: a row above says how many (with the runs' lines left off, when
    # none shows), where the pane has two rows or more.
    kept_marked = 1 if marked and room >= 3 else 0
    summary = room >= 2
    window = room - kept_marked - summary
    start = max(0, min(caret, len(own) - window))
    rows = list(own[start : start + window])
    left_off = len(marked) - kept_marked
    if summary:
        runs_off = 0 if kept_marked else left_off
        rows.insert(0, _hidden(start, len(own) - start - window, runs_off))
    if not kept_marked:
        return rows
    return [*rows, *_with_left_off(list(marked[:kept_marked]), left_off, width)]


def _hidden(above: int, below: int, runs: int) -> Text:
    parts = [f"{above} more line{'s' * (above != 1)} above"] if above else []
    parts += [f"{below} below"] if below else []
    parts += [_runs_off(runs)] if runs else []
    return Text(f"… {', '.join(parts)}", style="dim")


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
