"""One status line plus a progress bar: state, epochs done/target, perplexity, the optimizer
and its learning rate (a paused run's new one from F8 as "lr 100→30 on resume"), speed, device,
all of the selected run, whole; when other runs train, their speeds follow as far as the width
allows ("#1 5.1k c/s · +2 training").

"epoch N/M" always counts completed epochs, whatever the state; the bar shows how far into the
next one training is. Speeds are the runs table's: the last finished epoch's (help's "speed").
"""

from __future__ import annotations

import math

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from engine.playground import Action, RunSummary, allowed
from engine.playground.events import RunState
from tui.numbers import perplexity_text

STATE_STYLE = {
    "idle": "dim",
    "queued": "dim",
    "loaded": "bold cyan",
    "loading": "yellow",
    "running": "bold green",
    "paused": "bold yellow",
    "pausing": "yellow",
    "finished": "bold cyan",
    "stopped": "bold",
    "diverged": "bold red",
    "failed": "bold red",
}


# Where F8 (a new learning rate) works, as the core's table has it, and "pausing" (the run still
# trains until its next batch). A stopped, finished or loaded run's line offers no F8: there F8
# only points to the setup pane, where the next run's lr is set.
LR_STATES = frozenset({str(s) for s in RunState if Action.SET_LR in allowed(s)} | {"pausing"})

# When an lr F8 gave a paused run (RunSummary.paused_lr) is taken up, by the run's state.
WAITING_LR = {"paused": "on resume", "stopped": "from F6"}

LONG_EPOCH = 200  # batches from which the status line says how far into the epoch it is
CUT = "… (in full in the notes below)"  # ends a reason too long for the line
# In place of the numbers while no run is shown: empty ones ("ppl - · - chars/s") told nothing.
NO_RUN = "no run yet: F5 trains one on the setup's values, ctrl+o opens a saved one"
# ... once the runs there were are removed: "yet" said none had been (tester)
NO_RUNS = "no runs: F5 trains one on the setup's values, ctrl+o opens a saved one"


def _rate(chars_per_sec: float, unit: str = "chars/s") -> str:
    if chars_per_sec >= 1000:
        return f"{chars_per_sec / 1000:.1f}k {unit}"
    return f"{chars_per_sec:.0f} {unit}"


def _on_grid(progress: float, total: float, cells: int) -> float:
    """`progress` cut down to the finest step the bar shows: half of one of its `cells`, or half
    a percent of `total` where that is finer (its percentage is rounded to whole ones)."""
    steps = max(200, 2 * cells)
    # The nudge keeps a step reached exactly on it (23 / 40 * 200 is 114.99999999999999).
    return math.floor(progress / total * steps + 1e-9) / steps * total


class StatusPane(Vertical):
    DEFAULT_CSS = """
    StatusPane { height: 2; padding: 0 1; }
    StatusPane Horizontal { height: 1; }
    StatusPane #state { width: auto; padding-right: 1; }
    StatusPane #epoch { width: auto; padding-right: 1; }
    StatusPane ProgressBar { width: 1fr; }
    StatusPane ProgressBar Bar { width: 1fr; }
    StatusPane #numbers { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = "idle"
        self.reason = ""  # why the run diverged or failed
        self.epochs = 0  # the target
        self.epoch = 0  # completed
        self.perplexity: float | None = None
        self.chars_per_sec = 0.0
        self.seconds = 0.0
        self.device = "-"
        self.lr: float | None = None
        self.paused_lr: float | None = None  # paused after F8: the lr it trained at till then
        self.optimizer = ""  # "SGD" or "Adam": the model family's
        self.into = ""  # how far into a long epoch training is
        self.so_far = True  # no epoch finished yet: the speed is the first one's so far
        self.run_id: int | None = None  # the run shown
        self.had_run = False  # a run was shown once: with none now, they were removed
        # the other running runs' last finished epoch's speeds, by run id: ("#N", chars/s)
        self.speeds: dict[int, tuple[str, float | None]] = {}
        # what each part shows now, by selector: (text, style, spans)
        self._shown: dict[str, tuple[str, str, tuple]] = {}

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(id="state")
            yield Static(id="epoch")
            yield ProgressBar(total=1, show_eta=False, show_percentage=True)
        yield Static(id="numbers")

    def on_mount(self) -> None:
        self._redraw()

    # -- called by the screen ----------------------------------------------------------------
    def show_run(self, run: RunSummary) -> None:
        """Follow a run from where it stands now (the core's summary of it)."""
        self.query_one(ProgressBar).update(total=max(1, run.config.epochs), progress=run.epoch)
        self.show_numbers(run)
        self.set_state(run.state, run.message)

    def show_numbers(self, run: RunSummary) -> None:
        """The run's completed epochs and their numbers, as the runs table shows them."""
        last = run.last
        followed, self.run_id = self.run_id, run.id
        self.had_run = True
        self.epochs, self.epoch, self.device = run.config.epochs, run.epoch, run.device
        self.lr, self.optimizer = run.config.lr, run.config.optimizer_name
        self.paused_lr = run.paused_lr
        self.perplexity = last.perplexity if last else None
        # The runs table's speed, the last finished epoch's (an epoch in progress, its first
        # batches above all, read up to twice the table's beside it); until one has finished,
        # progress() gives the first one's so far.
        self.so_far = last is None
        if last is not None:
            self.chars_per_sec, self.seconds = last.chars_per_sec, last.seconds
        elif followed != run.id:  # not the speed of the run followed before
            self.chars_per_sec, self.seconds = 0.0, 0.0
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, self.epochs), progress=max(bar.progress, run.epoch))
        self._redraw()

    def show_no_run(self) -> None:
        """No run to follow (none yet, or the last one removed): idle, as at start-up, and how
        to get one (the removed run's "finished" stayed beside it)."""
        self.run_id, self.epochs, self.epoch, self.lr, self.speeds = None, 0, 0, None, {}
        self.paused_lr = None
        # A run's state and reason go with it; "loading" (a run on its way) and the idle line's
        # own reason (the corpus not downloaded) stay.
        if self.state not in ("idle", "loading"):
            self.state, self.reason = "idle", ""
        self.query_one(ProgressBar).update(total=1, progress=0)
        self._redraw()

    def set_target(self, epochs: int, lr: float) -> None:
        self.epochs, self.lr = epochs, lr
        self.query_one(ProgressBar).update(total=max(1, epochs), progress=self.epoch)
        self._redraw()

    def set_state(self, state: str, reason: str = "") -> None:
        self.state, self.reason = str(state), reason
        self._redraw()

    def progress(
        self, epoch: int, batch: int, batches: int, chars_per_sec: float, seconds: float
    ) -> None:
        """In-epoch progress (`epoch` is the one in progress, 1-based): the bar and the speed
        move within an epoch; the epoch count moves with the summaries. `seconds` of training
        so far in the epoch: s/epoch is the whole epoch at the pace of chars/s, so the two
        never disagree (the last epoch's seconds beside this one's chars/s once did)."""
        bar = self.query_one(ProgressBar)
        # Sent only when the bar can show the step: a batch of a run of many epochs moves it by
        # a fraction of a cell, yet each update repainted it, ~3 ms of the UI thread a frame at
        # ~30 batches a second, frames a keystroke's completion then waited behind (issue 21).
        shown = _on_grid((epoch - 1) + batch / max(1, batches), bar.total or 1, self._bar_cells())
        if shown > bar.progress:  # a finished epoch (show_numbers) may be ahead of the grid
            bar.update(progress=shown)
        if self.so_far:
            self.chars_per_sec = chars_per_sec
            self.seconds = seconds * batches / max(1, batch)
        # A long epoch barely moves a bar spanning every epoch: say how far into it training is.
        self.into = f" · {batch / batches:.0%} into {epoch}" if batches >= LONG_EPOCH else ""
        self._redraw()

    def show_training(self, runs: list[RunSummary]) -> None:
        """The other runs that train now, with their speeds as the runs table gives them."""
        self.speeds = {
            run.id: (run.label.split(" ", 1)[0], run.last.chars_per_sec if run.last else None)
            for run in runs
            if run.state == "running" and run.id != self.run_id
        }
        self._redraw()

    def _bar_cells(self) -> int:
        return self.query_one("ProgressBar Bar").size.width

    def _speed(self) -> str:
        # A paused run makes no progress: its last speed would only mislead.
        if self.state == "paused":
            return "paused"
        # Nothing trained yet (a run just followed): no speed rather than "0 chars/s".
        rate = _rate(self.chars_per_sec) if self.chars_per_sec else "- chars/s"
        return rate + (" so far" if self.so_far else "")

    def _others(self, room: int) -> str:
        """The other training runs' speeds in `room` cells: as many as fit, the rest counted."""
        shown = [f"{name} {_rate(cps, 'c/s') if cps is not None else '-'}"
                 for name, cps in (self.speeds[i] for i in sorted(self.speeds))]  # fmt: skip
        # One wording for the count, whatever the width ("+4 training" and "+4 more training"
        # read as two things); the short one, which fits beside the selected run at 80 columns.
        for kept in range(len(shown), -1, -1):
            left = len(shown) - kept
            parts = shown[:kept] + ([f"+{left} training"] if left else [])
            text = "".join(" · " + part for part in parts)
            if cell_len(text) <= room:
                return text
        return ""

    def on_resize(self) -> None:
        self._redraw()

    def _room(self) -> int:
        width = self.query_one("#numbers", Static).size.width
        return width or 1_000

    def _redraw(self) -> None:
        style = STATE_STYLE.get(self.state, "bold")
        self._show("#state", Text(f"● {self.state}", style=style))
        # Before any run there is no target yet: say how to start rather than "epoch 0/0".
        epoch = f"epoch {self.epoch}/{self.epochs}" if self.epochs else "F5 starts training"
        if self.state == "running":
            epoch += self.into
        self._show("#epoch", Text(epoch))
        room = self._room()
        if self.reason:
            # Cut with a pointer rather than an ellipsis alone: the notes hold it whole.
            reason = self.reason
            if cell_len(reason) > room:
                reason = set_cell_size(reason, max(0, room - cell_len(CUT))).rstrip() + CUT
            self._show("#numbers", Text(reason, style="red"))
            return
        if self.run_id is None:
            self._show("#numbers", Text(NO_RUNS if self.had_run else NO_RUN, style="dim"))
            return
        # The selected run's own facts first, whole; the other runs' speeds in what is left.
        ppl = "ppl " + (perplexity_text(self.perplexity) if self.perplexity is not None else "-")
        f8 = " (F8)" if self.state in LR_STATES else ""
        lr = f" · {self.optimizer} lr {self._lr()}{f8}" if self.lr is not None else ""
        per = f"{self.seconds:.2f} s/epoch" if self.seconds else "- s/epoch"
        own = f"{ppl}{lr} · {self._speed()} · {per} · {self.device}"
        self._show("#numbers", Text(own + self._others(room - cell_len(own))))

    def _lr(self) -> str:
        """The lr; a paused run's that F8 changed as the labels' arrow writes a change, and
        when it comes: "100→30 on resume" (it said "30" as if the run trained at it already);
        stopped before it resumed, "100→30 from F6", which trains it on at 30. Only while the
        line says paused or stopped: a resumed run's summary catches up twice a second."""
        now = f"{self.lr:g}"
        when = WAITING_LR.get(self.state)
        if when is None or self.paused_lr is None or self.paused_lr == self.lr:
            return now
        return f"{self.paused_lr:g}→{now} {when}"

    def _show(self, selector: str, text: Text) -> None:
        """Update one part only when its text changes, and lay the screen out again only when
        its width does: the speed changes ten times a second while training, and a layout pass
        of the whole screen each time took CPU from training."""
        key = (text.plain, str(text.style), tuple(text.spans))  # Text's == ignores its style
        shown = self._shown.get(selector)
        if shown == key:
            return
        # The numbers take the rest of the line whatever they say; the others are as wide as
        # their text.
        resized = selector != "#numbers" and (shown is None or cell_len(shown[0]) != text.cell_len)
        self._shown[selector] = key
        self.query_one(selector, Static).update(text, layout=resized)
