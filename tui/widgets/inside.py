"""Inside the model: what it expects next, what its hidden units hold, what its prediction looks
at, and how the gradient flows back through time. F10 steps through the views.

It draws what the core computed (engine.inspect's records, EpochEnd's gradient norms) and does
no arithmetic of its own beyond choosing colours.
"""

from __future__ import annotations

import math
from functools import lru_cache

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from engine.events import EpochEnd
from engine.hidden_units import RANKINGS, HiddenUnits
from engine.inspect import Inspection

VIEWS = ("odds", "units", "looks at", "gradient flow")
BARS = " ▁▂▃▄▅▆▇█"


# Colour scales in 41 steps, each a Style made once: the units view colours hundreds of cells
# per keystroke, and a style string per cell (parsed by rich each time) made it a 25 ms render.
LEVELS = 40
NO_VALUE = Style.parse("on grey11")
ITALIC = Style(italic=True)


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


def shown_char(ch: str) -> str:
    return {"\n": "↵", " ": "·", "\t": "→"}.get(ch, ch)


class InsidePane(Widget, can_focus=True):
    DEFAULT_CSS = """
    InsidePane {
        height: auto; min-height: 4; max-height: 14;
        border: round $primary-darken-2; padding: 0 1;
    }
    InsidePane:focus { border: round $accent; }
    """

    BINDINGS = [
        Binding("left", "unit(-1)", "Unit -", show=False),
        Binding("right", "unit(1)", "Unit +", show=False),
        Binding("r", "ranking", "Ranking", show=False),
        Binding("s", "state", "h/c", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = VIEWS[0]
        self.inspection: Inspection | None = None
        self.last: EpochEnd | None = None  # the followed run's last epoch
        self.flow: EpochEnd | None = None  # its last epoch that measured the gradient flow
        self.clip = 0.0
        self.unit_rank = 0  # which unit of the ranking the text is coloured by (0: the top)
        self.ranking = RANKINGS[0]
        self.state = "h"
        self._lines = 0  # the height last laid out
        # (what it showed, the text, the records it was built from), last built
        self._drawn: tuple[tuple, Text, tuple] | None = None

    # -- called by the screen ----------------------------------------------------------------
    def next_view(self) -> str:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._retitle()
        self.refresh(layout=True)
        return self.view

    @property
    def wants_inspection(self) -> bool:
        return self.view != "gradient flow"

    def show_inspection(self, inspection: Inspection | None) -> None:
        self.inspection = inspection
        self._repaint()

    def show_epoch(self, end: EpochEnd, clip: float) -> None:
        """The followed run finished an epoch (which may not have measured the flow)."""
        self.follow_run(end, end if end.grad_through_time else self.flow, clip)

    def follow_run(self, last: EpochEnd | None, flow: EpochEnd | None, clip: float) -> None:
        self.last, self.flow, self.clip = last, flow, clip
        if self.view == "gradient flow":
            self._repaint()

    # -- keys while focused ------------------------------------------------------------------
    def action_unit(self, step: int) -> None:
        self.unit_rank = max(0, self.unit_rank + step)
        self._repaint()

    def action_ranking(self) -> None:
        self.ranking = RANKINGS[(RANKINGS.index(self.ranking) + 1) % len(RANKINGS)]
        self.unit_rank = 0
        self._retitle()
        self.post_message(self.ViewsChanged())

    def action_state(self) -> None:
        self.state = "c" if self.state == "h" else "h"
        self._retitle()
        self.post_message(self.ViewsChanged())

    class ViewsChanged(Message):
        """The views asked of the core changed (ranking, LSTM state)."""

    def on_mount(self) -> None:
        self._retitle()

    def _retitle(self) -> None:
        keys = {
            "odds": "",
            "units": " · Tab: ←/→ unit, r rank, s h/c (LSTM)",
            "looks at": "",
            "gradient flow": "",
        }[self.view]
        self.border_title = f"inside: {self.view} · F10 next view{keys}"

    # -- drawing -----------------------------------------------------------------------------
    def _repaint(self) -> None:
        # A layout pass (tens of ms for the whole screen) only when the height changes: most
        # keystrokes change the numbers, not how many lines they take.
        width = self.content_region.width or 1
        lines = len(self.render().wrap(self.app.console, width)) if self.is_mounted else 0
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def render(self) -> Text:
        # Built once per change: _repaint measures the text that the frame then draws. The
        # records are compared by identity (a new one arrives with every change; the cache holds
        # the old ones, so their ids are not reused).
        shown = (self.inspection, self.flow, self.last)
        key = (
            self.view, *map(id, shown), self.clip, self.unit_rank, self.ranking, self.state,
            self.content_region.size,
        )  # fmt: skip
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, self._view_text(), shown)
        return self._drawn[1]

    def _view_text(self) -> Text:
        if self.view == "gradient flow":
            return self._flow()
        if self.inspection is None:
            return Text("type in the prompt: the views follow what you type", style="dim")
        return {"odds": self._odds, "units": self._units, "looks at": self._looks_at}[self.view]()

    def _room(self) -> int:
        """Lines of content the views fit their rows to: as many as the pane may grow to (its
        max-height less the border), or on short terminals, where the screen sizes the pane
        beside the plot, as many as it has."""
        if not self.styles.height or not self.styles.height.is_auto:
            return max(2, self.content_region.height)
        max_height = self.styles.max_height
        return max(2, int(max_height.value) - 2) if max_height is not None else 12

    def _odds(self) -> Text:
        odds = self.inspection.odds if self.inspection else None
        if odds is None:
            return Text("no known character yet: nothing to predict from", style="dim")
        out = Text()
        width = max(10, self.content_region.width - 16)
        # As many of the likeliest as fit above the entropy line.
        for ch, p in odds.top[: self._room() - 1]:
            out.append(f"{shown_char(ch):>2} ", style="bold")
            out.append("█" * max(1, round(p * width)), style="cyan")
            out.append(f" {p:.3f}\n")
        out.append(
            f"entropy {odds.entropy:.2f} nats: as unsure as a fair pick among "
            f"{odds.effective_choices:.1f} characters",
            style="dim",
        )
        return out

    def _ranked_units(self, hidden: HiddenUnits) -> tuple[int, float, str]:
        ranking = hidden.ranking(self.ranking)
        i = min(self.unit_rank, len(ranking.units) - 1)
        self.unit_rank = i
        return ranking.units[i], ranking.scores[i], ranking.name

    def _units(self) -> Text:
        hidden = self.inspection.hidden if self.inspection else None
        if hidden is None or not hidden.text:
            return Text("no text yet", style="dim")
        unit, score, name = self._ranked_units(hidden)
        out = Text()
        state = "cell c" if hidden.state == "c" else "h"
        out.append(
            f"unit {unit} of {state} (#{self.unit_rank + 1} by {name}, "
            f"{score:+.2f}) · blue -1 … red +1\n",
            style="dim",
        )
        values = hidden.unit(unit)
        scale = (
            1.0 if hidden.bounded else max((abs(v) for v in values if v is not None), default=1.0)
        )
        for i, (ch, v) in enumerate(zip(hidden.text, values, strict=True)):
            style = diverging(None if v is None else v / (scale or 1.0))
            if i >= hidden.prompt_length:
                style += ITALIC
            out.append(shown_char(ch), style=style)
        heat = hidden.heatmap
        rows = max(0, min(len(heat.units), self._room() - 3))
        if rows:
            out.append(f"\ntop units by {heat.ranking}:", style="dim")
        for unit_id, row in zip(heat.units[:rows], heat.rows[:rows], strict=False):
            out.append(f"\n{unit_id:>4} ", style="dim")
            for ch, v in zip(hidden.text, row, strict=True):
                # As wide as the character above it (CJK takes two cells), so columns align.
                out.append(" " * cell_len(shown_char(ch)), style=diverging(v))
        return out

    def _looks_at(self) -> Text:
        looks = self.inspection.saliency if self.inspection else None
        if looks is None:
            return Text("no known character yet: nothing to predict from", style="dim")
        out = Text()
        out.append(
            f"predicting {shown_char(looks.target)!r} (p {math.exp(looks.log_prob):.2f}): "
            "brighter = the prediction's log-probability moves more with that character\n",
            style="dim",
        )
        for ch, v in zip(looks.text, looks.shown, strict=True):
            out.append(shown_char(ch), style=intensity(v))
        return out

    def _flow(self) -> Text:
        end, last = self.flow, self.last
        if end is None or last is None:
            return Text("gradient flow appears after the first epoch of the followed run",
                        style="dim")  # fmt: skip
        norms = end.grad_through_time
        logs = [math.log10(n) for n in norms if n > 0]
        lo, hi = (min(logs), max(logs)) if logs else (0.0, 0.0)
        out = Text()
        out.append(
            f"|∂loss/∂H_t| at t = 1…{len(norms)} of epoch {end.epoch}'s last batch, "
            f"log scale {min(norms):.2g}…{max(norms):.2g}\n",
            style="dim",
        )
        for n in norms:
            level = 0 if n <= 0 or hi == lo else round((math.log10(n) - lo) / (hi - lo) * 8)
            out.append(BARS[max(1, level)] if n > 0 else BARS[0], style="magenta")
        t_end = f"t={len(norms)}"
        out.append("\n" + "t=1".ljust(max(4, len(norms) - len(t_end))) + t_end + "\n", style="dim")
        if last.clipped_share is not None:
            # Its own line, before the explanation: on a short screen it is what still fits.
            out.append(
                f"clipped in {last.clipped_share:.0%} of epoch {last.epoch}'s steps "
                f"(θ = {self.clip:g})\n"
                "Bars shrinking towards t=1 show the gradient vanishing back through time; "
                "growing ones, exploding (what clipping is for)",
                style="dim",
            )
        return out
