"""Training curves: perplexity per epoch (log axis) and the gradient norm before clipping.

plotext builds cost milliseconds on the UI thread, so points only mark the plot dirty; the app's
timer calls `flush()` a few times a second and the built frame is cached between renders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from engine.events import EpochEnd

# Runs overlaid at once; older ones drop off so the legend stays readable.
MAX_RUNS = 5
COLORS = ("cyan", "orange", "green", "magenta", "yellow")


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
    ended: str = ""  # "diverged in epoch 3": said on the plot when there is no curve to show

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


def _fmt(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:.3g}k"
    return f"{v:.3g}"


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


class CurvesPlot(PlotextPlot):
    """Perplexity or gradient-norm curves of the session's runs."""

    DEFAULT_CSS = """
    CurvesPlot { height: 1fr; min-height: 6; }
    """

    VIEWS = ("perplexity", "grad norm")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[RunSeries] = []
        self.view = "perplexity"
        self._version = 0
        self._drawn_version = -1
        self._cache_key: tuple | None = None
        self._cache: Text | None = None

    # -- data, called by the app -------------------------------------------------------------
    def add_run(
        self, run_id: int, label: str, vocab_size: int, clip: float, history: tuple[EpochEnd, ...]
    ) -> None:
        self.runs.append(RunSeries(run_id, label, vocab_size, clip))
        del self.runs[:-MAX_RUNS]
        for point in history:
            self.add_point(run_id, point)
        self._changed()

    def add_point(self, run_id: int, point: EpochEnd) -> None:
        run = self._run(run_id)
        if run is not None:
            run.epochs.append(point.epoch)
            run.perplexity.append(point.perplexity)
            run.grad_norm.append(point.grad_norm)
            run.lr.append(point.lr)
            self._version += 1

    def mark_ended(self, run_id: int, how: str) -> None:
        run = self._run(run_id)
        if run is not None:
            run.ended = how
            self._changed()

    def remove_run(self, run_id: int) -> None:
        self.runs[:] = [r for r in self.runs if r.run_id != run_id]
        self._changed()

    def _run(self, run_id: int) -> RunSeries | None:
        return next((r for r in self.runs if r.run_id == run_id), None)

    def _changed(self) -> None:
        self._version += 1
        self._update_subtitle()
        self.refresh()

    def toggle_view(self) -> str:
        self.view = self.VIEWS[(self.VIEWS.index(self.view) + 1) % len(self.VIEWS)]
        self.border_title = self.title_text()
        self._update_subtitle()
        self.refresh()
        return self.view

    def title_text(self) -> str:
        if self.view == "perplexity":
            return "perplexity per epoch (log) · F2: grad norm"
        return "grad norm before clipping (log) · F2: perplexity"

    def _update_subtitle(self) -> None:
        # The red reference line is named here: text inside the plot collides with the legend
        # at 80 columns. Set outside render(), where a border change would need another frame.
        if not self.runs:
            self.border_subtitle = ""
        elif self.view == "perplexity":
            self.border_subtitle = f"red: uniform baseline = vocab {self.runs[-1].vocab_size}"
        else:
            self.border_subtitle = f"red: clip threshold θ = {self.runs[-1].clip:g}"

    def flush(self) -> None:
        """Redraw if new points arrived since the last frame (called from a timer)."""
        if self._version != self._drawn_version:
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

    def _build(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width = max(10, self.size.width - 10)
        # Log axis done by hand (plot log10 values, label ticks with real ones): plotext's own
        # log scale re-applies itself on every build.
        values: list[float] = []
        is_ppl = self.view == "perplexity"
        for i, run in enumerate(self.runs):
            ys = run.perplexity if is_ppl else run.grad_norm
            pts = [
                (x, y) for x, y in zip(run.epochs, ys, strict=False) if y > 0 and math.isfinite(y)
            ]
            if not pts:
                continue
            xs, yv = _thin([p[0] for p in pts], [p[1] for p in pts], width)
            values.extend(yv)
            plt.plot(
                xs,
                [math.log10(y) for y in yv],
                label=run.label,
                color=COLORS[i % 5],
                marker="braille",
            )
            for epoch, lr in run.lr_changes():
                plt.vline(epoch, color=COLORS[i % 5])
                plt.text(f"lr {lr:g}", epoch, math.log10(yv[-1]), color=COLORS[i % 5])
        refs = []
        if self.runs:
            last = self.runs[-1]
            if is_ppl:
                refs.append((last.vocab_size, f"uniform baseline = vocab {last.vocab_size}"))
            else:
                refs.append((last.clip, f"clip threshold θ = {last.clip:g}"))
        for value, _label in refs:
            if value > 0:
                values.append(value)
                plt.hline(math.log10(value), color="red")
        last_epoch = max((r.epochs[-1] for r in self.runs if r.epochs), default=0)
        if last_epoch:
            step = max(1, math.ceil(last_epoch / max(2, width // 10)))
            xticks = list(range(0, last_epoch + 1, step))[1:] or [last_epoch]
            plt.xticks(xticks, [str(x) for x in xticks])
        if values:
            lo, hi = min(values), max(values)
            if hi / lo < 2:
                lo, hi = lo / 1.5, hi * 1.5
            ticks = _spread(_log_ticks(lo, hi), lo, hi, rows=max(2, self.size.height - 4))
            plt.yticks([math.log10(t) for t in ticks], [_fmt(t) for t in ticks])
            plt.ylim(math.log10(lo), math.log10(hi))
        if not self.runs:
            plt.title("no runs yet: F5 starts training")
        elif not any(run.epochs for run in self.runs):
            last = self.runs[-1]
            plt.title(f"{last.label}: {last.ended or 'no epoch finished yet'}")
        plt.xlabel("epoch")
