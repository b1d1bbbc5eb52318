"""The prompt's own line as Rich Text: the typed text with its caret and the characters the
model does not know marked, then the selected run's completion, each character as bright as the
model was sure of it, then what the pane has to say (a note, or how to start).

Plain Text building for PromptPane (tui/widgets/prompt.py); the marked runs' lines under it are
tui/widgets/completion_lines.py's.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from tui.widgets.completion_lines import shown_chars

# Tags the caret's cell so that the pane finds the row it wrapped onto (tui/widgets/prompt_rows.py)
# and keeps that row in view; it changes nothing on screen.
CARET_META = Style(meta={"caret": True})
# The unknown characters the note names; a pasted page can hold hundreds.
UNKNOWN_SHOWN = 8


def confidence_style(prob: float | None) -> str:
    """A completed character's look: the surer the model was of it, the brighter."""
    if prob is None:
        return "italic dim"
    level = int(90 + 165 * max(0.0, min(1.0, prob)))
    return f"italic rgb({level},{level},{level})"


def prompt_line(
    text: str,
    cursor: int,
    focused: bool,
    completion: str,
    probs: Sequence[float],
    unknown: frozenset[str],
    note: str,
) -> Text:
    """The line (it wraps in the pane) for `text` with the caret before `cursor`; `probs` are
    the model's odds of each character of `completion`, as many as are known."""
    out = Text(no_wrap=False, overflow="fold")
    out.append("› ", style="bold")
    caret = Style.parse("reverse" if focused else "underline") + CARET_META
    shown = shown_chars(text, blanks=False)
    # A run of characters at a time, not one append each: a 2,000-character prompt took 1.1 ms
    # a call that way, and the pane builds this line several times a keystroke.
    start = 0
    marked = {j for j, ch in enumerate(text) if ch in unknown}
    if cursor < len(text):
        marked.add(cursor)
    for i in sorted(marked):
        out.append(shown[start:i])
        style = Style.parse("bold red underline" if text[i] in unknown else "")
        out.append(shown[i], style=style + caret if i == cursor else style)
        start = i + 1
    out.append(shown[start:])
    if cursor == len(text):
        out.append(" ", style=caret)
    for i, ch in enumerate(shown_chars(completion)):
        out.append(ch, style=confidence_style(probs[i] if i < len(probs) else None))
    if completion and not completion.strip():
        # Shown as signs, but an early model's all-space completion still reads as none.
        out.append("  (only spaces so far)", style="dim")
    if unknown:
        # Characters outside the vocabulary are skipped by the model: say so at once.
        out.append(f"  {unknown_note(text, unknown)}", style="red")
    if note:
        out.append(f"  {note}", style="dim")
    elif not text:
        out.append("type a prefix: the model continues it", style="dim")
    return out


def unknown_note(text: str, unknown: frozenset[str]) -> str:
    """Which typed characters the model lacks: all of them when few, else how many and the
    first few in the order typed (a pasted page's long list pushed the text out of view)."""
    # A line break the model lacks is named by its sign: typed raw, it would break the line.
    seen = [shown_chars(ch, blanks=False) for ch in dict.fromkeys(text) if ch in unknown]
    if len(seen) <= UNKNOWN_SHOWN:
        return f"(not in vocabulary: {''.join(seen)})"
    first, rest = "".join(seen[:UNKNOWN_SHOWN]), len(seen) - UNKNOWN_SHOWN
    return f"(not in vocabulary: {len(seen)} characters: {first} …and {rest} more)"
