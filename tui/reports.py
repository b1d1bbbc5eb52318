"""One dispatch from each engine report to what shows it: the panes of the main screen and the
toasts. `Reports.show` looks the record's type up in one table; each handler does all there is
to do for that kind of report, so no second chain of type tests decides anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.config import TrainConfig, spec_of
from engine.playground import BaselineWatch
from engine.playground.events import (
    BatchEnd,
    Completion,
    DevicesTimed,
    EpochEnd,
    Event,
    RunAdded,
    RunRefused,
    RunRemoved,
    RunState,
    Sample,
    Saved,
    StatusChanged,
    TargetChanged,
)
from tui.labels import label_now
from tui.main_screen import MainScreen
from tui.missing_corpus import missing_corpus
from tui.paths import broken_path, shown_path

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import Playground

CLIP = spec_of(TrainConfig, "clip")  # writes a threshold as typed: "0.01", or "off"

_TROUBLE = (RunState.DIVERGED, RunState.FAILED)


class Reports:
    """Shows the core's reports on `screen`; asks `playground` only what it reports (which run
    is selected, a run's summary)."""

    def __init__(self, screen: MainScreen, playground: Playground) -> None:
        self.screen = screen
        self.playground = playground
        self.labels: dict[int, str] = {}  # run id -> label, for samples and notes (kept after
        self.clips: dict[int, float | None] = {}  # removal, when the core no longer knows it)
        self.lrs: dict[int, float] = {}  # run id -> its lr now (F8 changes it; its label stays)
        self.overfits: dict[int, BaselineWatch] = {}  # says once when a run starts to overfit
        self._handlers: dict[type, Callable[[int | None, Any, bool], None]] = {
            BatchEnd: self._batch_end,
            EpochEnd: self._epoch_end,
            Sample: self._sample,
            StatusChanged: self._status_changed,
            TargetChanged: self._target_changed,
            RunAdded: self._run_added,
            RunRemoved: self._run_removed,
            RunRefused: self._run_refused,
            Saved: self._saved,
            Completion: self._completion,
            DevicesTimed: self._devices_timed,
        }

    def show(self, run_id: int | None, event: Event) -> None:
        mine = run_id is not None and run_id == self.playground.selected
        self._handlers[type(event)](run_id, event, mine)

    def label(self, run_id: int | None) -> str:
        """The run's label, with its lr now where that is not the lr it names (tui/labels.py)."""
        if run_id is None:
            return ""
        label = self.labels.get(run_id, f"#{run_id}")
        return label_now(label, self.lrs[run_id]) if run_id in self.lrs else label

    def _notify(self, message: str, **kwargs: Any) -> None:
        self.screen.app.notify(message, markup=False, **kwargs)

    def _follow_selected(self) -> None:
        selected = self.playground.selected
        self.screen.follow(self.playground.summary(selected) if selected is not None else None)

    # -- training -----------------------------------------------------------------------------
    def _batch_end(self, run_id: int | None, event: BatchEnd, mine: bool) -> None:
        self.screen.plot.add_batch(run_id, event.step, event.loss)
        if mine:
            self.screen.status.progress(
                event.epoch, event.batch, event.batches, event.chars_per_sec, event.seconds
            )
            self.screen.inside.batch_trained()

    def _epoch_end(self, run_id: int | None, event: EpochEnd, mine: bool) -> None:
        # The status line's numbers follow with the runs table's, from one summary (the app's
        # refresh), so the two never disagree.
        self.screen.plot.add_point(run_id, event)
        if mine:
            self.screen.inside.show_epoch(event, self.clips.get(run_id or 0, 0.0))
        watch = self.overfits.get(run_id or 0)
        note = watch.add(event, self.label(run_id)) if watch is not None else None
        if note is not None:
            self.screen.note(note, style="yellow")

    def _sample(self, run_id: int | None, event: Sample, mine: bool) -> None:
        self.screen.samples.add_sample(self.label(run_id), event.epoch, event.prefix, event.text,
                                       into=event.into)  # fmt: skip

    def _status_changed(self, run_id: int | None, event: StatusChanged, mine: bool) -> None:
        trouble = event.status in _TROUBLE
        if mine:
            self.screen.status.set_state(event.status, event.message if trouble else "")
        if trouble:
            self._notify(event.message, title=str(event.status), severity="error")
            self._ended(run_id, event.status, event.message, event.epoch)

    def _ended(self, run_id: int | None, status: RunState, message: str, epoch: int,
               how: str = "") -> None:
        """A run that diverged or failed (`epoch` epochs completed), here or before its save
        (`how`: " before it was saved"): the log keeps the reason, the plot says it."""
        # The reason stays in the log; the status line has room for its start only.
        self.screen.note(f"{self.label(run_id)} {status}{how}: {message}", style="red")
        if status == RunState.DIVERGED:
            # Training it on would meet the same batch with the same weights: a new run.
            self.screen.note(
                "a lower lr in the setup (F4), then F5 starts a new run; this one stays",
                style="yellow",
            )
        self.screen.plot.mark_ended(run_id, f"{status} in epoch {epoch + 1}")

    def _target_changed(self, run_id: int | None, event: TargetChanged, mine: bool) -> None:
        # The run's own settings are on the status line and in the runs table; the setup form
        # stays what the user typed for the next run.
        if run_id is not None:
            self.lrs[run_id] = event.lr
        if mine:
            self.screen.status.set_target(event.epochs, event.lr)
            self.screen.prompt.show_model(self.label(run_id))  # "#2 scratch·lr 30→20"

    # -- the registry -------------------------------------------------------------------------
    def _run_added(self, run_id: int | None, run: RunAdded, mine: bool) -> None:
        assert run_id is not None
        screen = self.screen
        self.labels[run_id] = run.label
        cfg = run.config
        self.clips[run_id] = cfg.clip
        self.lrs[run_id] = cfg.lr
        self.overfits[run_id] = BaselineWatch.after(run.vocab_size, run.history)
        # Named as the runs table names it: a session saved after F8 holds its name and its
        # lr now ("#2 scratch·lr 30→20"), and the note had said "lr 30" beside "lr 20".
        label = self.label(run_id)
        color = screen.plot.add_run(
            run_id, label, run.vocab_size, cfg.clip, run.history, corpus=run.corpus
        )
        screen.runs.curve_colors[run_id] = color
        where = f"loaded {shown_path(run.path)} at epoch {run.epoch}" if run.path else "new run"
        screen.note(
            f"{label}: {where} · {run.corpus}, vocab {run.vocab_size}, "
            f"lr {cfg.lr:g} ({cfg.optimizer_name}), clip {CLIP.text(cfg.clip)}, {run.device}"
        )
        for sample in run.samples:  # as its samples from now on are (_sample)
            screen.samples.add_sample(label, sample.epoch, sample.prefix, sample.text,
                                      into=sample.into)  # fmt: skip
        for note in run.notes:
            screen.note(f"note: {note}", style="yellow")
            # Why a run waits in the queue: F5 said so already, once for all the runs it asked.
            if run.state != RunState.QUEUED:
                self._notify(note, severity="warning", timeout=8)
        screen.prompt.set_note("")
        screen.setup.clear_refusal()
        self._follow_selected()
        screen.hide_setup()
        if run.path is None:
            return
        self._restore_prompt(run)
        title = f"loaded {Path(run.path).name}"
        if run.state == RunState.DIVERGED:
            # Saved after it diverged: as diverged as when it did, never trained on.
            self._ended(run_id, run.state, run.message, run.epoch, " before it was saved")
            self._notify(f"epoch {run.epoch}/{cfg.epochs}, diverged: it cannot train on (the "
                         "log says why)", title=title, severity="warning", timeout=8)
            return
        done = run.epoch >= cfg.epochs
        self._notify(
            f"epoch {run.epoch}/{cfg.epochs}: F6 trains it on"
            + (" (asks how far: it reached its target)" if done else ""),
            title=title,
        )

    def _restore_prompt(self, run: RunAdded) -> None:
        """A loaded session brings its prompt back with its decoding and length, unless the
        user has typed one: that is kept with the settings it has (losing what was typed to a
        load is the worse surprise). A note says which: a prompt filled in without a word was
        typed on ("我想hello")."""
        prompt, saved, settings = self.screen.prompt, run.prompt, run.prompt_settings
        if not prompt.text:
            if settings is not None:
                prompt.restore(settings.decoding, settings.length)
            prompt.set_text(saved)
            if saved:
                said = f"the prompt is the save's: {saved[:40]}"
                self.screen.note(said)
                prompt.set_note(said)
        elif saved and saved != prompt.text:
            self.screen.note(f"kept the prompt you typed; the session's was {saved[:40]!r}")

    def _run_removed(self, run_id: int | None, event: RunRemoved, mine: bool) -> None:
        self.screen.plot.remove_run(run_id)
        self._follow_selected()

    def _run_refused(self, run_id: int | None, event: RunRefused, mine: bool) -> None:
        missing = missing_corpus(self.screen.setup.value("corpus")) if (
            event.field == "corpus") else None  # fmt: skip
        if missing is not None:
            # Not downloaded, and the download failed: the way out in the app's words, the
            # same on the status line and in the log, and the core's reason (which names the
            # command line's flags) in the log.
            self._notify(f"{missing.failed} (the log says why)", title="refused",
                         severity="error", timeout=12)  # fmt: skip
            self.screen.show_missing_corpus(missing)
            self.screen.note(missing.failed, style="red")
            self.screen.note(event.message, style="red")
        else:
            self._notify(event.message, title="refused", severity="error", timeout=8)
            if event.field is None:
                # Not about a setting (a file or folder that would not load): the toast goes
                # after 8 s and no field shows it, so the log keeps it; the setup column shows
                # it until the user moves on (it stayed there after a later load succeeded).
                self.screen.setup.show_refusal(event.message)
                self.screen.note(event.message, style="red")
            else:
                self.screen.setup.show_error(event.message, event.field)
        # Nothing changed: the status line shows the selected run as the core has it, not
        # what the app was waiting for.
        if self.playground.selected is None:
            self.screen.status.set_state(RunState.IDLE, missing.failed if missing else "")
        else:
            self._follow_selected()

    # -- sessions, the prompt, devices --------------------------------------------------------
    def _saved(self, run_id: int | None, event: Saved, mine: bool) -> None:
        if event.error is not None:
            self.screen.note(f"not saved: {event.error}", style="red")
            if not event.quiet:
                self._notify(event.error, title="not saved", severity="error", timeout=10)
        elif not event.quiet:
            # Which run the file holds: its name alone did not say ("jaychou-scratch-...").
            name = self.label(run_id)
            self.screen.note(f"{name} saved to {shown_path(event.path)}")
            # The name on lines of its own, broken between its parts: a toast takes at most
            # half the screen, 60 cells, less its padding and border.
            room = min(60, self.screen.app.size.width // 2) - 4
            self._notify(f"{name} saved to\n{broken_path(shown_path(event.path), room)}",
                         title="saved")  # fmt: skip

    def _completion(self, run_id: int | None, event: Completion, mine: bool) -> None:
        screen = self.screen
        if run_id is not None:
            screen.prompt.show_run_completion(run_id, event.text, event.completion, event.error)
        if not mine:
            return  # a marked run's: its line only
        shown, screen.last_completion = screen.last_completion, event
        if event.error:
            screen.prompt.set_note(f"completion failed: {event.error}")
            return
        # The views come in a report of their own after the completion's (the core computes them
        # second): the prompt shows that completion already, and drawing it again cost a frame.
        if event.inspection is None or shown != replace(event, inspection=None):
            screen.prompt.show_completion(event.text, event.completion, event.unknown, event.probs)
            screen.prompt.show_weights_every(event.weights_every)
        if event.inspection is not None:
            screen.inside.show_inspection(event.inspection)

    def _devices_timed(self, run_id: int | None, event: DevicesTimed, mine: bool) -> None:
        # One paragraph: at 80x24 the samples pane shows two rows, and a line per device
        # scrolled all but the verdict out of sight.
        rows = " · ".join(
            f"{name}: " + (f"{seconds:.3g} s" if seconds is not None else error or "-")
            for name, seconds, error in event.rows
        )
        self.screen.note(
            f"{self.label(run_id)}, seconds per epoch by device: {rows}. {event.verdict}", style=""
        )
