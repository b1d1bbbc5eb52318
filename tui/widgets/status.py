"""One status line plus a progress bar: state, epochs done/target, perplexity, speed, device,
the optimizer and its learning rate, all of the selected run; when several runs train, the
speed part gives each one's ("#1 5.1k c/s · #2 4.9k c/s").

"epoch N/M" always counts completed epochs, whatever the state; the bar shows how far into the
next one training is.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

from engine.playground import RunSummary
from tui.numbers import perplexity_text

STATE_STYLE = {
    "idle": "dim",
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


LONG_EPOCH = 200  # batches from which the status line says how far into the epoch it is


def _rate(chars_per_sec: float, unit: str = "chars/s") -> str:
    if chars_per_sec >= 1000:
        return f"{chars_per_sec / 1000:.1f}k {unit}"
    return f"{chars_per_sec:.0f} {unit}"


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
        self.optimizer = ""  # "SGD" or "Adam": the model family's
        self.into = ""  # how far into a long epoch training is
        # each running run's latest speed, by run id: (its "#N", chars/s)
        self.speeds: dict[int, tuple[str, float]] = {}
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
        self.epochs, self.epoch, self.device = run.config.epochs, run.epoch, run.device
        self.lr, self.optimizer = run.config.lr, run.config.optimizer_name
        self.perplexity = last.perplexity if last else None
        # One window for both speeds (help's "speed"): while it runs, the epoch in progress
        # (progress() sets them), else the last finished epoch.
        if self.state != "running" or not self.chars_per_sec:
            self.chars_per_sec = last.chars_per_sec if last else 0.0
            self.seconds = last.seconds if last else 0.0
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, self.epochs), progress=max(bar.progress, run.epoch))
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
        self.query_one(ProgressBar).update(progress=(epoch - 1) + batch / max(1, batches))
        self.chars_per_sec = chars_per_sec
        self.seconds = seconds * batches / max(1, batch)
        # A long epoch barely moves a bar spanning every epoch: say how far into it training is.
        self.into = f" · {batch / batches:.0%} into {epoch}" if batches >= LONG_EPOCH else ""
        self._redraw()

    def run_speed(self, run_id: int, label: str, chars_per_sec: float | None) -> None:
        """A running run's latest speed, whichever is selected (None: it no longer runs)."""
        if chars_per_sec is None:
            if self.speeds.pop(run_id, None) is None:
                return
        else:
            self.speeds[run_id] = (label.split(" ", 1)[0], chars_per_sec)
        self._redraw()

    def _speed(self) -> str:
        if len(self.speeds) > 1:
            shown = (self.speeds[run_id] for run_id in sorted(self.speeds))
            return " · ".join(f"{name} {_rate(cps, 'c/s')}" for name, cps in shown)
        # A paused run makes no progress: its last speed would only mislead.
        return "paused" if self.state == "paused" else _rate(self.chars_per_sec)

    def _redraw(self) -> None:
        style = STATE_STYLE.get(self.state, "bold")
        self._show("#state", Text(f"● {self.state}", style=style))
        # Before any run there is no target yet: say how to start rather than "epoch 0/0".
        epoch = f"epoch {self.epoch}/{self.epochs}" if self.epochs else "F5 starts training"
        if self.state == "running":
            epoch += self.into
        self._show("#epoch", Text(epoch))
        if self.reason:
            self._show("#numbers", Text(self.reason, style="red"))
            return
        ppl = "ppl " + (perplexity_text(self.perplexity) if self.perplexity is not None else "-")
        speed = self._speed()
        per = f"{self.seconds:.2f} s/epoch" if self.seconds else "- s/epoch"
        lr = f" · {self.optimizer} lr {self.lr:g} (F8)" if self.lr is not None else ""
        self._show("#numbers", Text(f"{ppl} · {speed} · {per} · {self.device}{lr}"))

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
