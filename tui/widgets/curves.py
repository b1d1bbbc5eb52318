"""Training curves: perplexity per epoch (log axis) and the gradient norm before clipping.

plotext builds cost milliseconds on the UI thread, so points only mark the plot dirty; the app's
timer calls `flush()` a few times a second and the built frame is cached between renders.

The legend is the runs table (each run keeps its colour), so nothing is drawn over the curves;
a learning-rate change is a mark on the top edge. With the plot focused, Left/Right move a
cursor whose values the border shows, and Z switches between all epochs and the last 50.
"""

from __future__ import annotations

import bisect
import math

from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual_plotext import PlotextPlot

from engine.playground.events import EpochEnd
from tui.numbers import tick_text
from tui.widgets.curve_axes import log_ticks, round_ticks, spread, thin
from tui.widgets.curve_readout import baselines, clip_line, readout, references_text, title
from tui.widgets.curve_series import GRAD_NORM, PER_STEP, PERPLEXITY, VIEWS, RunSeries, x_unit

# Runs overlaid at once; older ones drop off the plot (they stay in the runs table).
MAX_RUNS = 5
COLORS = ("cyan", "orange", "green", "magenta", "yellow")
ZOOM_EPOCHS = 50  # the "last N epochs" view
# Epochs this long (or a first epoch not over yet after this long) leave the per-epoch curve too
# sparse to watch: the plot switches to perplexity per optimizer step on its own.
LONG_EPOCH_S = 5.0


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

    VIEWS = VIEWS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[RunSeries] = []
        self.view = PERPLEXITY
        self.view_chosen = False  # F2 was pressed: no more switching views on its own
        self.zoomed = False  # show only the last ZOOM_EPOCHS epochs
        # Where the cursor is on the x axis (an epoch, or a step in the per-step view), shown
        # while the plot has focus; None: at the last point.
        self.cursor: int | None = None
        self._added = 0
        self._version = 0
        self._drawn_version = -1
        self._cache_key: tuple | None = None
        self._cache: Text | None = None

    # -- data, called by the screen ----------------------------------------------------------
    def add_run(
        self,
        run_id: int,
        label: str,
        vocab_size: int,
        clip: float | None,
        history: tuple[EpochEnd, ...],
        corpus: str = "",
    ) -> str:
        """A run's curve (with the epochs it already has); returns its colour."""
        color = COLORS[self._added % len(COLORS)]
        self._added += 1
        self.runs.append(RunSeries(run_id, label, vocab_size, clip, corpus, color=color))
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
            if self.view == PER_STEP:  # the other views do not draw batches: no rebuild
                self._version += 1

    def _auto_view(self) -> None:
        """Per-step view while the newest run's epochs are long, unless the user chose a view."""
        if self.view_chosen or not self.runs:
            return
        wanted = PER_STEP if self.runs[-1].long_epochs else PERPLEXITY
        if wanted != self.view:
            self._set_view(wanted)

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
        self._set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])
        return self.view

    def _set_view(self, view: str) -> None:
        if x_unit(view) != x_unit(self.view):
            self.cursor = None  # an epoch is no step: start again from the last point
        self.view = view
        self.border_title = title(self.view, self.zoomed, ZOOM_EPOCHS)
        self._changed()

    # -- the cursor and the zoom (keys while focused) --------------------------------------
    def _positions(self) -> list[int]:
        """The x values the cursor can stop at: the shown runs' epochs (or steps)."""
        return sorted({x for r in self.runs if not r.hidden for x in r.xs(self.view)})

    def _last_x(self) -> int:
        return max((r.xs(self.view)[-1] for r in self.runs if r.xs(self.view) and not r.hidden),
                   default=0)

    def action_move_cursor(self, step: int) -> None:
        positions = self._positions()
        if not positions:
            return
        here = self.cursor if self.cursor is not None else positions[-1]
        i = bisect.bisect_left(positions, here) + step
        self.cursor = positions[min(len(positions) - 1, max(0, i))]
        self._changed()

    def action_zoom(self) -> None:
        self.zoomed = not self.zoomed
        self.border_title = title(self.view, self.zoomed, ZOOM_EPOCHS)
        self._changed()

    def on_mount(self) -> None:
        self.border_title = title(self.view, self.zoomed, ZOOM_EPOCHS)

    def on_focus(self) -> None:
        self._changed()

    def on_blur(self) -> None:
        self._changed()

    def cursor_text(self) -> str:
        """The values at the cursor, one per shown run, named in the view's unit."""
        at = self.cursor if self.cursor is not None else self._last_x()
        return readout(self.runs, self.view, at)

    def _update_subtitle(self) -> None:
        # Set outside render(), where a border change would need another frame.
        if not self.runs:
            self.border_subtitle = ""
        elif self.has_focus and self._last_x():
            self.border_subtitle = f"{self.cursor_text()} · ←/→"
        else:
            self.border_subtitle = references_text(self.runs, self.view)

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

    def _references(self) -> list[float]:
        """Where the red lines go: the clip threshold, or each corpus's uniform baseline."""
        if not self.runs:
            return []
        if self.view == GRAD_NORM:
            return clip_line(self.runs)
        return [float(vocab) for _, vocab in baselines(self.runs)]

    def _build(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width = max(10, self.size.width - 10)
        per_step = self.view == PER_STEP
        last_x = self._last_x()
        first_x = max(1, last_x - ZOOM_EPOCHS + 1) if self.zoomed and not per_step else 1
        # Log axis done by hand (plot log10 values, label ticks with real ones): plotext's own
        # log scale re-applies itself on every build.
        values: list[float] = []
        marks: list[tuple[int, str]] = []
        for run in self.runs:
            if run.hidden:
                continue
            for xs_all, ys_all, marker in run.lines(self.view):
                pts = [
                    (x, y)
                    for x, y in zip(xs_all, ys_all, strict=False)
                    if x >= first_x and y > 0 and math.isfinite(y)
                ]
                if not pts:
                    continue
                xs, yv = thin([p[0] for p in pts], [p[1] for p in pts], width)
                values.extend(yv)
                plt.plot(xs, [math.log10(y) for y in yv], color=run.color, marker=marker)
            if not per_step:
                marks.extend((e, run.color) for e, _ in run.lr_changes() if e >= first_x)
        for reference in self._references():
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
            ticks = spread(log_ticks(lo, hi), lo, hi, rows=max(2, self.size.height - 4))
            plt.yticks([math.log10(t) for t in ticks], [tick_text(t) for t in ticks])
            top = math.log10(hi) + 0.04 * math.log10(hi / lo)
            plt.ylim(math.log10(lo), top)
            # lr changes: a mark on the top edge, clear of the curves.
            for epoch, color in marks:
                plt.text("▾", epoch, top, color=color)
            if self.has_focus and last_x:
                plt.vline(self.cursor or last_x, color="gray")
        if not self.runs:
            plt.title("no runs yet: F5 starts training")
        elif len(values) <= len(self._references()):
            last = self.runs[-1]
            plt.title(f"{last.label}: {last.ended or 'nothing to draw yet'}")
