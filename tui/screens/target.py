"""How far to train a run on that reached its epoch target (F6 asks)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class TargetScreen(ModalScreen[int | None]):
    """Dismisses with the new epoch target (above the epochs done), or None."""

    DEFAULT_CSS = """
    TargetScreen { align: center middle; }
    TargetScreen > Vertical {
        width: 64; max-width: 95%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TargetScreen .hint { color: $text-muted; }
    TargetScreen #target-error { color: $error; height: auto; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, label: str, done: int, suggested: int) -> None:
        super().__init__()
        self.label = label
        self.done = done
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"{self.label} reached its target at epoch {self.done}: train it on to epoch",
                markup=False,
            )
            yield Input(str(self.suggested), id="target", type="integer")
            yield Label("Enter trains it on · Esc cancels", classes="hint")
            yield Label("", id="target-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value.isdigit() or int(value) <= self.done:
            self.query_one("#target-error", Label).update(
                f"give a whole number of epochs above {self.done}"
            )
            return
        self.dismiss(int(value))

    def action_cancel(self) -> None:
        self.dismiss(None)
