"""One status line plus a progress bar: epoch i/N, perplexity, speed, device, state."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static

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
    "error": "bold red",
}


def _rate(chars_per_sec: float) -> str:
    if chars_per_sec >= 1000:
        return f"{chars_per_sec / 1000:.1f}k chars/s"
    return f"{chars_per_sec:.0f} chars/s"


class StatusPane(Vertical):
    DEFAULT_CSS = """
    StatusPane { height: 2; padding: 0 1; }
    StatusPane Horizontal { height: 1; }
    StatusPane #state { width: auto; padding-right: 1; }
    StatusPane #epoch { width: auto; padding-right: 1; }
    StatusPane ProgressBar { width: 1fr; }
    StatusPane ProgressBar Bar { width: 1fr; }
    StatusPane #numbers { width: 1fr; height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = "idle"
        self.epochs = 0
        self.epoch = 0
        self.perplexity: float | None = None
        self.chars_per_sec = 0.0
        self.seconds = 0.0
        self.device = "-"
        self.label = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(id="state")
            yield Static(id="epoch")
            yield ProgressBar(total=1, show_eta=False, show_percentage=True)
        yield Static(id="numbers")

    def on_mount(self) -> None:
        self._redraw()

    # -- called by the app -------------------------------------------------------------------
    def start_run(self, label: str, epochs: int, device: str) -> None:
        self.label, self.epochs, self.device = label, epochs, device
        self.epoch, self.perplexity, self.chars_per_sec, self.seconds = 0, None, 0.0, 0.0
        self.query_one(ProgressBar).update(total=max(1, epochs), progress=0)
        self.set_state("running")

    def set_target(self, epochs: int) -> None:
        """A parked run continues towards a new epoch count."""
        self.epochs = epochs
        self.query_one(ProgressBar).update(total=max(1, epochs), progress=self.epoch)
        self._redraw()

    def set_state(self, state: str) -> None:
        self.state = state
        self._redraw()

    def progress(self, epoch: int, batch: int, batches: int, chars_per_sec: float) -> None:
        done = (epoch - 1) + (batch / batches if batches else 0)
        self.query_one(ProgressBar).update(progress=done)
        self.chars_per_sec = chars_per_sec
        self.epoch = max(self.epoch, epoch - 1)
        self._redraw(current=epoch)

    def epoch_end(
        self, epoch: int, epochs: int, perplexity: float, seconds: float, chars_per_sec: float
    ) -> None:
        self.epoch, self.epochs = epoch, epochs
        self.perplexity, self.seconds, self.chars_per_sec = perplexity, seconds, chars_per_sec
        self.query_one(ProgressBar).update(total=max(1, epochs), progress=epoch)
        self._redraw()

    def _redraw(self, current: int | None = None) -> None:
        style = STATE_STYLE.get(self.state, "bold")
        self.query_one("#state", Static).update(Text(f"● {self.state}", style=style))
        shown = current if current is not None else self.epoch
        # Before any run there is no target yet: say how to start rather than "epoch 0/0".
        epoch = f"epoch {shown}/{self.epochs}" if self.epochs else "F5 starts training"
        self.query_one("#epoch", Static).update(epoch)
        ppl = f"ppl {self.perplexity:.2f}" if self.perplexity is not None else "ppl -"
        per = f"{self.seconds:.2f} s/epoch" if self.seconds else "- s/epoch"
        self.query_one("#numbers", Static).update(
            f"{ppl} · {_rate(self.chars_per_sec)} · {per} · {self.device}"
        )
