"""Training curves: perplexity per epoch (log axis) and the gradient norm before clipping.

A picture costs ~8 ms of Python (tui/widgets/curve_build.py), so points only mark the plot dirty;
the app's timer calls `flush()` a few times a second, which builds the new picture on a worker
thread while the old one stays on screen (a frame that shows a keystroke's completion never waits
behind it); what the user asks for (keys, focus, a resize) is drawn in the next frame. The built
lines are kept between frames.

The legend is the runs table (each run keeps its colour), so nothing is drawn over the curves;
a learning-rate change is a mark on the top edge. The user's controls (smoothing, y scale, x axis,
zoom: curve_controls) apply from anywhere through the app's keys; with the plot focused, ←/→ and
Home/End move a cursor whose values the border shows, "[" and "]" set a zoomed range's ends at
it and +/- zoom around it (curve_cursor).
"""

from __future__ import annotations

import math

from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

from engine.playground import RunSummary
from engine.playground.events import EpochEnd, RunState
from tui.labels import shown
from tui.widgets.curve_build import PlotJob, build_strips
from tui.widgets.curve_choice import Attention, choose, first_free
from tui.widgets.curve_controls import PlotControls
from tui.widgets.curve_cursor import PlotCursor
from tui.widgets.curve_frame import Frame, frame
from tui.widgets.curve_readout import readout, references_text, title
from tui.widgets.curve_series import PER_STEP, PERPLEXITY, VIEWS, RunSeries, x_unit

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
        self.attention = Attention()  # the runs drawn first (curve_choice)
        self._order: list[RunSeries] = []  # the runs drawn, the one looked at most first
        self._cursor = PlotCursor(self.runs, self.controls)  # shown while the plot has focus
        self.drawn = Frame(unit="epoch")  # what the last build drew
        self._added = 0
        self._version = 0
        self._drawn_version = -1  # the version of the points the lines shown hold
        self._lines: list[Strip] = []
        self._lines_key: tuple | None = None  # what they show (_key)
        self._now = True  # the next frame draws the current picture itself (not the worker)
        self._building: tuple | None = None  # the key the worker builds now
        self._worker_plot = Plot()  # the worker's own figure: the two may build at once

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
        color = first_free(self.runs, self._added)
        self._added += 1
        self.runs.append(RunSeries(run_id, label, vocab_size, clip, corpus, color=color))
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
        self.runs[:] = [r for r in self.runs if r.run_id != run_id]  # in place: the cursor's too
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

    def show_runs(self, summaries: list[RunSummary], selected: int | None) -> None:
        """What the core says of the runs: which the user looks at (drawn first, curve_choice)
        and which diverged (they do not set the y axis), at what lr."""
        attention = Attention(
            selected=selected,
            marked=frozenset(s.id for s in summaries if s.marked),
            training=frozenset(s.id for s in summaries if s.state == RunState.RUNNING),
        )
        diverged = {s.id: s.config.lr for s in summaries if s.state == RunState.DIVERGED}
        # Named as the runs table names them (F8: "#2 scratch·lr 30→20"): the title says a
        # run's name where it has nothing to draw.
        labels = {s.id: shown(s) for s in summaries}
        changed = attention != self.attention
        for run in self.runs:
            changed |= run.diverged != (run.run_id in diverged)
            run.diverged = run.run_id in diverged
            changed |= run.diverged_lr != diverged.get(run.run_id)
            run.diverged_lr = diverged.get(run.run_id)
            label = labels.get(run.run_id, run.label)
            changed |= label != run.label
            run.label = label
        self.attention = attention
        if changed:
            self._changed()

    def colors(self) -> dict[int, str]:
        """Each run's curve colour (it changes when a run drawn again would share one); none
        ("") for a run left off with no curve yet: its colour may be a drawn run's."""
        return {run.run_id: "" if run.dropped and not run.has_curve else run.color
                for run in self.runs}  # fmt: skip

    def not_drawn(self) -> set[int]:
        """The runs whose curve is left off the plot for want of colours (not the hidden ones,
        nor the runs with no curve yet: a queued run has nothing to draw)."""
        return {run.run_id for run in self.runs if run.dropped and run.has_curve}

    def _changed(self) -> None:
        """What the user asked for (or a run added, ended, removed, looked at): drawn in the
        next frame."""
        self._order = choose(self.runs, self.attention)
        self._version += 1
        self._now = True
        self._set_title()
        self._update_subtitle()
        self.refresh()

    def _set_title(self) -> None:
        self.border_title = title(self.view, self.controls, self._room(), len(self.not_drawn()))

    def _room(self) -> int:
        """The columns a border's text has: the corners and a blank each side take 6."""
        return self.outer_size.width - 6 if self.outer_size.width else 1_000

    def on_resize(self) -> None:
        self._set_title()
        self._update_subtitle()

    def toggle_view(self) -> str:
        self.view_chosen = True
        self._set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])
        return self.view

    def _set_view(self, view: str) -> None:
        if x_unit(view, self.controls.x_axis) != x_unit(self.view, self.controls.x_axis):
            self._cursor.unit_changed()
        self.view = view
        self._changed()

    # -- the user's controls (the app's keys, from anywhere) -----------------------------------
    def next_smoothing(self) -> float:
        weight = self.controls.next_smoothing()
        self._changed()
        return weight

    def toggle_scale(self) -> bool:
        log_y = self.controls.toggle_scale()
        self._changed()
        return log_y

    def next_x_axis(self) -> str:
        """Epoch -> step -> wall time; returns what the x axis counts now."""
        self.controls.next_x_axis()
        self._cursor.forget()
        self._changed()
        return x_unit(self.view, self.controls.x_axis)

    def action_zoom(self) -> None:
        """All points <-> the last epochs; a zoomed range goes back to all."""
        self.controls.toggle_last()
        self._changed()

    # -- the cursor and the range (keys while focused: curve_cursor) ---------------------------
    @property
    def cursor(self) -> float | None:
        """Where the keys put the cursor on the x axis (in its unit); None: at the last point."""
        return self._cursor.put

    def action_move_cursor(self, step: int) -> None:
        if self._cursor.move(self.view, step):
            self._changed()

    def action_cursor_to(self, end: int) -> None:
        if self._cursor.to_end(self.view, end):
            self._changed()

    def action_range_end(self, which: int) -> None:
        """Set the zoomed range's start (0) or end (1) at the cursor."""
        if self._cursor.range_end(self.view, which):
            self._changed()

    def action_zoom_around(self, factor: float) -> None:
        if self._cursor.zoom_around(self.view, factor):
            self._changed()

    def on_mount(self) -> None:
        self._set_title()

    def on_focus(self) -> None:
        # The cursor and its readout show while focused; has_focus changes after this handler
        # (Widget's own runs after its subclass's), so the redraw waits for it.
        self.call_later(self._changed)

    on_blur = on_focus

    def cursor_text(self) -> str:
        """The values at the cursor, one per shown run, named in the x axis's unit."""
        at = self._cursor.at(self.view)
        if at is None:
            return ""
        return readout(self._order, self.view, at, self.controls, self._room())

    def _update_subtitle(self) -> None:
        # Set outside render(), where a border change would need another frame.
        if not self.runs:
            self.border_subtitle = ""
        elif self.has_focus and self._cursor.at(self.view) is not None:
            self.border_subtitle = self.cursor_text()
        else:
            self.border_subtitle = references_text(self.runs, self.view, self.drawn.off_scale)

    def flush(self) -> None:
        """Build the picture on the worker if new points arrived since it was built (called from
        a timer); the lines shown stay until it is done. One build at a time: points that come
        meanwhile wait for the next call."""
        if self._version == self._drawn_version or self._building is not None:
            return
        if self.has_focus:
            self._update_subtitle()
        if not self._lines or not self.size.area:
            self._now = True  # nothing shown yet: the next frame draws it
            self.refresh()
            return
        self._build_later()

    def _build_later(self) -> None:
        """The picture as it is now, built on the worker (unless it builds one already)."""
        if self._building is not None or not self.size.area:
            return
        job = self._job()
        self._building = job.key
        self.run_worker(lambda: self._build_on_worker(job), thread=True, group="plot-build",
                        exit_on_error=False)  # fmt: skip

    class Built(Message, bubble=False):
        """A picture the worker built (for the plot itself)."""

        def __init__(self, job: PlotJob, lines: list[Strip]) -> None:
            super().__init__()
            self.job = job
            self.lines = lines

    def _build_on_worker(self, job: PlotJob) -> None:
        self.post_message(self.Built(job, build_strips(self._worker_plot, job)))

    def on_curves_plot_built(self, message: Built) -> None:
        self._building = None
        key, now = message.job.key, self._key()
        # Kept unless the picture shown is newer (drawn in a frame since) or of another size.
        shown = self._lines_key
        if shown is None or (key[0] >= shown[0] and key[1:] == now[1:]):
            self._lines, self._lines_key, self._drawn_version = message.lines, key, key[0]
            self.refresh()
        if self._lines_key is not None and self._lines_key[1:] != now[1:]:
            self._build_later()  # resized again while it was built

    # -- drawing -----------------------------------------------------------------------------
    def _key(self) -> tuple:
        return (self._version, self.view, self.size.width, self.size.height, self.app.theme)

    def _job(self) -> PlotJob:
        """The picture as it is now, with all it needs copied (it may be built on the worker)."""
        width, height = self.size
        off_scale = self.drawn.off_scale
        self.drawn = frame(self.runs, self.view, self.controls, max(10, width - 10))
        if self.drawn.off_scale != off_scale:  # the border names them: said after this frame
            self.call_later(self._update_subtitle)
        cursor = self._cursor.at(self.view) if self.has_focus else None
        title = ""
        if not self.runs:
            title = "no runs: F5 starts training"  # also once every run is removed
        elif all(run.hidden for run in self.runs):  # not "nothing to draw yet": there is
            title = "every curve is hidden: Space on a run's row in the runs table shows it"
        elif not self.drawn.lines:
            last = self.runs[-1]
            title = f"{last.label}: {last.ended or 'nothing to draw yet'}"
        console = self.app.console
        return PlotJob(
            key=self._key(), frame=self.drawn, size=(width, height), log_y=self.controls.log_y,
            cursor=cursor, title=title, theme=self._get_plotext_theme_name(self.app.theme),
            console=console, options=console.options.update_dimensions(width, height),
            style=self.visual_style.rich_style,
        )

    def render_line(self, y: int) -> Strip:
        if not self.size.area:
            return Strip.blank(0)
        key, shown = self._key(), self._lines_key
        # Drawn here when asked for, or in another view or theme. New points wait for the worker
        # (flush), and so does a new size: the layout pass that resizes the plot is the frame of
        # a keystroke's completion when the prompt grows a row; the picture shown meanwhile is
        # cut or padded to the new size for the few milliseconds the worker takes.
        other_view = shown is not None and (key[1], key[4]) != (shown[1], shown[4])
        if shown is None or (key != shown and (self._now or other_view)):
            self._now = False
            self._drawn_version = self._version
            self._lines, self._lines_key = build_strips(self.plt, self._job()), key
        elif key[2:4] != shown[2:4] and self._drawn_version != -1:
            self._drawn_version = -1  # not drawn at this size yet
            self.call_later(self._build_later)
        width, style = self.size.width, self.visual_style.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, style)
        line = self._lines[y]
        return line if line.cell_length == width else line.crop_extend(0, width, style)
