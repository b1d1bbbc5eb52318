"""The views inside the model as terminal lines: colour scales, and text drawn as coloured cells.

The units view colours every character of the prompt and its completion once per unit shown:
hundreds of cells a keystroke. Built as rich Text, Textual converted, wrapped and restyled them
on every frame (30-45 ms of the UI thread while training), so the views are built here directly
as Strips of prebuilt styles, wrapped by this module: each view's text rows and the heatmap rows
beneath them break at the same characters, so a column is one character all the way down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from engine.playground.events import EpochEnd

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import HiddenUnits, NextCharOdds, Saliency

BARS = " ▁▂▃▄▅▆▇█"
LABEL = 5  # cells before a row of the units view: the unit's number, right-aligned, and a gap

# Colour scales in 41 steps, each a Style made once (a style string per cell, parsed by rich
# each time, made the units view a 25 ms render).
LEVELS = 40
NO_VALUE = Style.parse("on grey11")
DIM = Style(dim=True)
BOLD = Style(bold=True)
ITALIC = Style(italic=True)
BAR = Style(color="cyan")


@lru_cache(maxsize=2 * LEVELS + 1)
def _diverging_style(level: int) -> Style:
    strength = 40 + 200 * abs(level) // LEVELS
    return Style.parse(
        f"on rgb({strength},40,40)" if level >= 0 else f"on rgb(40,40,{strength})"
    )


@lru_cache(maxsize=LEVELS + 1)
def _intensity_style(level: int) -> Style:
    shade = 30 + 200 * level // LEVELS
    return Style.parse(f"on rgb({shade},{shade},40)")


def diverging(value: float | None) -> Style:
    """A background for an activation in [-1, 1]: blue below 0, red above, dark at 0."""
    if value is None:
        return NO_VALUE
    return _diverging_style(round(max(-1.0, min(1.0, value)) * LEVELS))


def intensity(value: float | None) -> Style:
    """A background for a share in [0, 1] (saliency): brighter is more."""
    if value is None:
        return NO_VALUE
    return _intensity_style(round(max(0.0, min(1.0, value)) * LEVELS))


SHOWN = {"\n": "↵", " ": "·", "\t": "→"}  # characters drawn as a visible sign
SHOWN_NAMES = {"\n": "newline", " ": "space", "\t": "tab"}


def shown_char(ch: str) -> str:
    return SHOWN.get(ch, ch)


def signs_legend(text: str) -> str:
    """What the signs standing for blank characters mean, for those in `text` ('' if none)."""
    found = [f"{SHOWN[ch]}={SHOWN_NAMES[ch]}" for ch in SHOWN if ch in text]
    return " · " + ", ".join(found) if found else ""


def breaks(text: str, width: int) -> list[range]:
    """The text's characters in runs of at most `width` cells (a wide character is never split;
    each run holds at least one character)."""
    runs, start, used = [], 0, 0
    for i, ch in enumerate(text):
        cells = cell_len(shown_char(ch))
        if used + cells > width and i > start:
            runs.append(range(start, i))
            start, used = i, 0
        used += cells
    if start < len(text):
        runs.append(range(start, len(text)))
    return runs


class Lines:
    """Lines of one view for a content width, each segment's style on top of the widget's."""

    def __init__(self, width: int, base: Style, console: Console) -> None:
        self.width, self.base, self.console = width, base, console
        self.strips: list[Strip] = []

    def text(self, text: Text) -> None:
        """Text that wraps at spaces like a paragraph (the views' headers and explanations)."""
        text.end = ""
        options = self.console.options.update_width(self.width)
        for line in self.console.render_lines(text, options, style=self.base, pad=False):
            self.strips.append(Strip(line))

    def entries(self, text: Text, entries: Sequence[Text]) -> None:
        """`text` then `entries`, wrapping only between entries: an entry ("'a' O 4.14 p 0.027")
        is read whole, so it starts a new line rather than being split across two."""
        used = text.cell_len
        for entry in entries:
            if used and used + cell_len(entry.plain.rstrip()) > self.width:
                text.append("\n")
                used = 0
            text.append_text(entry)
            used += entry.cell_len
        self.text(text)

    def dim(self, sentence: str) -> None:
        self.text(Text(sentence, style="dim"))

    def cells(self, label: Segment | None, cells: Sequence[tuple[str, Style]]) -> None:
        """One row of (text, style) cells as given: the caller fits them to the width."""
        base = self.base
        segments = [label] if label is not None else []
        segments += [Segment(text, base + style) for text, style in cells]
        self.strips.append(Strip(segments))

    def label(self, text: str, style: Style = DIM) -> Segment:
        return Segment(f"{text:>{LABEL - 1}} ", self.base + style)


def odds_lines(lines: Lines, odds: NextCharOdds, room: int) -> None:
    bar_width = max(10, lines.width - 16)
    # As many of the likeliest as fit above the entropy line.
    for ch, p in odds.top[: room - 1]:
        # A blank character drawn as a sign says which it is, on its own row.
        named = f" ({SHOWN_NAMES[ch]})" if ch in SHOWN else ""
        lines.cells(None, [
            (f"{shown_char(ch):>2} ", BOLD),
            ("█" * max(1, round(p * (bar_width - len(named)))), BAR),
            (f" {p:.3f}", Style()),
            (named, DIM),
        ])  # fmt: skip
    lines.dim(
        f"entropy {odds.entropy:.2f} nats: as unsure as a fair pick among "
        f"{odds.effective_choices:.1f} characters"
    )


def units_lines(
    lines: Lines, hidden: HiddenUnits, unit: int, header: str, room: int
) -> None:
    """The text coloured by one unit (its completion in italics), and under each stretch of it
    the heatmap's top units over the same characters: as many heatmap rows as the room leaves
    under every stretch. When not even the text fits, its latest stretches."""
    values = hidden.unit(unit)
    scale = 1.0 if hidden.bounded else max((abs(v) for v in values if v is not None), default=1.0)
    if hidden.bounded:
        legend = "blue -1 … red +1"
    else:
        # LSTM's c and ReLU's h are unbounded: each row on its own scale, said in numbers.
        legend = (f"blue -{scale:.3g} … red +{scale:.3g} (unbounded: this unit's largest; "
                  f"the heatmap ±{hidden.heatmap.scale:.3g})")  # fmt: skip
    lines.dim(f"{header} · {legend}{signs_legend(hidden.text)}")
    text_cells = [
        (
            shown_char(ch),
            diverging(None if v is None else v / (scale or 1.0))
            + (ITALIC if i >= hidden.prompt_length else Style()),
        )
        for i, (ch, v) in enumerate(zip(hidden.text, values, strict=True))
    ]
    # As wide as the character above it (CJK takes two cells), so columns align.
    blanks = [" " * cell_len(text) for text, _ in text_cells]
    stretches = breaks(hidden.text, max(1, lines.width - LABEL))
    left = max(1, room - len(lines.strips))
    shown = stretches[-left:]
    heat = hidden.heatmap
    rows = max(0, min(len(heat.units), left // len(shown) - 1))
    for stretch in shown:
        lines.cells(lines.label(str(unit), BOLD), text_cells[stretch.start:stretch.stop])
        for unit_id, row in zip(heat.units[:rows], heat.rows[:rows], strict=False):
            lines.cells(lines.label(str(unit_id)), [
                (blanks[j], diverging(row[j])) for j in stretch
            ])  # fmt: skip


def looks_at_lines(lines: Lines, looks: Saliency) -> None:
    lines.dim(
        f"predicting {shown_char(looks.target)!r} (p {math.exp(looks.log_prob):.2f}): "
        "brighter = the prediction's log-probability moves more with that character"
        + signs_legend(looks.text + looks.target)
    )
    cells = [
        (shown_char(ch), intensity(v)) for ch, v in zip(looks.text, looks.shown, strict=True)
    ]
    for stretch in breaks(looks.text, lines.width):
        lines.cells(None, cells[stretch.start:stretch.stop])


def cell_of(model: str, nonlinearity: str) -> str:
    """What carries the state from step to step, as the flow caption words it: "gru", "lstm",
    or φ ("tanh", "relu") of the scratch model and nn.RNN."""
    return model if model in ("gru", "lstm") else nonlinearity


def flow_lines(lines: Lines, flow: EpochEnd, clip: float | None, cell: str) -> None:
    """The verdict first (how the gradient changes back through time, how often it was
    clipped), then the profile it comes from: at 80x24 the pane shows four rows. Both are of
    `flow`'s epoch: the clipped share of a later one beside them told of another epoch."""
    norms = flow.grad_through_time
    logs = [math.log10(n) for n in norms if n > 0]
    lo, hi = (min(logs), max(logs)) if logs else (0.0, 0.0)
    lines.dim(_trend(norms, cell))
    if flow.clipped_share is not None:
        lines.dim(
            f"clipped in {flow.clipped_share:.0%} of epoch {flow.epoch}'s steps "
            + ("(clipping off)" if clip is None else f"(θ = {clip:g})")
        )
    bars = "".join(
        BARS[max(1, 0 if hi == lo else round((math.log10(n) - lo) / (hi - lo) * 8))]
        if n > 0 else BARS[0]
        for n in norms
    )  # fmt: skip
    lines.text(Text(bars, style="magenta"))
    t_end = f"t={len(norms)}"
    lines.dim("t=1".ljust(max(4, len(norms) - len(t_end))) + t_end)
    lines.dim(
        f"|∂ℓ_T/∂H_t| on epoch {flow.epoch}'s last batch, t = 1…{len(norms)}, log scale "
        f"{min(norms):.2g}…{max(norms):.2g}; ℓ_T is the last step's loss"
    )


def _trend(norms: tuple[float, ...], cell: str) -> str:
    """What the profile shows, in words that match it and the model: from t = T (distance 0)
    back to t = 1. A GRU's or LSTM's gates can carry the gradient back unshrunk, so vanishing
    there is what its gates did, not the tanh's squashing."""
    first, last = norms[0], norms[-1]
    back = f"from t={len(norms)} back to t=1 the gradient |∂ℓ_T/∂H_t|"
    if first <= 0 or last <= 0:
        return f"{back} reaches zero somewhere: the bars at 0 show where"
    ratio = first / last
    if ratio < 0.5:
        why = {
            "tanh": "usual with tanh",
            "relu": "W_hh and the units at zero shrink it at each step",
            "gru": "this GRU's update gates pass little of it back",
            "lstm": "this LSTM's forget gates pass little of it back",
        }.get(cell, "")
        return (f"{back} shrinks {1 / ratio:.3g}×: it vanishes back through time ("
                + (f"{why}: " if why else "") + "far characters steer learning little)")
    if ratio > 2:
        return f"{back} grows {ratio:.3g}×: it explodes back through time (what clipping is for)"
    return f"{back} stays within 2× ({ratio:.2g}×): neither vanishing nor exploding"
