"""Training curves: perplexity per epoch (log axis) and the gradient norm before clipping.

plotext builds cost milliseconds on the UI thread, so points only mark the plot dirty; the app's
timer calls `flush()` a few times a second and the built frame is cached between renders.

The legend is the runs table (each run keeps its colour), so nothing is drawn over the curves;
a learning-rate change is a mark on the top edge. With the plot focused, Left/Right move a
cursor whose values the border shows, and Z switches between all epochs and the last 50.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual_plotext import PlotextPlot

from engine.playground.events import EpochEnd
from tui.numbers import tick_text

# Runs overlaid at once; older ones drop off the plot (they stay in the runs table).
MAX_RUNS = 5
COLORS = ("cyan", "orange", "green", "magenta", "yellow")
ZOOM_EPOCHS = 50  # the "last N epochs" view
# Epochs this long (or a first epoch not over yet after this long) leave the per-epoch curve too
# sparse to watch: the plot switches to perplexity per optimizer step on its own.
LONG_EPOCH_S = 5.0
SMOOTHING = 0.2  # weight of the newest batch report in the per-step curve's moving average


@dataclass
class RunSeries:
    run_id: int
    label: str
    vocab_size: int
    clip: float
    epochs: list[int] = field(default_factory=list)
    perplexity: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val: list[float | None] = field(default_factory=list)  # held-out perplexity per epoch
    steps: list[int] = field(default_factory=list)  # optimizer step of each batch report
    step_loss: list[float] = field(default_factory=list)  # mean loss of the batches it covers
    long_epochs: bool = False  # an epoch took LONG_EPOCH_S or more: per-step view by default
    color: str = "cyan"
    ended: str = ""  # "diverged in epoch 3": said on the plot when there is no curve to show
    hidden: bool = False

    def lr_changes(self) -> list[tuple[int, float]]:
        return [
            (self.epochs[i], self.lr[i])
            for i in range(1, len(self.lr))
            if not math.isclose(self.lr[i], self.lr[i - 1], rel_tol=1e-9)
        ]


def _log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks between lo and hi (positive values), for a log axis drawn in log10 space."""
    ticks = []
    exp = math.floor(math.log10(max(lo, 1e-12)))
    while 10**exp <= hi * 10:
        for m in (1, 2, 5):
            t = m * 10**exp
            if lo / 1.01 <= t <= hi * 1.01:
                ticks.append(t)
        exp += 1
    if len(ticks) > 6:
        ticks = [t for t in ticks if str(t).lstrip("0.").startswith("1")] or ticks
    if len(ticks) < 3:
        # A narrow range: label both ends too, so the axis still reads as numbers.
        ticks = sorted({float(f"{lo:.2g}"), *ticks, float(f"{hi:.2g}")})
    return ticks


def _spread(ticks: list[float], lo: float, hi: float, rows: int) -> list[float]:
    """Drop ticks that would land on the same or adjacent rows: plotext then picks one of the
    colliding labels by string hash order, which differs between processes."""
    span = math.log10(hi) - math.log10(lo) or 1.0
    min_gap = 2 * span / rows
    kept: list[float] = []
    for t in ticks:
        if not kept or math.log10(t) - math.log10(kept[-1]) >= min_gap:
            kept.append(t)
    return kept


def round_ticks(lo: int, hi: int, most: int) -> list[int]:
    """At most `most` ticks between lo and hi (epochs) on multiples of 1, 2 or 5 x 10^k."""
    span = max(1, hi - lo)
    step = 1
    for power in range(0, 10):
        for m in (1, 2, 5):
            step = m * 10**power
            if span / step <= max(1, most):
                first = -(-lo // step) * step
                return list(range(max(step, first), hi + 1, step)) or [hi]
    return [hi]


def _thin(xs: list[int], ys: list[float], width: int) -> tuple[list[int], list[float]]:
    """Keep at most ~2 points per column: more cannot be drawn, only cost build time."""
    limit = max(8, 2 * width)
    if len(xs) <= limit:
        return xs, ys
    step = math.ceil(len(xs) / limit)
    idx = list(range(0, len(xs), step))
    if idx[-1] != len(xs) - 1:
        idx.append(len(xs) - 1)
    return [xs[i] for i in idx], [ys[i] for i in idx]


class CurvesPlot(PlotextPlot, can_focus=True):
    """Perplexity or gradient-norm curves of the session's runs."""

    DEFAULT_CSS = """
    CurvesPlot { height: 1fr; min-height: 6; }
    CurvesPlot:focus { border: round $accent; }
    """

    BINDINGS = [
        Binding("left", "move_cursor(-1)", "Earlier", show=False),
        Binding("right", "move_cursor(1)", "Later", show=False),
        Binding("z", "zoom", "Last 50 / all", show=False),
    ]

    VIEWS = ("perplexity", "grad norm", "per step")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[RunSeries] = []
        self.view = "perplexity"
        self.view_chosen = False  # F2 was pressed: no more switching views on its own
        self.zoomed = False  # show only the last ZOOM_EPOCHS epochs
        self.cursor: int | None = None  # an epoch, shown while the plot has focus
        self._added = 0
        self._version = 0
        self._drawn_version = -1
        self._cache_key: tuple | None = None
        self._cache: Text | None = None

    # -- data, called by the screen ----------------------------------------------------------
    def add_run(
        self, run_id: int, label: str, vocab_size: int, clip: float, history: tuple[EpochEnd, ...]
    ) -> str:
        """A run's curve (with the epochs it already has); returns its colour."""
        color = COLORS[self._added % len(COLORS)]
        self._added += 1
        self.runs.append(RunSeries(run_id, label, vocab_size, clip, color=color))
        del self.runs[:-MAX_RUNS]
        for point in history:
            self.add_point(run_id, point)
        self._changed()
        return color

    def add_point(self, run_id: int, point: EpochEnd) -> None:
        run = self._run(run_id)
        if run is not None:
            run.epochs.append(point.epoch)
            run.perplexity.append(point.perplexity)
            run.grad_norm.append(point.grad_norm)
            run.lr.append(point.lr)
            run.val.append(point.val_perplexity)
            run.long_epochs = point.seconds >= LONG_EPOCH_S
            self._version += 1
            self._auto_view()

    def add_batch(self, run_id: int, step: int, loss: float) -> None:
        """A batch report (the mean loss since the last one), for the per-step curve."""
        run = self._run(run_id)
        if run is not None and math.isfinite(loss):
            run.steps.append(step)
            run.step_loss.append(loss)
            if not run.epochs and not run.long_epochs and len(run.steps) > 1:
                # No epoch done yet: long if the reports already span LONG_EPOCH_S (they come
                # every 0.1 s at most, so 50 of them do).
                run.long_epochs = len(run.steps) >= LONG_EPOCH_S / 0.1
                self._auto_view()
            if self.view == "per step":  # the other views do not draw batches: no rebuild
                self._version += 1

    def _auto_view(self) -> None:
        """Per-step view while the newest run's epochs are long, unless the user chose a view."""
        if self.view_chosen or not self.runs:
            return
        wanted = "per step" if self.runs[-1].long_epochs else "perplexity"
        if wanted != self.view:
            self.view = wanted
            self.border_title = self.title_text()
            self._changed()

    def mark_ended(self, run_id: int, how: str) -> None:
        run = self._run(run_id)
        if run is not None:
            run.ended = how
            self._changed()

    def remove_run(self, run_id: int) -> None:
        self.runs[:] = [r for r in self.runs if r.run_id != run_id]
        self._changed()

    def toggle_hidden(self, run_id: int) -> bool:
        """Hide or show a run's curve; returns whether it is now hidden."""
        run = self._run(run_id)
        if run is None:
            return False
        run.hidden = not run.hidden
        self._changed()
        return run.hidden

    def _run(self, run_id: int) -> RunSeries | None:
        return next((r for r in self.runs if r.run_id == run_id), None)

    def _changed(self) -> None:
        self._version += 1
        self._update_subtitle()
        self.refresh()

    def toggle_view(self) -> str:
        self.view_chosen = True
        self.view = self.VIEWS[(self.VIEWS.index(self.view) + 1) % len(self.VIEWS)]
        self.border_title = self.title_text()
        self._changed()
        return self.view

    def title_text(self) -> str:
        span = f"last {ZOOM_EPOCHS} epochs" if self.zoomed else "per epoch"
        if self.view == "perplexity":
            return f"perplexity {span} (log; dots: held-out) · F2 grad norm · Z zoom"
        if self.view == "grad norm":
            return f"grad norm before clipping {span} (log) · F2 per step · Z zoom"
        return "perplexity per optimizer step (log, smoothed) · F2 per epoch"

    # -- the cursor and the zoom (keys while focused) --------------------------------------
    def _last_epoch(self) -> int:
        return max((r.epochs[-1] for r in self.runs if r.epochs and not r.hidden), default=0)

    def action_move_cursor(self, step: int) -> None:
        last = self._last_epoch()
        if not last:
            return
        here = self.cursor if self.cursor is not None else last
        self.cursor = min(last, max(1, here + step))
        self._changed()

    def action_zoom(self) -> None:
        self.zoomed = not self.zoomed
        self.border_title = self.title_text()
        self._changed()

    def on_mount(self) -> None:
        self.border_title = self.title_text()

    def on_focus(self) -> None:
        self._changed()

    def on_blur(self) -> None:
        self._changed()

    def cursor_text(self) -> str:
        """The values at the cursor epoch, one per shown run."""
        epoch = self.cursor if self.cursor is not None else self._last_epoch()
        parts = [f"epoch {epoch}"]
        for run in self.runs:
            if run.hidden or epoch not in run.epochs:
                continue
            i = run.epochs.index(epoch)
            value = run.perplexity[i] if self.view == "perplexity" else run.grad_norm[i]
            parts.append(f"{run.label.split()[0]} {tick_text(value)}")
        return " · ".join(parts)

    def _update_subtitle(self) -> None:
        # Reference lines and the cursor's values are named here: text inside the plot would
        # cover the curves. Set outside render(), where a border change would need another frame.
        if not self.runs:
            self.border_subtitle = ""
        elif self.has_focus and self._last_epoch():
            self.border_subtitle = f"{self.cursor_text()} · ←/→"
        elif self.view == "grad norm":
            self.border_subtitle = f"red: clip threshold θ = {self.runs[-1].clip:g}"
        else:
            self.border_subtitle = f"red: uniform baseline = vocab {self.runs[-1].vocab_size}"

    def flush(self) -> None:
        """Redraw if new points arrived since the last frame (called from a timer)."""
        if self._version != self._drawn_version:
            if self.has_focus:
                self._update_subtitle()
            self.refresh()

    # -- drawing -----------------------------------------------------------------------------
    def render(self) -> RenderResult:
        key = (self._version, self.view, self.size.width, self.size.height, self.app.theme)
        if key == self._cache_key and self._cache is not None:
            return self._cache
        self._drawn_version = self._version
        self._build()
        self._cache = super().render()  # type: ignore[assignment]
        self._cache_key = key
        return self._cache

    def _lines(self, run: RunSeries) -> list[tuple[list[int], list[float], str]]:
        """The run's lines in the current view, as (x, y, marker)."""
        if self.view == "per step":
            smooth, ys = None, []
            for loss in run.step_loss:
                smooth = loss if smooth is None else SMOOTHING * loss + (1 - SMOOTHING) * smooth
                ys.append(math.exp(min(smooth, 700.0)))
            return [(run.steps, ys, "braille")]
        if self.view == "grad norm":
            return [(run.epochs, run.grad_norm, "braille")]
        val = [(x, y) for x, y in zip(run.epochs, run.val, strict=False) if y is not None]
        lines = [(run.epochs, run.perplexity, "braille")]
        if val:
            lines.append(([x for x, _ in val], [y for _, y in val], "dot"))
        return lines

    def _build(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width = max(10, self.size.width - 10)
        per_step = self.view == "per step"
        last_x = max(
            (max(run.steps if per_step else run.epochs, default=0) for run in self.runs
             if not run.hidden), default=0,
        )  # fmt: skip
        first_x = max(1, last_x - ZOOM_EPOCHS + 1) if self.zoomed and not per_step else 1
        # Log axis done by hand (plot log10 values, label ticks with real ones): plotext's own
        # log scale re-applies itself on every build.
        values: list[float] = []
        marks: list[tuple[int, str]] = []
        for run in self.runs:
            if run.hidden:
                continue
            for xs_all, ys_all, marker in self._lines(run):
                pts = [
                    (x, y)
                    for x, y in zip(xs_all, ys_all, strict=False)
                    if x >= first_x and y > 0 and math.isfinite(y)
                ]
                if not pts:
                    continue
                xs, yv = _thin([p[0] for p in pts], [p[1] for p in pts], width)
                values.extend(yv)
                plt.plot(xs, [math.log10(y) for y in yv], color=run.color, marker=marker)
            if not per_step:
                marks.extend((e, run.color) for e, _ in run.lr_changes() if e >= first_x)
        if self.runs:
            last = self.runs[-1]
            reference = last.clip if self.view == "grad norm" else last.vocab_size
            if reference > 0:
                values.append(reference)
                plt.hline(math.log10(reference), color="red")
        if last_x:
            most = max(2, width // 8)
            ticks = round_ticks(first_x if self.zoomed and not per_step else 0, last_x, most)
            plt.xticks(ticks, [str(x) for x in ticks])
            plt.xlim(first_x - 0.5 if self.zoomed and not per_step else 0.5, last_x + 0.5)
        if values:
            lo, hi = min(values), max(values)
            if hi / lo < 2:
                lo, hi = lo / 1.5, hi * 1.5
            ticks = _spread(_log_ticks(lo, hi), lo, hi, rows=max(2, self.size.height - 4))
            plt.yticks([math.log10(t) for t in ticks], [tick_text(t) for t in ticks])
            top = math.log10(hi) + 0.04 * math.log10(hi / lo)
            plt.ylim(math.log10(lo), top)
            # lr changes: a mark on the top edge, clear of the curves.
            for epoch, color in marks:
                plt.text("▾", epoch, top, color=color)
            if self.has_focus and last_x and not per_step:
                plt.vline(self.cursor or last_x, color="gray")
        if not self.runs:
            plt.title("no runs yet: F5 starts training")
        elif not values or len(values) == 1:
            last = self.runs[-1]
            plt.title(f"{last.label}: {last.ended or 'nothing to draw yet'}")
