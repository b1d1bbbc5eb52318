"""Training curves: perplexity per epoch (log axis) and the gradient norm before clipping.

plotext builds cost milliseconds on the UI thread, so points only mark the plot dirty; the app's
timer calls `flush()` a few times a second and the built frame is cached between renders.

The legend is the runs table (each run keeps its colour), so nothing is drawn over the curves;
a learning-rate change is a mark on the top edge. The user's controls (smoothing, y scale, x axis,
zoom: curve_controls) apply from anywhere through the app's keys; with the plot focused, ←/→ and
Home/End move a cursor whose values the border shows, "[" and "]" set a zoomed range's ends at
it and +/- zoom around it.
"""

from __future__ import annotations

import bisect
import math

from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual_plotext import PlotextPlot

from engine.playground.events import EpochEnd
from tui.widgets.curve_controls import PlotControls
from tui.widgets.curve_draw import draw
from tui.widgets.curve_frame import Frame, cursor_stops, frame, x_range
from tui.widgets.curve_readout import readout, references_text, title
from tui.widgets.curve_series import PER_STEP, PERPLEXITY, VIEWS, RunSeries, x_unit

# Runs overlaid at once; older ones drop off the plot (they stay in the runs table).
MAX_RUNS = 5
COLORS = ("cyan", "orange", "green", "magenta", "yellow")
# Epochs this long (or a first epoch not over yet after this long) leave the per-epoch curve too
# sparse to watch: the plot switches to perplexity per optimizer step on its own.
LONG_EPOCH_S = 5.0
ZOOM_STEP = 0.5  # what + does to the shown span (- undoes it)


class CurvesPlot(PlotextPlot, can_focus=True):
    """Perplexity or gradient-norm curves of the session's runs."""

    DEFAULT_CSS = """
    CurvesPlot { height: 1fr; min-height: 6; }
    CurvesPlot:focus { border: round $accent; }
    """

    BINDINGS = [
        Binding("left", "move_cursor(-1)", "Earlier", show=False),
        Binding("right", "move_cursor(1)", "Later", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("left_square_bracket", "range_end(0)", "Range from", show=False),
        Binding("right_square_bracket", "range_end(1)", "Range to", show=False),
        Binding("plus,equals_sign", "zoom_around(0.5)", "Zoom in", show=False),
        Binding("minus", "zoom_around(2)", "Zoom out", show=False),
        Binding("z,Z", "zoom", "Last 50 / all", show=False),  # help and README say Z
    ]

    VIEWS = VIEWS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: list[RunSeries] = []
        self.view = PERPLEXITY
        self.view_chosen = False  # F2 was pressed: no more switching views on its own
        self.controls = PlotControls()
        # Where the cursor is on the x axis (in its unit), shown while the plot has focus;
        # None: at the last point shown.
        self.cursor: float | None = None
        self.drawn = Frame(unit="epoch")  # what the last build drew
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
            run.epoch_steps.append(point.step)
            run.seconds.append(point.seconds)
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
        if x_unit(view, self.controls.x_axis) != x_unit(self.view, self.controls.x_axis):
            self.cursor = None  # an epoch is no step: start again from the last point
            if isinstance(self.controls.zoom, tuple):
                self.controls.zoom = None  # a range in one unit means nothing in the other
        self.view = view
        self._retitle()

    def _retitle(self) -> None:
        self.border_title = title(self.view, self.controls)
        self._changed()

    # -- the user's controls (the app's keys, from anywhere) -----------------------------------
    def next_smoothing(self) -> float:
        weight = self.controls.next_smoothing()
        self._retitle()
        return weight

    def toggle_scale(self) -> bool:
        log_y = self.controls.toggle_scale()
        self._retitle()
        return log_y

    def next_x_axis(self) -> str:
        """Epoch -> step -> wall time; returns what the x axis counts now."""
        self.controls.next_x_axis()
        self.cursor = None
        self._retitle()
        return x_unit(self.view, self.controls.x_axis)

    def action_zoom(self) -> None:
        """All points <-> the last epochs; a zoomed range goes back to all."""
        self.controls.toggle_last()
        self._retitle()

    # -- the cursor and the range (keys while focused) -------------------------------------
    def _positions(self) -> list[float]:
        return cursor_stops(self.runs, self.view, self.controls)

    def x_range(self) -> tuple[float, float] | None:
        """The part of the x axis shown now (None: no points)."""
        return x_range(self.runs, self.view, self.controls)

    def _data_range(self) -> tuple[float, float] | None:
        return x_range(self.runs, self.view, PlotControls(x_axis=self.controls.x_axis))

    def _cursor_at(self) -> float | None:
        """Where the cursor is: where it was put if that is shown, else the last point."""
        shown = self._positions()
        inside = shown and self.cursor is not None and shown[0] <= self.cursor <= shown[-1]
        return self.cursor if inside else (shown[-1] if shown else None)

    def action_move_cursor(self, step: int) -> None:
        shown, here = self._positions(), self._cursor_at()
        if here is None:
            return
        i = bisect.bisect_left(shown, here) + step
        self.cursor = shown[min(len(shown) - 1, max(0, i))]
        self._changed()

    def action_cursor_to(self, end: int) -> None:
        shown = self._positions()
        if shown:
            self.cursor = shown[end]
            self._changed()

    def action_range_end(self, which: int) -> None:
        """Set the zoomed range's start (0) or end (1) at the cursor."""
        here, data = self._cursor_at(), self._data_range()
        if here is not None and data is not None and self.controls.set_end(here, which, data):
            self._retitle()

    def action_zoom_around(self, factor: float) -> None:
        here, shown, data = self._cursor_at(), self.x_range(), self._data_range()
        if here is not None and shown is not None and data is not None:
            self.controls.zoom_around(here, factor, shown, data)
            self._retitle()

    def on_mount(self) -> None:
        self.border_title = title(self.view, self.controls)

    def on_focus(self) -> None:
        # The cursor and its readout show while focused; has_focus changes after this handler
        # (Widget's own runs after its subclass's), so the redraw waits for it.
        self.call_later(self._changed)

    on_blur = on_focus

    def cursor_text(self) -> str:
        """The values at the cursor, one per shown run, named in the x axis's unit."""
        at = self._cursor_at()
        return readout(self.runs, self.view, at, self.controls) if at is not None else ""

    def _update_subtitle(self) -> None:
        # Set outside render(), where a border change would need another frame.
        if not self.runs:
            self.border_subtitle = ""
        elif self.has_focus and self._cursor_at() is not None:
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

    def _build(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width = max(10, self.size.width - 10)
        self.drawn = frame(self.runs, self.view, self.controls, width)
        cursor = self._cursor_at() if self.has_focus else None
        draw(plt, self.drawn, (width, self.size.height), self.controls.log_y, cursor)
        if not self.runs:
            plt.title("no runs yet: F5 starts training")
        elif not self.drawn.lines:
            last = self.runs[-1]
            plt.title(f"{last.label}: {last.ended or 'nothing to draw yet'}")
